package console

import (
	"context"
	"net/http"
	"time"

	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/pii"
)

// Credits lists credit pay credits that went overdue, WeChat Pay
// repayments with money to give back, and card debits owed back
// (payment.CreditStore).
type Credits interface {
	OverdueCredits(ctx context.Context, limit int) ([]payment.Credit, error)
	RepaymentRefundsOpen(ctx context.Context, limit int) ([]payment.Repayment, error)
	CardExcessesOpen(ctx context.Context, limit int) ([]payment.CardExcess, error)
}

// creditsPage is the 信用付逾期 page: the overdue credits, and the WeChat
// Pay repayments whose refund is under way or failed (a failed one is an
// operator's to return by hand).
type creditsPage struct {
	Overdue     []overdueCredit
	Refunds     []repaymentRefund
	CardReturns []cardReturn
}

// cardReturn is a card debit owed back whose refund has not succeeded,
// the person masked.
type cardReturn struct {
	payment.CardExcess
	Name, Phone string
}

// repaymentRefund is a repayment with money to give back, the person
// masked.
type repaymentRefund struct {
	payment.Repayment
	Name, Phone string
}

// overdueCredit is one row of the overdue list, the person masked as on
// every console list (unmasking is an audited step on the order page).
type overdueCredit struct {
	OrderID     string
	Name, Phone string
	AmountFen   money.Fen
	DueAt       time.Time
	Attempts    int
	LastFailure string
}

// credits lists overdue credits (信用付逾期): the person's credit pay is
// suspended until they repay; the oldest due first, so an operator who
// calls people starts with the longest overdue.
func (h *handler) credits(w http.ResponseWriter, r *http.Request, c *call) {
	var d creditsPage
	if h.Credits != nil {
		cs, err := h.Credits.OverdueCredits(r.Context(), 200)
		if err != nil {
			h.pageError(w, r, c, err)
			return
		}
		for _, cr := range cs {
			row := overdueCredit{OrderID: cr.OrderID, AmountFen: cr.AmountFen, DueAt: cr.DueAt, Attempts: cr.Attempts, LastFailure: cr.LastFailure}
			if p, err := h.Persons.Person(r.Context(), cr.PersonID); err == nil {
				row.Name, row.Phone = pii.MaskName(p.Name), pii.MaskPhone(p.Phone)
			}
			d.Overdue = append(d.Overdue, row)
		}
		rps, err := h.Credits.RepaymentRefundsOpen(r.Context(), 200)
		if err != nil {
			h.pageError(w, r, c, err)
			return
		}
		for _, rp := range rps {
			row := repaymentRefund{Repayment: rp}
			if p, err := h.Persons.Person(r.Context(), rp.PersonID); err == nil {
				row.Name, row.Phone = pii.MaskName(p.Name), pii.MaskPhone(p.Phone)
			}
			d.Refunds = append(d.Refunds, row)
		}
		xs, err := h.Credits.CardExcessesOpen(r.Context(), 200)
		if err != nil {
			h.pageError(w, r, c, err)
			return
		}
		for _, x := range xs {
			row := cardReturn{CardExcess: x}
			if p, err := h.Persons.Person(r.Context(), x.PersonID); err == nil {
				row.Name, row.Phone = pii.MaskName(p.Name), pii.MaskPhone(p.Phone)
			}
			d.CardReturns = append(d.CardReturns, row)
		}
	}
	h.show(w, r, c, "credits", "信用付逾期", "credits", d)
}
