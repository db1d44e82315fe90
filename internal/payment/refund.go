package payment

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/ledger"
	"github.com/shebao-project/shebao/internal/store"
)

// JobRefund drives a refund to its end: ask the provider, then follow it.
const JobRefund = "payment.refund"

// Refund statuses as we store them.
const (
	refundRequested  = "requested"
	refundProcessing = "processing"
	refundSucceeded  = "succeeded"
	refundFailed     = "failed"
)

// refundPoll is how often an accepted refund is queried until it settles;
// WeChat Pay settles most refunds to the balance within minutes.
const refundPoll = time.Minute

// refundDeadline is how long a refund the provider keeps refusing (or
// cannot be asked about) is retried before it is marked failed for the
// operators: long enough for an outage or a merchant balance short over a
// weekend, and no endless retry of a refund that can never go through.
const refundDeadline = 72 * time.Hour

// refundRefused is the status recorded for such a refund (the provider
// never reported one).
const refundRefused = "REFUSED"

// startRefundTx decides, in the caller's transaction, that an order's money
// goes back: the order moves to refunding, the refund is recorded under its
// fixed out_refund_no, the ledger owes it, and a job takes it from there.
func (s *Service) startRefundTx(ctx context.Context, tx Tx, o *Order, reason string) error {
	if err := s.transition(ctx, tx, o, Refunding, reason); err != nil {
		return err
	}
	// The bills were not credited: they are due again and can be paid anew.
	if err := tx.ReleaseBills(ctx, o.ID); err != nil {
		return err
	}
	now := s.now()
	amount, _ := receivedFen(*o) // what arrived goes back, whatever the order asked
	r := Refund{OutRefundNo: RefundAttemptNo(o.OutTradeNo, 1), OrderID: o.ID, AmountFen: amount,
		Reason: reason, Status: refundRequested, CreatedAt: now, UpdatedAt: now, Attempt: 1}
	if err := tx.InsertRefund(ctx, r); err != nil {
		return fmt.Errorf("payment: record refund of %s: %w", o.ID, err)
	}
	if err := tx.RecordPosting(ctx, ledger.OweRefund(o.ID, amount), now); err != nil {
		return fmt.Errorf("payment: ledger refund of %s: %w", o.ID, err)
	}
	return tx.EnqueueJob(ctx, jobs.Job{Kind: JobRefund, Ref: o.ID, RunAt: now})
}

// refund is the JobRefund handler.
func (s *Service) refund(ctx context.Context, orderID string) error {
	o, err := s.store.OrderByID(ctx, orderID)
	if err != nil {
		return err
	}
	r, err := s.store.RefundForOrder(ctx, orderID)
	if err != nil {
		return err
	}
	if o.State != Refunding || r.Status == refundSucceeded || r.Status == refundFailed {
		return nil
	}
	if isCreditOrder(o) {
		return s.cancelCredit(ctx, orderID) // no provider took money for it
	}
	if isOffsetOrder(o) {
		return s.reverseOffset(ctx, orderID) // the core system took it from a personal account
	}
	p := s.providers[o.Channel]
	var st *RefundStatus
	if r.Status == refundRequested {
		// A full refund: the total is what was paid, which for a payment
		// held as another amount than the order's is not the order's amount.
		st, err = p.Refund(ctx, RefundRequest{OutTradeNo: o.OutTradeNo, OutRefundNo: r.OutRefundNo,
			AmountFen: r.AmountFen, TotalFen: r.AmountFen, Reason: refundReason(r.Reason)})
	} else {
		st, err = p.QueryRefund(ctx, r.OutRefundNo)
	}
	if err != nil && s.now().Sub(r.CreatedAt) >= refundDeadline {
		s.log.ErrorContext(ctx, "refund refused for 72 hours; leaving it to an operator", "order", o.ID, "out_refund_no", r.OutRefundNo, "err", err)
		st, err = &RefundStatus{OutRefundNo: r.OutRefundNo, RefundID: r.RefundID, Status: refundRefused}, nil
	}
	if err != nil {
		return fmt.Errorf("payment: refund %s: %w", r.OutRefundNo, err)
	}
	if err := s.applyRefund(ctx, r.OutRefundNo, st); err != nil {
		return err
	}
	if st.Status == RefundProcessing {
		return jobs.RetryAt{At: s.now().Add(refundPoll)}
	}
	return nil
}

