package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/store"

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
	CardExcess(ctx context.Context, tradeNo string) (payment.CardExcess, error)
}

// creditsPage is the 信用付逾期 page: the overdue credits, the WeChat
// Pay repayments whose refund is under way or failed (a failed one is an
// operator's to return by hand), and the card debits owed back whose
// refund is under way or failed (a failed one can be retried here).
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

// retryCardReturn starts a new attempt of a card debit's refund that the
// bank closed or refused, with the operator's reason; the payment service
// asks the bank about the failed attempt first and lets one of two
// operators' retries through. The audit entry names the failed attempt's
// number and the new one.
func (h *handler) retryCardReturn(w http.ResponseWriter, r *http.Request, c *call) {
	tradeNo := r.PathValue("trade_no")
	reason, err := reasonOf(r)
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	var x payment.CardExcess
	if h.Credits == nil {
		err = store.ErrNotFound
	} else {
		x, err = h.Credits.CardExcess(r.Context(), tradeNo)
	}
	if errors.Is(err, store.ErrNotFound) {
		err = apperr.New(apperr.NotFound, "card_excess_not_found", "没有该笔社保卡多扣款项。", "There is no such card debit owed back.")
	}
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	detail := fmt.Sprintf("%s → %s", x.OutRefundNo, payment.CardRefundAttemptNo(x.TradeNo, x.Attempt+1))
	var res payment.CardRefundRetry
	err = h.act(r.Context(), c, "credit.card_refund.retry", x.OrderID+" "+tradeNo, reason, detail, func() error {
		res, err = h.Payments.RetryCardExcessRefund(r.Context(), tradeNo, "operator "+c.op.Name, reason)
		return err
	})
	if err != nil {
		h.pageError(w, r, c, err)
		return
	}
	if res.Applied {
		done(w, r, "/admin/credits", "card_refund_applied")
		return
	}
	done(w, r, "/admin/credits", "card_refund_retried")
}
