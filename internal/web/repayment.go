package web

import (
	"net/http"
	"net/url"

	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/payment"
)

// Repaying overdue credit pay credits with WeChat Pay: the credit page's
// form starts a repayment, and this page pays it where the person is (a
// QR code on a PC, the JS bridge inside WeChat, in demo mode the sandbox
// cashier) and follows it until it is paid.

type repaymentData struct {
	Repayment payment.Repayment
	Cashier   string // outcome the cashier reported: cancel, insufficient…
	Pending   bool
	PayWays
}

func (h *handler) createRepayment(w http.ResponseWriter, r *http.Request, p *identity.Person, csrf string) {
	ch := r.PostFormValue("channel")
	res, err := h.Payments.CreateRepayment(r.Context(), p, payment.RepayRequest{Channel: ch, IdempotencyKey: r.PostFormValue("key")})
	if err != nil {
		h.renderCredit(w, r, p, csrf, http.StatusOK, "", err)
		return
	}
	back := "/me/credit/repayments/" + res.Repayment.ID
	inPlace := res.Pay != nil && (res.Pay.CodeURL != "" || (InWeChat(r) && ch == "wechatpay"))
	if res.Pay != nil && res.Pay.CashierURL != "" && !inPlace {
		http.Redirect(w, r, res.Pay.CashierURL+"?return="+url.QueryEscape(back), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// repaymentPage shows one of the person's repayments; while it can be
// paid it offers how and refreshes itself, as the order result page does.
func (h *handler) repaymentPage(w http.ResponseWriter, r *http.Request, p *identity.Person, csrf string) {
	res, err := h.Payments.RepaymentFor(r.Context(), p.ID, r.PathValue("id"))
	if err != nil {
		h.pageError(w, r, p, err)
		return
	}
	rp := res.Repayment
	d := repaymentData{Repayment: rp, Cashier: r.URL.Query().Get("cashier")}
	switch rp.Status {
	case payment.RepaymentAwaiting:
		if res.Pay != nil && res.Pay.CashierURL != "" {
			d.PayURL = res.Pay.CashierURL + "?return=" + url.QueryEscape("/me/credit/repayments/"+rp.ID)
		}
		d.Amount = rp.AmountFen
		if err := h.payInPlace(r, rp.Channel, res.Pay, &d.PayWays); err != nil {
			h.pageError(w, r, p, err)
			return
		}
		d.Pending = !failedAtCashier[d.Cashier]
	case payment.RepaymentCreated:
		d.Pending = true
	case payment.RepaymentPaid:
		d.Pending = rp.RefundStatus == "requested" || rp.RefundStatus == "processing"
	}
	pg := page{Title: "title.credit", Person: p, CSRF: csrf, Nav: "me", Refresh: d.Pending, Data: d}
	if d.Bridge != "" {
		if h.JSBridgeURL != "" {
			pg.Scripts = append(pg.Scripts, h.JSBridgeURL)
		}
		pg.Scripts = append(pg.Scripts, h.static.url("wxpay.js"))
	}
	h.render(w, r, http.StatusOK, "repayment", pg)
}
