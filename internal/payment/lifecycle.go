package payment

import (
	"context"
	"errors"
	"fmt"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/store"
)

// change runs fn on the current stored order inside a transaction. fn
// mutates the order through transition; the version check in UpdateOrder
// makes a concurrent change fail the transaction instead of overwriting it.
func (s *Service) change(ctx context.Context, id string, fn func(tx Tx, cur *Order) error) error {
	return s.store.InTx(ctx, onOrder(ctx, id, fn))
}

// changeShared is change for the steps every payment takes (its prepay
// recorded, its posting credited): on SQLite their commits are shared with
// concurrent writes (groupcommit.go), as a notification's are. fn may then
// run more than once, each time on a freshly loaded order, so it must set,
// not accumulate, anything it keeps outside the transaction.
func (s *Service) changeShared(ctx context.Context, id string, fn func(tx Tx, cur *Order) error) error {
	return s.inSharedTx(ctx, onOrder(ctx, id, fn))
}

// onOrder loads the order inside tx and hands it to fn.
func onOrder(ctx context.Context, id string, fn func(tx Tx, cur *Order) error) func(Tx) error {
	return func(tx Tx) error {
		cur, err := tx.OrderByID(ctx, id)
		if err != nil {
			return fmt.Errorf("payment: load order %s: %w", id, err)
		}
		return fn(tx, &cur)
	}
}

// transition moves the order, stores it and its event.
func (s *Service) transition(ctx context.Context, tx Tx, o *Order, to State, reason string) error {
	ev, err := o.Transition(to, reason, s.now())
	if err != nil {
		return err
	}
	o.Version++
	if err := tx.UpdateOrder(ctx, *o); err != nil {
		return fmt.Errorf("payment: update order %s: %w", o.ID, err)
	}
	if err := tx.InsertEvent(ctx, ev); err != nil {
		return fmt.Errorf("payment: order event: %w", err)
	}
	kind, ok := noticeJobs[to]
	if to == Closed && reason == reasonExpired {
		kind, ok = JobNoticeUnpaid, true // the person started to pay and did not finish
	}
	if ok && s.notify {
		// In the same transaction as the change, so the message to the
		// payer is neither lost in a crash nor sent for a change undone.
		if err := s.enqueueNotice(ctx, tx, to, jobs.Job{Kind: kind, Ref: o.ID, RunAt: s.now()}); err != nil {
			return fmt.Errorf("payment: enqueue %s for %s: %w", kind, o.ID, err)
		}
	}
	s.log.InfoContext(ctx, "order transition", "order", o.ID, "from", ev.From, "to", ev.To, "reason", reason)
	return nil
}

// Jobs that tell the payer about their order (handled by the notice
// service, ref = order id): the result, a hold, a refund.
const (
	JobNoticePaid   = "notice.payment_result"
	JobNoticeHold   = "notice.hold"
	JobNoticeRefund = "notice.refund"
	JobNoticeUnpaid = "notice.unpaid" // an order left unpaid until it expired
)

// reasonExpired is why the expiry job closes an order nobody paid.
const reasonExpired = "expired unpaid"

var noticeJobs = map[State]string{Credited: JobNoticePaid, Held: JobNoticeHold, Refunded: JobNoticeRefund}

// enqueueNotice enqueues the job telling the payer their order entered to.
// Most states are entered at most once (the transitions have no cycle
// through them, and each transition is checked against the stored order in
// this transaction), so their message needs no uniqueness check: on SQLite
// that check cost a read of River's table on every payment, and kept the
// job out of its group commit's one insert. An order can be held again
// after a release; a second hold keeps to the first message. The refund
// message keeps its check too: a card debit returned (recordCardReturned)
// sends it as well, once per order.
func (s *Service) enqueueNotice(ctx context.Context, tx Tx, to State, j jobs.Job) error {
	if !to.Reentrant() && j.Kind != JobNoticeRefund {
		return tx.EnqueueJob(ctx, j)
	}
	return tx.EnqueueJobOnce(ctx, j)
}

