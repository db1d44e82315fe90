package api

import (
	"net/http"

	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/payment"
)

type creditTermsView struct {
	LimitFen       int64 `json:"limit_fen"`
	RepayDay       int   `json:"repay_day"`
	Retries        int   `json:"retries"`
	RetryEveryDays int   `json:"retry_every_days"`
}

type creditAgreementView struct {
	Status          string `json:"status"`
	LimitFen        int64  `json:"limit_fen"`
	SignedAt        string `json:"signed_at"`
	SuspendedReason string `json:"suspended_reason,omitempty"`
}

type creditView struct {
	OrderID       string `json:"order_id"`
	AmountFen     int64  `json:"amount_fen"`
	Status        string `json:"status"`
	DueAt         string `json:"due_at"`
	NextAttemptAt string `json:"next_attempt_at,omitempty"`
	Attempts      int    `json:"attempts"`
	LastFailure   string `json:"last_failure,omitempty"`
	RepaidAt      string `json:"repaid_at,omitempty"`
}

// cardReturnView is a card debit that repaid nothing and goes back to
// the card.
type cardReturnView struct {
	OrderID      string `json:"order_id"`
	AmountFen    int64  `json:"amount_fen"`
	DebitedAt    string `json:"debited_at"`
	RefundStatus string `json:"refund_status"`
	ReturnedAt   string `json:"returned_at,omitempty"`
}

type creditStatusView struct {
	Terms        creditTermsView      `json:"terms"`
	Agreement    *creditAgreementView `json:"agreement"`
	OwedFen      int64                `json:"owed_fen"`
	AvailableFen int64                `json:"available_fen"`
	Credits      []creditView         `json:"credits"`
	CardReturns  []cardReturnView     `json:"card_returns"`
}

func creditStatusJSON(st *payment.CreditStatus) creditStatusView {
	t := st.Terms
	v := creditStatusView{Terms: creditTermsView{LimitFen: int64(t.LimitFen), RepayDay: t.RepayDay, Retries: t.Retries,
		RetryEveryDays: t.RetryEveryDays}, OwedFen: int64(st.OwedFen), AvailableFen: int64(st.AvailableFen), Credits: []creditView{},
		CardReturns: []cardReturnView{}}
	if a := st.Agreement; a != nil {
		v.Agreement = &creditAgreementView{Status: a.Status, LimitFen: int64(a.LimitFen), SignedAt: ts(a.SignedAt),
			SuspendedReason: a.SuspendedReason}
	}
	for _, c := range st.Credits {
		v.Credits = append(v.Credits, creditView{OrderID: c.OrderID, AmountFen: int64(c.AmountFen), Status: c.Status,
			DueAt: ts(c.DueAt), NextAttemptAt: ts(c.NextAttemptAt), Attempts: c.Attempts, LastFailure: c.LastFailure,
			RepaidAt: ts(c.RepaidAt)})
	}
	for _, x := range st.CardReturns {
		v.CardReturns = append(v.CardReturns, cardReturnView{OrderID: x.OrderID, AmountFen: int64(x.AmountFen),
			DebitedAt: ts(x.CreatedAt), RefundStatus: x.RefundStatus, ReturnedAt: ts(x.RefundedAt)})
	}
	return v
}

// myCredit is the person's credit pay status: terms, agreement, credits.
func (h *handler) myCredit(w http.ResponseWriter, r *http.Request, p *identity.Person) {
	st, err := h.Payments.CreditStatusFor(r.Context(), p)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, creditStatusJSON(st))
}

// signCreditAgreement records the person's consent to credit pay; mounted
// behind a strong session, since it authorises debits of their card.
func (h *handler) signCreditAgreement(w http.ResponseWriter, r *http.Request, p *identity.Person) {
	st, err := h.Payments.SignCreditAgreement(r.Context(), p)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, creditStatusJSON(st))
}

// repayCredit collects the person's overdue credits now.
func (h *handler) repayCredit(w http.ResponseWriter, r *http.Request, p *identity.Person) {
	st, err := h.Payments.RepayOverdue(r.Context(), p)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, creditStatusJSON(st))
}

type repaymentRequest struct {
	Channel   string `json:"channel"`
	WeChatApp string `json:"wechat_app,omitempty"`
}

type repaymentView struct {
	ID            string             `json:"id"`
	Status        string             `json:"status"`
	Channel       string             `json:"channel"`
	AmountFen     int64              `json:"amount_fen"`
	CreditIDs     []string           `json:"credit_order_ids"`
	OutTradeNo    string             `json:"out_trade_no"`
	TransactionID string             `json:"transaction_id,omitempty"`
	PaidFen       int64              `json:"paid_fen"`
	AppliedFen    int64              `json:"applied_fen"`
	RefundFen     int64              `json:"refund_fen"`
	RefundStatus  string             `json:"refund_status,omitempty"`
	Note          string             `json:"note,omitempty"`
	CreatedAt     string             `json:"created_at"`
	ExpiresAt     string             `json:"expires_at"`
	PaidAt        string             `json:"paid_at,omitempty"`
	Pay           *payment.PayParams `json:"pay,omitempty"`
}

func repaymentJSON(res *payment.RepaymentWithPay) repaymentView {
	rp := res.Repayment
	return repaymentView{ID: rp.ID, Status: rp.Status, Channel: rp.Channel, AmountFen: int64(rp.AmountFen), CreditIDs: rp.CreditIDs,
		OutTradeNo: rp.OutTradeNo, TransactionID: rp.TransactionID, PaidFen: int64(rp.PaidFen), AppliedFen: int64(rp.AppliedFen),
		RefundFen: int64(rp.RefundFen), RefundStatus: rp.RefundStatus, Note: rp.Note, CreatedAt: ts(rp.CreatedAt),
		ExpiresAt: ts(rp.ExpiresAt), PaidAt: ts(rp.PaidAt), Pay: res.Pay}
}

// createRepayment starts a WeChat Pay repayment of the person's overdue
// credits (JSAPI in WeChat, Native QR on a PC); Idempotency-Key as orders.
func (h *handler) createRepayment(w http.ResponseWriter, r *http.Request, p *identity.Person) {
	var req repaymentRequest
	if err := decode(w, r, &req); err != nil {
		h.writeError(w, r, err)
		return
	}
	app, err := wechatApp(r, req.WeChatApp)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	res, err := h.Payments.CreateRepayment(r.Context(), p, payment.RepayRequest{Channel: req.Channel, App: app,
		IdempotencyKey: r.Header.Get("Idempotency-Key")})
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/me/credit/repayments/"+res.Repayment.ID)
	writeJSON(w, http.StatusCreated, repaymentJSON(res))
}

// getRepayment follows one of the person's own repayments.
func (h *handler) getRepayment(w http.ResponseWriter, r *http.Request, p *identity.Person) {
	res, err := h.Payments.RepaymentFor(r.Context(), p.ID, r.PathValue("id"))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, repaymentJSON(res))
}
