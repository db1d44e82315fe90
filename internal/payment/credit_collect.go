package payment

import (
	"context"
	"fmt"
	"time"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/auditlog"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/ledger"
)

// collectCredit is the JobCreditCollect handler: on the due day, and on
// each retry day, it debits the credit under the person's mandate. A bank
// that does not answer is asked again by the job runner's backoff with the
// same trade number, so a debit that went through is never made twice.
func (s *Service) collectCredit(ctx context.Context, orderID string) error {
	c, err := s.cp.store.CreditByOrder(ctx, orderID)
	if err != nil {
		return fmt.Errorf("payment: credit %s: %w", orderID, err)
	}
	if !c.Owed() || c.NextAttemptAt.IsZero() {
		return nil // repaid, cancelled, or overdue and waiting for the person
	}
	if s.now().Before(c.NextAttemptAt) {
		return jobs.RetryAt{At: c.NextAttemptAt}
	}
	next, err := s.attemptCollect(ctx, c)
	if err != nil {
		return err
	}
	if !next.IsZero() {
		return jobs.RetryAt{At: next}
	}
	return nil
}

// attemptCollect makes one debit attempt and records its outcome; it
// returns when the next attempt is due (zero: none).
func (s *Service) attemptCollect(ctx context.Context, c Credit) (time.Time, error) {
	o, err := s.store.OrderByID(ctx, c.OrderID)
	if err != nil {
		return time.Time{}, err
	}
	a, err := s.cp.store.CreditAgreement(ctx, c.PersonID)
	if err != nil {
		return time.Time{}, fmt.Errorf("payment: agreement of credit %s: %w", c.OrderID, err)
	}
	tradeNo := repayTradeNo(o, c.Attempts)
	res, err := s.cp.collector.Collect(ctx, CollectRequest{OutTradeNo: tradeNo, MandateRef: a.MandateRef,
		HolderRef: c.PersonID, AmountFen: c.AmountFen, Description: "社保信用付还款 " + o.Description})
	if err != nil {
		return time.Time{}, fmt.Errorf("payment: collect credit %s: %w", c.OrderID, err)
	}
	var next time.Time
	err = s.cp.store.InCreditTx(ctx, func(tx CreditTx) error {
		cur, err := tx.CreditByOrder(ctx, c.OrderID)
		if err != nil {
			return err
		}
		if res.Paid && !cur.Owed() && cur.RepayTradeNo != tradeNo {
			// Repaid (or cancelled) by something else while the bank was
			// debiting: the money came in all the same and is owed back.
			return s.recordCardExcess(ctx, tx, cur, tradeNo, res)
		}
		if cur.Version != c.Version {
			return nil // changed meanwhile (another attempt recorded it): nothing to do
		}
		if res.Paid {
			return s.recordRepaid(ctx, tx, cur, tradeNo, res)
		}
		next, err = s.recordFailed(ctx, tx, cur, a, res.FailCode)
		return err
	})
	return next, err
}

// repayTradeNo numbers each attempt of a credit's collection: "CP", the
// order's trade number without its "SB", and the attempt (28 characters,
// within the bank's 32). A failed debit is final at the bank, so a retry
// needs a new number; a repeated attempt reuses its own.
func repayTradeNo(o Order, attempt int) string {
	return fmt.Sprintf("CP%s%02d", o.OutTradeNo[2:], attempt%100)
}

func (s *Service) recordRepaid(ctx context.Context, tx CreditTx, c Credit, tradeNo string, res *CollectResult) error {
	now := s.now()
	c.Status, c.NextAttemptAt, c.UpdatedAt = CreditRepaid, time.Time{}, now
	c.RepayChannel, c.RepayTradeNo, c.RepayTxnID, c.RepaidAt = s.cp.collector.Channel(), tradeNo, res.TransactionID, res.At
	if c.RepaidAt.IsZero() {
		c.RepaidAt = now
	}
	c.Version++
	if err := tx.UpdateCredit(ctx, c); err != nil {
		return err
	}
	if err := tx.RecordPosting(ctx, ledger.Repay(c.OrderID, c.RepayChannel, c.AmountFen), now); err != nil {
		return fmt.Errorf("payment: ledger repayment %s: %w", c.OrderID, err)
	}
	s.log.InfoContext(ctx, "credit repaid", "order", c.OrderID, "trade", tradeNo)
	return s.resumeIfClear(ctx, tx, c.PersonID)
}

