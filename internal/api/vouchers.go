package api

import (
	"net/http"

	"github.com/shebao-project/shebao/internal/apperr"
)

type verifyView struct {
	Valid     bool         `json:"valid"`
	Reason    string       `json:"reason"`
	Message   string       `json:"message"`
	MessageEn string       `json:"message_en"`
	Voucher   *voucherView `json:"voucher,omitempty"`
}

// verifyVoucher is public: anyone holding a voucher code may check it. Only
// signed content is returned, and only for a genuine voucher.
func (h *handler) verifyVoucher(w http.ResponseWriter, r *http.Request) {
	code := r.URL.Query().Get("code")
	if code == "" || len(code) > 64 {
		h.writeError(w, r, apperr.New(apperr.Invalid, "code_required",
			"请提供凭证上的查验码（code 参数）。", "Give the verification code printed on the voucher as the code parameter.").WithField("code"))
		return
	}
	res, err := h.Payments.Verify(r.Context(), code)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if !res.Found {
		writeJSON(w, http.StatusOK, verifyView{Valid: false, Reason: "unknown_code",
			Message: "查无此凭证，请核对查验码。", MessageEn: "No voucher has this code; check the code."})
		return
	}
	out := verifyView{Valid: res.Result.Valid, Reason: res.Result.Reason, Message: res.Result.Message, MessageEn: res.Result.MessageEn}
	if res.Result.Document != nil {
		v := h.voucherJSON(res.Voucher)
		v.Document = res.Result.Document
		out.Voucher = &v
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *handler) publicKey(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/x-pem-file")
	w.Header().Set("X-Key-ID", h.Payments.Signer().KeyID())
	_, _ = w.Write(h.Payments.Signer().PublicKeyPEM())
}
