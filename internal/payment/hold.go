package payment

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/risk"
)

// JobHoldExpire runs a hold's configured action when nobody decided in time.
const JobHoldExpire = "payment.hold_expire"

// Activity is a payer's recent paid orders, for the risk rules.
type Activity struct {
	PaidSince     int       // paid orders since the given time, this one excluded
	PayeesSince   int       // distinct insured persons among them and this one
	LargestBefore money.Fen // largest paid order before this one
}

// holdIfRisky assesses a just-paid order in the caller's transaction and
// either holds it or sends it to posting.
func (s *Service) holdIfRisky(ctx context.Context, tx Tx, o *Order) error {
	act, err := tx.PayerActivity(ctx, o.PayerID, o.PersonID, o.ID, s.now().Add(-24*time.Hour))
	if err != nil {
		return fmt.Errorf("payment: payer activity: %w", err)
	}
	why := s.risk.Assess(risk.Facts{AmountFen: o.AmountFen, PaidLastDay: act.PaidSince,
		PayeesLastDay: act.PayeesSince, TypicalFen: act.LargestBefore})
	if len(why) == 0 {
		// Straight on to posting, in the same transaction as the payment:
		// one commit fewer per order than a separate paid→posting step.
		if err := s.transition(ctx, tx, o, Posting, "queued for the core system"); err != nil {
			return err
		}
		return tx.EnqueueJob(ctx, jobs.Job{Kind: JobPost, Ref: o.ID, RunAt: s.now()})
	}
	o.HoldReason = "risk review: " + strings.Join(why, "; ")
	o.HoldUntil = s.now().Add(s.risk.HoldFor)
	if err := s.transition(ctx, tx, o, Held, o.HoldReason); err != nil {
		return err
	}
	return tx.EnqueueJob(ctx, jobs.Job{Kind: JobHoldExpire, Ref: o.ID, RunAt: o.HoldUntil})
}

// mismatchReason is the hold reason of a payment whose amount is not its
// order's, for people to read; the amount itself is the order's
// ReceivedFen. Such a hold can only be refunded, and what goes back is what
// arrived.
const mismatchReason = "amount paid %d fen differs from order amount %d fen"

// receivedFen is what arrived for an order: its amount, or for a payment
// of another amount than the order's, that amount (mismatch true). Orders
// no provider was paid for (credit pay, family offset) received nothing
// from one: their amount is what a refund gives back.
func receivedFen(o Order) (fen money.Fen, mismatch bool) {
	if o.ReceivedFen == 0 || o.ReceivedFen == o.AmountFen {
		return o.AmountFen, false
	}
	return o.ReceivedFen, true
}

var errMismatchHold = apperr.New(apperr.Conflict, "amount_mismatch",
	"实付金额与订单金额不符，不能入账；请退款（按实付金额原路退回）。",
	"The amount paid differs from the order's: it cannot be credited. Refund it (the amount paid goes back).")

var errNotHeld = apperr.New(apperr.Conflict, "order_not_held",
	"该订单不在冻结状态，无法执行此操作。", "This order is not on hold.")

// ReleaseHold sends a held order on to posting. Releasing a released order
// is not an error (idempotent); a refunded one cannot be released, nor one
// paid with another amount than the order's (posting it would credit the
// order's amount, not what arrived).
func (s *Service) ReleaseHold(ctx context.Context, orderID, by, reason string) (Order, error) {
	return s.decideHold(ctx, orderID, func(tx Tx, o *Order) error {
		if _, mismatch := receivedFen(*o); mismatch {
			return errMismatchHold
		}
		if err := s.transition(ctx, tx, o, Posting, fmt.Sprintf("hold released by %s: %s", by, reason)); err != nil {
			return err
		}
		return tx.EnqueueJob(ctx, jobs.Job{Kind: JobPost, Ref: o.ID, RunAt: s.now()})
	}, Posting, Credited)
}

// RefundHold gives a held order's money back. Idempotent likewise; a
// released one cannot be refunded.
func (s *Service) RefundHold(ctx context.Context, orderID, by, reason string) (Order, error) {
	if err := s.checkNotPosted(ctx, orderID); err != nil {
		return Order{}, err
	}
	return s.decideHold(ctx, orderID, func(tx Tx, o *Order) error {
		return s.startRefundTx(ctx, tx, o, fmt.Sprintf("hold refunded by %s: %s", by, reason))
	}, Refunding, Refunded)
}

// decideHold applies act to a held order; an order already where the same
// decision would have put it is returned unchanged.
func (s *Service) decideHold(ctx context.Context, orderID string, act func(Tx, *Order) error, done ...State) (Order, error) {
	var out Order
	err := s.change(ctx, orderID, func(tx Tx, o *Order) error {
		out = *o
		for _, d := range done {
			if o.State == d {
				return nil
			}
		}
		if o.State != Held {
			return errNotHeld
		}
		o.HoldUntil = time.Time{}
		if err := act(tx, o); err != nil {
			return err
		}
		out = *o
		return nil
	})
	if err == nil {
		s.wake()
	}
	return out, err
}

// holdExpire runs the configured action on a hold nobody decided.
func (s *Service) holdExpire(ctx context.Context, orderID string) error {
	o, err := s.store.OrderByID(ctx, orderID)
	if err != nil || o.State != Held || o.HoldUntil.IsZero() {
		return err
	}
	if s.now().Before(o.HoldUntil) {
		return jobs.RetryAt{At: o.HoldUntil}
	}
	if s.risk.ExpiryReleases {
		_, err = s.ReleaseHold(ctx, orderID, "system", "hold expired")
	} else {
		_, err = s.RefundHold(ctx, orderID, "system", "hold expired")
	}
	return err
}

var errPostedHold = apperr.New(apperr.Conflict, "posted_in_core",
	"核心系统已有这笔缴费的入账记录，不能退款；请放行，订单将按入账处理。",
	"The core system has this payment's posting: it cannot be refunded. Release the hold and the order will be credited.")

var errCoreUnverified = apperr.New(apperr.Unavailable, "core_unverified",
	"暂时无法向核心系统确认这笔缴费是否已入账，不能退款；请稍后再试。",
	"The core system cannot confirm yet whether it has this payment's posting, so it cannot be refunded now; try again later.")

// checkNotPosted refuses to refund a hold whose posting the core system
// may have (it was held because the core system could not say): refunding
// then would credit the fund and return the money as well.
func (s *Service) checkNotPosted(ctx context.Context, orderID string) error {
	o, err := s.store.OrderByID(ctx, orderID)
	if err != nil || o.State != Held || !strings.HasPrefix(o.HoldReason, holdCoreUnknown) {
		return nil // decideHold reports a missing or settled order as before
	}
	switch _, err := s.core.Lookup(ctx, orderID); {
	case err == nil:
		return errPostedHold
	case errors.Is(err, ErrPostingNotFound):
		return nil
	default:
		return errCoreUnverified.Wrap(err)
	}
}