// supersede closes the person's own unpaid orders that hold any of bills, so
// that someone who abandoned a payment can pay the same bills again at once.
// An order holding them under the caller's own idempotency key is not
// superseded but returned: it is this very request, made concurrently.
func (s *Service) supersede(ctx context.Context, payerID, key string, bills []billing.Bill) (*Order, string, error) {
	done := map[string]bool{}
	closed := ""
	for _, b := range bills {
		if b.OrderID == "" || done[b.OrderID] {
			continue
		}
		done[b.OrderID] = true
		held, err := s.store.OrderByID(ctx, b.OrderID)
		if err != nil {
			return nil, "", fmt.Errorf("payment: order holding bill %s: %w", b.ID, err)
		}
		if held.PayerID == payerID && held.IdempotencyKey == key {
			return &held, "", nil
		}
		if err := s.closeUnpaid(ctx, b.OrderID, "superseded by a new order"); err != nil {
			return nil, "", err
		}
		if closed == "" {
			closed = held.ID
		}
	}
	return nil, closed, nil
}

// CloseOrder closes the payer's own unpaid order at their request.
func (s *Service) CloseOrder(ctx context.Context, payerID, orderID string) (Order, error) {
	o, err := s.OrderFor(ctx, payerID, orderID)
	if err != nil {
		return Order{}, err
	}
	if err := s.closeUnpaid(ctx, o.ID, "closed by the payer"); errors.Is(err, errBillsBusy) {
		return Order{}, apperr.New(apperr.Conflict, "order_already_paid",
			"该订单已支付，无法取消；缴费结果将自动更新。", "This order has been paid and cannot be cancelled; its result will update by itself.")
	} else if err != nil {
		return Order{}, err
	}
	return s.store.OrderByID(ctx, o.ID)
}

// closeUnpaid closes an order at the provider and then here. If the provider
// says it was paid meanwhile, the payment is applied instead and the caller
// learns the bills are taken.
func (s *Service) closeUnpaid(ctx context.Context, id, reason string) error {
	o, err := s.store.OrderByID(ctx, id)
	if err != nil {
		return fmt.Errorf("payment: load order %s: %w", id, err)
	}
	if o.State != Created && o.State != AwaitingPayment {
		if o.State == Closed || o.State == Failed {
			return nil
		}
		return errBillsBusy
	}
	if isOffsetOrder(o) {
		// Its debit is being settled with the core system (settleOffset
		// closes it if it cannot be): it may have been taken already.
		return errBillsBusy
	}
	p := s.providers[o.Channel]
	err = p.Close(ctx, o.OutTradeNo)
	switch {
	case errors.Is(err, ErrAlreadyPaid):
		if err := s.reconcile(ctx, o); err != nil {
			return err
		}
		return errBillsBusy
	case errors.Is(err, ErrProviderNotFound), err == nil:
	default:
		return providerDown(err)
	}
	return s.change(ctx, id, func(tx Tx, cur *Order) error {
		if cur.State != Created && cur.State != AwaitingPayment {
			return nil
		}
		if err := s.transition(ctx, tx, cur, Closed, reason); err != nil {
			return err
		}
		return tx.ReleaseBills(ctx, cur.ID)
	})
}

// reconcile asks the provider for the order's state and applies a payment
// it reports. It is how lost notifications are recovered.
func (s *Service) reconcile(ctx context.Context, o Order) error {
	txn, err := s.providers[o.Channel].Query(ctx, o.OutTradeNo)
	if errors.Is(err, ErrProviderNotFound) {
		return nil
	} else if err != nil {
		return providerDown(err)
	}
	if txn.TradeState == TradeSuccess {
		return s.applyPaid(ctx, *txn, "provider query")
	}
	return nil
}

// OrderFor returns the order if payerID may see it: the payer or the insured
// person. Anyone else gets not found, whether or not the order exists.
func (s *Service) OrderFor(ctx context.Context, personID, orderID string) (Order, error) {
	o, err := s.store.OrderByID(ctx, orderID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && o.PayerID != personID && o.PersonID != personID) {
		return Order{}, apperr.New(apperr.NotFound, "order_not_found", "未找到该订单。", "No such order.")
	} else if err != nil {
		return Order{}, fmt.Errorf("payment: order %s: %w", orderID, err)
	}
	return o, nil
}

// PayFor returns how to pay an order that is still awaiting payment: the
// parameters stored when it was created.
func (s *Service) PayFor(o Order) *PayParams {
	if o.State != AwaitingPayment {
		return nil
	}
	return o.PayParams
}
