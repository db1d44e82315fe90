package web

import (
	"net/http"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/payment"
)

// 社保信用付 (credit pay, where the region's pack offers it): pay now,
// collected from the social security card account on a day of the next
// month. This page shows the terms, signs the agreement (a real-name
// session: it authorises debits of the card), lists what is owed, and
// repays an overdue credit now.

type creditData struct {
	Status  *payment.CreditStatus
	Done    string // signed, repaid: what the last action did
	Overdue bool   // something is overdue: offer to repay now
	// RepayKey is the idempotency key of the WeChat Pay repayment form and
	// RepayChannel how it pays here: JSAPI inside WeChat, a QR code on a PC.
	RepayKey     string
	RepayChannel string
}

func (h *handler) creditPage(w http.ResponseWriter, r *http.Request, p *identity.Person, csrf string) {
	h.renderCredit(w, r, p, csrf, http.StatusOK, r.URL.Query().Get("done"), nil)
}

func (h *handler) renderCredit(w http.ResponseWriter, r *http.Request, p *identity.Person, csrf string, status int, done string, problem error) {
	st, err := h.Payments.CreditStatusFor(r.Context(), p)
	if err != nil {
		h.pageError(w, r, p, err)
		return
	}
	d := creditData{Status: st, Done: done, RepayKey: newKey(), RepayChannel: "wechatpay_native"}
	if InWeChat(r) {
		d.RepayChannel = "wechatpay"
	}
	for _, c := range st.Credits {
		d.Overdue = d.Overdue || c.Status == payment.CreditOverdue
	}
	pg := page{Title: "title.credit", Person: p, CSRF: csrf, Nav: "me", Data: d}
	if problem != nil {
		pg.Error = safe(problem)
		status = statusFor(problem)
	}
	h.render(w, r, status, "credit", pg)
}

// signCredit signs the agreement; a WeChat-only session confirms who the
// person is first, as the API's strong routes do.
func (h *handler) signCredit(w http.ResponseWriter, r *http.Request, p *identity.Person, csrf string) {
	if s := sessionOf(r); s == nil || !identity.StrongMethod(s.Method) {
		h.renderCredit(w, r, p, csrf, http.StatusForbidden, "", identity.ErrStepUp)
		return
	}
	if r.PostFormValue("agree") != "yes" {
		h.renderCredit(w, r, p, csrf, http.StatusBadRequest, "", apperr.New(apperr.Invalid, "credit_agreement_unconfirmed",
			"请先勾选“我已阅读并同意”，再签署信用付协议。", "Tick \"I have read and agree\" first, then sign the credit pay agreement.").WithField("agree"))
		return
	}
	if _, err := h.Payments.SignCreditAgreement(r.Context(), p); err != nil {
		h.renderCredit(w, r, p, csrf, http.StatusOK, "", err)
		return
	}
	http.Redirect(w, r, "/me/credit?done=signed", http.StatusSeeOther)
}

// repayCredit collects what is overdue now.
func (h *handler) repayCredit(w http.ResponseWriter, r *http.Request, p *identity.Person, csrf string) {
	if _, err := h.Payments.RepayOverdue(r.Context(), p); err != nil {
		h.renderCredit(w, r, p, csrf, http.StatusOK, "", err)
		return
	}
	http.Redirect(w, r, "/me/credit?done=repaid", http.StatusSeeOther)
}

// creditFor is the credit an order was paid with, for the result page.
func (h *handler) creditFor(r *http.Request, p *identity.Person, orderID string) *payment.Credit {
	st, err := h.Payments.CreditStatusFor(r.Context(), p)
	if err != nil {
		return nil
	}
	for i := range st.Credits {
		if st.Credits[i].OrderID == orderID {
			return &st.Credits[i]
		}
	}
	return nil
}
