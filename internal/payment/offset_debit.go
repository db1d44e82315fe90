package payment

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/auditlog"
	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/ledger"
)

// offsetRetry is how often an offset debit whose outcome is unknown is
// asked about again.
const offsetRetry = 30 * time.Second

// debitOffset asks the core system to debit the payer's account for a
// created offset order, and records the answer: paid (then posting, or a
// hold), or failed with the bills free again. An error that is an
// *apperr.Error is the core system's refusal, for the person; any other
// error means the outcome is unknown.
func (s *Service) debitOffset(ctx context.Context, id string) error {
	o, err := s.store.OrderByID(ctx, id)
	if err != nil || o.State != Created {
		return err
	}
	req, err := s.accountDebit(ctx, o)
	if err != nil {
		return err
	}
	res, err := s.off.accounts.Debit(ctx, req)
	if err != nil {
		return err
	}
	return s.settleDebit(ctx, o.ID, res)
}

// settleDebit applies the core system's word on a debit to a created
// order: taken → paid; refused → failed.
func (s *Service) settleDebit(ctx context.Context, id string, res *DebitResult) error {
	if !res.Debited {
		if err := s.failOffset(ctx, id, "refused by the core system: "+res.FailCode); err != nil {
			return err
		}
		if res.FailCode == DebitInsufficient {
			o, err := s.store.OrderByID(ctx, id)
			if err != nil {
				return err
			}
			bills, err := s.orderBills(ctx, o)
			if err != nil {
				return err
			}
			return errOffsetBalance(res.BalanceFen, o.AmountFen, bills)
		}
		return errOffsetRefused(res.FailCode)
	}
	err := s.change(ctx, id, func(tx Tx, cur *Order) error {
		if cur.State != Created {
			return nil
		}
		at := res.At
		if at.IsZero() {
			at = s.now()
		}
		cur.TransactionID, cur.PaidAt = res.Ref, at
		if err := s.transition(ctx, tx, cur, Paid, "debited from the payer's medical personal account as "+res.Ref); err != nil {
			return err
		}
		if err := tx.RecordPosting(ctx, ledger.OffsetDebit(cur.ID, cur.AmountFen), s.now()); err != nil {
			return fmt.Errorf("payment: ledger offset debit %s: %w", cur.ID, err)
		}
		if err := auditlog.Append(ctx, tx, auditlog.Entry{At: s.now(), Actor: cur.PayerID, Action: "offset.debit", Target: cur.ID,
			Detail: fmt.Sprintf("%s yuan debited as %s", cur.AmountFen.Yuan(), res.Ref)}); err != nil {
			return err
		}
		return s.holdIfRisky(ctx, tx, cur)
	})
	if err == nil {
		s.wake()
	}
	return err
}

// failOffset ends a created offset order the core system refused (or whose
// debit id was voided): failed, bills free, audited.
func (s *Service) failOffset(ctx context.Context, id, reason string) error {
	return s.change(ctx, id, func(tx Tx, cur *Order) error {
		if cur.State != Created {
			return nil
		}
		if err := s.transition(ctx, tx, cur, Failed, reason); err != nil {
			return err
		}
		if err := tx.ReleaseBills(ctx, cur.ID); err != nil {
			return err
		}
		return auditlog.Append(ctx, tx, auditlog.Entry{At: s.now(), Actor: cur.PayerID, Action: "offset.fail", Target: cur.ID, Detail: reason})
	})
}

func (s *Service) accountDebit(ctx context.Context, o Order) (AccountDebit, error) {
	pf, err := s.readPaidFacts(ctx, o) // the payer holds the account
	if err != nil {
		return AccountDebit{}, err
	}
	p := corePostingOf(o, pf) // the beneficiary and the bills, as the posting will name them
	return AccountDebit{DebitID: o.ID, Region: o.Region, HolderIDNumber: pf.payer.IDNumber, HolderName: pf.payer.Name,
		BeneficiaryIDNumber: p.IDNumber, BeneficiaryName: p.Name, AmountFen: o.AmountFen, Lines: p.Lines}, nil
}

