package payment

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/auditlog"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/ledger"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/store"
)

// createCreditOrder pays the person's own bills by credit: within the
// agreement's limit, the order is paid the moment it is created and goes
// to posting (unless the risk rules hold it, as any payment), so the
// contribution is credited (vouchers issued) without waiting for the
// money; the credit is collected on the repayment day. Everything is one
// transaction: a crash leaves either no order or an order with its credit,
// ledger posting and jobs.
func (s *Service) createCreditOrder(ctx context.Context, payer, insured *identity.Person, req CreateOrderRequest, ids []string, hash []byte) (*OrderWithPay, error) {
	terms, ok := s.creditTerms(insured.Region)
	if !ok {
		return nil, s.errChannel(insured.Region)
	}
	if insured.ID != payer.ID {
		return nil, errCreditProxy
	}
	bills, err := s.payableBills(ctx, insured, ids)
	if err != nil {
		return nil, err
	}
	if err := s.checkBinding(ctx, insured, bills); err != nil {
		return nil, err
	}
	// A credit is a payment like any other: the region's limits on the
	// channel and, above the review line, the payer's second factor apply
	// before anything is written.
	if err := s.checkLimits(ctx, payer, CreditChannel, bills); err != nil {
		return nil, err
	}
	if err := s.checkConfirmed(req, bills); err != nil {
		return nil, err
	}
	prev, superseded, err := s.supersede(ctx, payer.ID, req.IdempotencyKey, bills)
	if err != nil {
		return nil, err
	} else if prev != nil {
		return s.replay(ctx, payer, *prev, hash)
	}
	o, err := s.newOrder(payer, req, ids, bills, hash)
	if err != nil {
		return nil, err
	}
	o.Supersedes = superseded
	err = s.cp.store.InCreditTx(ctx, func(tx CreditTx) error { return s.extendCredit(ctx, tx, &o, terms) })
	if errors.Is(err, store.ErrConflict) {
		if prev, err2 := s.store.OrderByIdempotencyKey(ctx, payer.ID, req.IdempotencyKey); err2 == nil {
			return s.replay(ctx, payer, prev, hash)
		}
		return nil, errBillsBusy.Wrap(err)
	} else if err != nil {
		return nil, err
	}
	s.wake()
	return &OrderWithPay{Order: o}, nil
}

// extendCredit checks the agreement and limit and writes the paid order,
// its credit and its jobs, in the caller's transaction.
func (s *Service) extendCredit(ctx context.Context, tx CreditTx, o *Order, terms CreditTerms) error {
	a, err := tx.LockCreditAgreement(ctx, o.PayerID)
	if errors.Is(err, store.ErrNotFound) {
		return errNoAgreement
	} else if err != nil {
		return err
	}
	if a.Status != AgreementActive {
		return errCreditSuspended
	}
	owed, err := tx.CreditOwed(ctx, o.PayerID)
	if err != nil {
		return err
	}
	if owed+o.AmountFen > a.LimitFen {
		return errCreditLimit(a.LimitFen, owed, o.AmountFen)
	}
	if err := tx.InsertOrder(ctx, *o); err != nil {
		return err
	}
	if err := tx.LockBills(ctx, o.ID, o.BillIDs); err != nil {
		return err
	}
	now := s.now()
	if err := tx.InsertEvent(ctx, Event{OrderID: o.ID, To: Created, Reason: "order created", At: now}); err != nil {
		return err
	}
	// The credit's own number stands where a provider's transaction id
	// would: it is what vouchers and the core posting cite as paid by.
	o.TransactionID, o.PaidAt = "CR"+o.OutTradeNo[2:], now
	if err := s.transition(ctx, tx, o, Paid, "paid by credit pay under agreement "+a.MandateRef); err != nil {
		return err
	}
	if err := tx.RecordPosting(ctx, ledger.Extend(o.ID, o.AmountFen), now); err != nil {
		return fmt.Errorf("payment: ledger credit extended %s: %w", o.ID, err)
	}
	// The risk rules see a credit as a payment: an unusual one is held
	// before posting, as any other. Released, it is posted; refunded, the
	// credit is cancelled (cancelCredit), since no money came in.
	if err := s.holdIfRisky(ctx, tx, o); err != nil {
		return err
	}
	due := RepayDue(now, terms.RepayDay)
	c := Credit{OrderID: o.ID, PersonID: o.PayerID, AmountFen: o.AmountFen, DueAt: due, NextAttemptAt: due,
		Status: CreditOutstanding, CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := tx.InsertCredit(ctx, c); err != nil {
		return err
	}
	if err := tx.EnqueueJob(ctx, jobs.Job{Kind: JobCreditCollect, Ref: o.ID, RunAt: due}); err != nil {
		return err
	}
	return auditlog.Append(ctx, tx, auditlog.Entry{At: now, Actor: o.PayerID, Action: "credit.extend", Target: o.ID,
		Detail: fmt.Sprintf("%s yuan, due %s", o.AmountFen.Yuan(), due.In(beijing).Format(time.DateOnly))})
}

// collectHour is when, Beijing time, a day's collections start: in banking
// hours, so that a person who sees a failure can top up the same day.
const collectHour = 9

// RepayDue is when a credit taken at is first collected: the repayment day
// of the following month, at 09:00 Beijing time.
func RepayDue(at time.Time, repayDay int) time.Time {
	y, m, _ := at.In(beijing).Date()
	return time.Date(y, m+1, repayDay, collectHour, 0, 0, 0, beijing)
}

func errCreditLimit(limit, owed, amount money.Fen) error {
	left := max(limit-owed, 0)
	e := apperr.New(apperr.Refused, "credit_limit_exceeded",
		fmt.Sprintf("本次应缴 %s 超过您的信用付可用额度 %s（额度 %s，待还 %s）。请少选几笔账单，或选择其他支付方式。",
			amount.Display(), left.Display(), limit.Display(), owed.Display()),
		fmt.Sprintf("%s is more than the %s left of your credit pay limit (%s limit, %s owed). Choose fewer bills, or another channel.",
			amount.Display(), left.Display(), limit.Display(), owed.Display())).WithField("bill_ids")
	e.Allowed = map[string]money.Fen{"limit_fen": limit, "owed_fen": owed, "available_fen": left}
	return e
}