// refundReason is what the payer sees in WeChat (≤ 80 characters).
func refundReason(string) string { return "社保缴费未能入账，原路退回" }

// applyRefund records what the provider said about a refund. Success moves
// the order to refunded and settles the ledger, once, however many times the
// provider says it, and even after the refund was marked failed: an
// operator may have had an abnormal refund rerouted at the merchant
// platform, or a refund taken for refused had gone through. The word may
// be about an earlier attempt of a refund an operator retried.
func (s *Service) applyRefund(ctx context.Context, outRefundNo string, st *RefundStatus) error {
	r, err := s.store.RefundByOutRefundNo(ctx, outRefundNo)
	if err != nil {
		return err
	}
	return s.change(ctx, r.OrderID, func(tx Tx, o *Order) error {
		r, err := tx.RefundForOrder(ctx, o.ID)
		if err != nil {
			return err
		}
		if r.OutRefundNo != outRefundNo {
			return s.applyEarlierAttempt(ctx, tx, o, r, outRefundNo, st)
		}
		if r.Status == refundSucceeded {
			if st.Status == RefundSuccess && r.ProviderStatus != RefundSuccess && r.Attempt > 1 {
				// An earlier attempt paid out, and now this one too.
				r.ProviderStatus, r.UpdatedAt = st.Status, s.now()
				if err := tx.UpdateRefund(ctx, r); err != nil {
					return err
				}
				return s.secondRefund(ctx, tx, o, outRefundNo)
			}
			return nil
		}
		if r.Status == refundFailed && st.Status != RefundSuccess {
			return nil
		}
		r.RefundID, r.ProviderStatus, r.UpdatedAt = st.RefundID, st.Status, s.now()
		switch st.Status {
		case RefundProcessing:
			r.Status = refundProcessing
			return tx.UpdateRefund(ctx, r)
		case RefundSuccess:
			r.Status = refundSucceeded
			if err := tx.UpdateRefund(ctx, r); err != nil {
				return err
			}
			return s.settleRefund(ctx, tx, o, r, "refund "+r.OutRefundNo+" succeeded")
		default: // CLOSED, ABNORMAL or REFUSED: the money did not go back; an operator must act
			r.Status = refundFailed
			s.log.ErrorContext(ctx, "refund failed at provider", "order", o.ID, "out_refund_no", r.OutRefundNo, "status", st.Status)
			return tx.UpdateRefund(ctx, r)
		}
	})
}

// settleRefund pays the owed refund in the ledger and moves the order to
// refunded: once per order, whichever attempt succeeded.
func (s *Service) settleRefund(ctx context.Context, tx Tx, o *Order, r Refund, why string) error {
	if err := tx.RecordPosting(ctx, ledger.PayRefund(o.ID, o.Channel, r.AmountFen), s.now()); err != nil {
		return err
	}
	return s.transition(ctx, tx, o, Refunded, why)
}

// HandleRefundNotification verifies a provider's refund notification and
// applies it; nil means "tell the provider it was received".
func (s *Service) HandleRefundNotification(ctx context.Context, channel string, r *http.Request) error {
	p, ok := s.providers[channel]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownChannel, channel)
	}
	st, _, err := p.ParseRefundNotification(ctx, r)
	if err != nil {
		s.log.WarnContext(ctx, "refund notification refused", "channel", channel, "err", err)
		return err
	}
	switch {
	case strings.HasPrefix(st.OutRefundNo, repayRefundPrefix):
		err = s.applyRepayRefund(ctx, st.OutRefundNo, st)
	case isCardRefundNo(st.OutRefundNo) && s.cp.store != nil:
		err = s.applyCardRefund(ctx, cardRefundTradeNo(st.OutRefundNo), st)
	default:
		err = s.applyRefund(ctx, st.OutRefundNo, st)
	}
	if errors.Is(err, store.ErrNotFound) {
		s.log.ErrorContext(ctx, "refund notification for unknown refund", "out_refund_no", st.OutRefundNo)
		return nil
	}
	return err
}