// settleOffset is the JobOffsetDebit handler: it settles a created offset
// order by asking the core system. Taken → paid. Not taken and the order
// still open → debit again (the same id: it cannot take twice). Not taken
// and the order expired → void the id, then close the order; if the void
// finds the debit arrived after all, it is applied as paid.
func (s *Service) settleOffset(ctx context.Context, id string) error {
	o, err := s.store.OrderByID(ctx, id)
	if err != nil || o.State != Created {
		return err
	}
	res, err := s.off.accounts.LookupDebit(ctx, id)
	switch {
	case err == nil && res.Debited:
		return s.settleDebit(ctx, id, res)
	case err == nil, errors.Is(err, ErrDebitNotFound):
	default:
		s.log.WarnContext(ctx, "offset debit lookup", "order", id, "err", err)
		return jobs.RetryAt{At: s.now().Add(offsetRetry)}
	}
	if s.now().Before(o.ExpiresAt) {
		err := s.debitOffset(ctx, id)
		var ae *apperr.Error
		if err == nil || errors.As(err, &ae) {
			return nil // paid, or refused and failed
		}
		s.log.WarnContext(ctx, "offset debit", "order", id, "err", err)
		return jobs.RetryAt{At: s.now().Add(offsetRetry)}
	}
	rev, err := s.off.accounts.Reverse(ctx, AccountReversal{DebitID: id, ReversalID: "VD" + o.OutTradeNo[2:], AmountFen: o.AmountFen,
		Reason: "order expired before the debit was confirmed"})
	if err != nil {
		s.log.WarnContext(ctx, "void offset debit", "order", id, "err", err)
		return jobs.RetryAt{At: s.now().Add(offsetRetry)}
	}
	if rev.Reversed {
		// The debit was taken after all, and is now given back: nothing
		// moved, and the order closes unpaid.
		s.log.WarnContext(ctx, "offset debit taken late and reversed at expiry", "order", id, "reversal", rev.Ref)
	}
	return s.change(ctx, id, func(tx Tx, cur *Order) error {
		if cur.State != Created {
			return nil
		}
		if err := s.transition(ctx, tx, cur, Closed, reasonExpired); err != nil {
			return err
		}
		if err := tx.ReleaseBills(ctx, cur.ID); err != nil {
			return err
		}
		return auditlog.Append(ctx, tx, auditlog.Entry{At: s.now(), Actor: "system", Action: "offset.void", Target: cur.ID,
			Detail: fmt.Sprintf("debit not confirmed before expiry; voided (reversed: %v)", rev.Reversed)})
	})
}

// reverseOffset is the refund of an offset order: the debit is reversed in
// the core system (idempotently, by the order id) and the ledger gives the
// money back to the medical personal account.
func (s *Service) reverseOffset(ctx context.Context, id string) error {
	o, err := s.store.OrderByID(ctx, id)
	if err != nil {
		return err
	}
	r, err := s.store.RefundForOrder(ctx, id)
	if err != nil || o.State != Refunding || r.Status == refundSucceeded || r.Status == refundFailed {
		return err
	}
	res, err := s.off.accounts.Reverse(ctx, AccountReversal{DebitID: id, ReversalID: r.OutRefundNo, AmountFen: r.AmountFen,
		Reason: r.Reason})
	if err != nil {
		return fmt.Errorf("payment: reverse offset debit %s: %w", id, err)
	}
	return s.change(ctx, id, func(tx Tx, cur *Order) error {
		r, err := tx.RefundForOrder(ctx, id)
		if err != nil || cur.State != Refunding || r.Status == refundSucceeded || r.Status == refundFailed {
			return err
		}
		r.UpdatedAt = s.now()
		if !res.Reversed {
			// The core system has no such debit although we recorded one
			// taken: an operator must look.
			r.Status = refundFailed
			s.log.ErrorContext(ctx, "offset reversal found no debit; needs an operator", "order", id)
			return tx.UpdateRefund(ctx, r)
		}
		r.Status, r.RefundID = refundSucceeded, res.Ref
		if err := tx.UpdateRefund(ctx, r); err != nil {
			return err
		}
		if err := tx.RecordPosting(ctx, ledger.OffsetReverse(id, r.AmountFen), s.now()); err != nil {
			return fmt.Errorf("payment: ledger offset reversal %s: %w", id, err)
		}
		if err := auditlog.Append(ctx, tx, auditlog.Entry{At: s.now(), Actor: "system", Action: "offset.reverse", Target: id,
			Detail: fmt.Sprintf("%s yuan back to %s's medical personal account as %s", r.AmountFen.Yuan(), cur.PayerID, res.Ref)}); err != nil {
			return err
		}
		return s.transition(ctx, tx, cur, Refunded, "debit reversed to the payer's medical personal account as "+res.Ref)
	})
}

func errOffsetRefused(code string) error {
	return apperr.New(apperr.Refused, "offset_refused",
		"医保核心系统未能从您的个人账户扣款（"+code+"），本次未扣款；请选择其他支付方式，或到医保经办机构核实。",
		"The core system did not take the money from your personal account ("+code+"); nothing was taken. Choose another channel, or check with the medical insurance agency.").WithField("channel")
}

// RunOffsetJob is the JobOffsetDebit handler: register it with the job
// runner beside JobKinds.
func (s *Service) RunOffsetJob(ctx context.Context, j jobs.Job) error {
	return s.settleOffset(ctx, j.Ref)
}