// recordFailed counts a refused debit. Within the region's retries the
// next attempt is scheduled; after the last, the credit is overdue and the
// person's credit pay suspended until it is repaid.
func (s *Service) recordFailed(ctx context.Context, tx CreditTx, c Credit, a CreditAgreement, code string) (time.Time, error) {
	terms, ok := s.creditTerms(a.Region)
	if !ok {
		terms = CreditTerms{} // the region stopped offering it: no more retries
	}
	now := s.now()
	c.Attempts++
	c.LastFailure, c.UpdatedAt = code, now
	c.NextAttemptAt = time.Time{}
	if c.Attempts <= terms.Retries {
		c.NextAttemptAt = now.AddDate(0, 0, terms.RetryEveryDays)
	} else {
		c.Status = CreditOverdue
	}
	c.Version++
	if err := tx.UpdateCredit(ctx, c); err != nil {
		return time.Time{}, err
	}
	s.log.WarnContext(ctx, "credit collection failed", "order", c.OrderID, "attempt", c.Attempts, "code", code, "status", c.Status)
	if c.Status != CreditOverdue {
		return c.NextAttemptAt, nil
	}
	cur, err := tx.LockCreditAgreement(ctx, c.PersonID)
	if err != nil {
		return time.Time{}, err
	}
	cur.Status, cur.UpdatedAt = AgreementSuspended, now
	cur.SuspendedReason = fmt.Sprintf("credit %s overdue after %d failed collections (%s)", c.OrderID, c.Attempts, code)
	if err := tx.PutCreditAgreement(ctx, cur); err != nil {
		return time.Time{}, err
	}
	return time.Time{}, auditlog.Append(ctx, tx, auditlog.Entry{At: now, Actor: "system", Action: "credit.suspend",
		Target: c.PersonID, Detail: cur.SuspendedReason})
}

// resumeIfClear lifts a suspension once nothing is overdue any more.
func (s *Service) resumeIfClear(ctx context.Context, tx CreditTx, personID string) error {
	a, err := tx.LockCreditAgreement(ctx, personID)
	if err != nil || a.Status != AgreementSuspended {
		return err
	}
	if n, err := tx.CountOverdue(ctx, personID); err != nil || n > 0 {
		return err
	}
	a.Status, a.SuspendedReason, a.UpdatedAt = AgreementActive, "", s.now()
	if err := tx.PutCreditAgreement(ctx, a); err != nil {
		return err
	}
	return auditlog.Append(ctx, tx, auditlog.Entry{At: s.now(), Actor: "system", Action: "credit.resume", Target: personID,
		Detail: "overdue credits repaid"})
}

// RepayOverdue collects the person's overdue credits now, at their
// request (after topping up the card account): one attempt each.
func (s *Service) RepayOverdue(ctx context.Context, p *identity.Person) (*CreditStatus, error) {
	if _, ok := s.creditTerms(p.Region); !ok {
		return nil, errCreditNotOffered
	}
	credits, err := s.cp.store.CreditsForPerson(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	failed := ""
	for _, c := range credits {
		if c.Status != CreditOverdue {
			continue
		}
		if _, err := s.attemptCollect(ctx, c); err != nil {
			return nil, providerDown(err)
		}
		if now, err := s.cp.store.CreditByOrder(ctx, c.OrderID); err == nil && now.Status == CreditOverdue {
			failed = now.LastFailure
		}
	}
	if failed != "" {
		return nil, errRepayFailed(failed)
	}
	return s.CreditStatusFor(ctx, p)
}

func errRepayFailed(code string) error {
	return apperr.New(apperr.Refused, "credit_repay_failed",
		"社保卡金融账户扣款未成功（"+code+"）：请确认账户余额充足、卡片状态正常后再试。",
		"The social security card account could not be debited ("+code+"): make sure it has enough balance and the card is in order, then try again.")
}

// cancelCredit ends the credit of an order whose contribution was not
// credited after all (the refund path for credit pay): what is still owed
// is written off instead of paid back, since no money came in. A credit
// already repaid needs its money returned through the card bank, which is
// left to an operator: the refund is recorded as failed for them.
func (s *Service) cancelCredit(ctx context.Context, orderID string) error {
	return s.cp.store.InCreditTx(ctx, func(tx CreditTx) error {
		o, err := tx.OrderByID(ctx, orderID)
		if err != nil || o.State != Refunding {
			return err
		}
		r, err := tx.RefundForOrder(ctx, orderID)
		if err != nil || r.Status == refundSucceeded || r.Status == refundFailed {
			return err
		}
		c, err := tx.CreditByOrder(ctx, orderID)
		if err != nil {
			return err
		}
		now := s.now()
		r.UpdatedAt = now
		if !c.Owed() {
			r.Status = refundFailed
			s.log.ErrorContext(ctx, "refund of a repaid credit needs an operator", "order", orderID, "repayment", c.RepayTradeNo)
			return tx.UpdateRefund(ctx, r)
		}
		c.Status, c.NextAttemptAt, c.UpdatedAt = CreditCancelled, time.Time{}, now
		c.Version++
		if err := tx.UpdateCredit(ctx, c); err != nil {
			return err
		}
		r.Status, r.RefundID = refundSucceeded, "credit cancelled"
		if err := tx.UpdateRefund(ctx, r); err != nil {
			return err
		}
		p := ledger.Posting{OrderID: orderID, Kind: ledger.Refunded, Entries: []ledger.Entry{
			{Account: ledger.RefundPayable, Amount: r.AmountFen}, {Account: ledger.CreditReceivable, Amount: -r.AmountFen}}}
		if err := tx.RecordPosting(ctx, p, now); err != nil {
			return err
		}
		if err := s.transition(ctx, tx, &o, Refunded, "credit cancelled: nothing was collected"); err != nil {
			return err
		}
		return s.resumeIfClear(ctx, tx, c.PersonID)
	})
}

// isCreditOrder reports whether the order was paid by credit pay.
func isCreditOrder(o Order) bool { return o.Channel == CreditChannel }
