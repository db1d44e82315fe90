package api

import (
	"net/http"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/voucher"
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
	q := r.URL.Query()
	if q.Get("bill_code") != "" || q.Get("bill_number") != "" {
		h.verifyElements(w, r)
		return
	}
	code := q.Get("code")
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
	if res.Result.Document != nil && res.Result.Reason != voucher.ReasonExpired {
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

// verifyElements verifies a fiscal e-receipt by bill code, bill number and
// check code, the three elements printed on it.
func (h *handler) verifyElements(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	code, number, check := q.Get("bill_code"), q.Get("bill_number"), q.Get("check_code")
	if len(code) != 8 || len(number) != 10 || len(check) == 0 || len(check) > 16 {
		h.writeError(w, r, apperr.New(apperr.Invalid, "elements_required",
			"请提供票据代码（8位）、票据号码（10位）和校验码。", "Give the bill code (8 digits), bill number (10 digits) and check code.").WithField("bill_code"))
		return
	}
	res, err := h.Payments.VerifyElements(r.Context(), code, number, check)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if !res.Found {
		writeJSON(w, http.StatusOK, verifyView{Valid: false, Reason: "unknown_code",
			Message: "查无此票据，请核对票据代码、号码和校验码。", MessageEn: "No receipt has these three elements; check them."})
		return
	}
	out := verifyView{Valid: res.Result.Valid, Reason: res.Result.Reason, Message: res.Result.Message, MessageEn: res.Result.MessageEn}
	if res.Result.Document != nil && res.Result.Reason != voucher.ReasonExpired {
		v := h.voucherJSON(res.Voucher)
		v.Document = res.Result.Document
		out.Voucher = &v
	}
	writeJSON(w, http.StatusOK, out)
}
