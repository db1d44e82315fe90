package web

import (
	"html/template"
	"net/http"

	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/voucher"
)

type walletItem struct {
	V   voucher.Voucher
	Doc *voucher.Document
}

func (h *handler) wallet(w http.ResponseWriter, r *http.Request, p *identity.Person, csrf string) {
	vs, err := h.Payments.PersonVouchers(r.Context(), p.ID)
	if err != nil {
		h.pageError(w, r, p, err)
		return
	}
	items := make([]walletItem, 0, len(vs))
	for _, v := range vs {
		d, _ := voucher.Decode(v.Payload)
		items = append(items, walletItem{V: v, Doc: d})
	}
	h.render(w, r, http.StatusOK, "wallet", page{Title: "title.wallet", Person: p, CSRF: csrf, Nav: "vouchers", Data: items})
}

type voucherData struct {
	V         voucher.Voucher
	Doc       *voucher.Document
	QR        template.HTML
	VerifyURL string
	Result    voucher.Result
}

func (h *handler) voucherPage(w http.ResponseWriter, r *http.Request, p *identity.Person, csrf string) {
	v, err := h.Payments.VoucherFor(r.Context(), p.ID, r.PathValue("id"))
	if err != nil {
		h.pageError(w, r, p, err)
		return
	}
	d, err := h.voucherData(v)
	if err != nil {
		h.pageError(w, r, p, err)
		return
	}
	h.render(w, r, http.StatusOK, "voucher", page{Title: "kind." + string(v.Kind), Person: p, CSRF: csrf, Nav: "vouchers", Data: d})
}

func (h *handler) voucherData(v voucher.Voucher) (*voucherData, error) {
	res := voucher.Verify(h.Payments.Signer().Public(), &v, h.Now())
	svg, err := voucher.QRSVG(voucher.QRPayload(h.PublicURL, &v))
	if err != nil {
		return nil, err
	}
	// QRSVG builds the SVG itself from module coordinates; nothing from a
	// person flows into it, so it is safe to embed as markup.
	d := &voucherData{V: v, Doc: res.Document, QR: template.HTML(svg), VerifyURL: h.PublicURL + "/verify/" + v.Code, Result: res}
	if res.Reason == voucher.ReasonExpired {
		// Past its retention a voucher is no longer served: the page says
		// why (Result's message), while its evidence entry stays in the log.
		d.Doc, d.QR = nil, ""
	}
	return d, nil
}

type verifyData struct {
	Code   string
	Found  bool
	Result voucher.Result
	V      voucher.Voucher
}

// verifyPage is public: what a QR code scan opens.
func (h *handler) verifyPage(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	res, err := h.Payments.Verify(r.Context(), code)
	if err != nil {
		h.pageError(w, r, nil, err)
		return
	}
	h.render(w, r, http.StatusOK, "verify", page{Title: "title.verify", Data: verifyData{Code: code, Found: res.Found, Result: res.Result, V: res.Voucher}})
}
