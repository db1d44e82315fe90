package payment

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/shebao-project/shebao/internal/ledger"
	"github.com/shebao-project/shebao/internal/store"
)

// HandleNotification verifies a provider notification and applies it. It
// returns nil when the provider should be told "received" (including for a
// duplicate), and an error when it should retry later. Verification failures
// wrap ErrBadNotification and are never applied.
func (s *Service) HandleNotification(ctx context.Context, channel string, r *http.Request) error {
	p, ok := s.providers[channel]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownChannel, channel)
	}
	n, err := p.ParseNotification(ctx, r)
	if err != nil {
		s.log.WarnContext(ctx, "notification refused", "channel", channel, "err", err)
		return err
	}
	// A duplicate is answered from a read, without a write transaction, so
	// a provider retry storm costs us almost nothing.
	if seen, err := s.store.NotificationSeen(ctx, channel, n.ID); err != nil {
		return fmt.Errorf("payment: notification lookup: %w", err)
	} else if seen {
		s.log.InfoContext(ctx, "duplicate notification", "id", n.ID, "out_trade_no", n.Txn.OutTradeNo)
		return nil
	}
	if n.Txn.TradeState != TradeSuccess {
		// WeChat Pay only notifies successful payments; anything else is
		// recorded by the query path, not trusted from here.
		s.log.InfoContext(ctx, "notification ignored", "id", n.ID, "state", n.Txn.TradeState)
		return nil
	}
	if isRepayTradeNo(n.Txn.OutTradeNo) {
		return s.handleRepayNotification(ctx, channel, n) // a credit repaid with WeChat Pay
	}
	// Concurrent notifications share a commit where the store allows it:
	// with SQLite that fsync, not this work, is what limits throughput.
	err = s.inSharedTx(ctx, func(tx Tx) error {
		if err := tx.InsertNotification(ctx, channel, n.ID, n.EventType, n.Txn.OutTradeNo, s.now()); err != nil {
			return err
		}
		return s.applyPaidTx(ctx, tx, n.Txn, "provider notification "+n.ID)
	})
	if errors.Is(err, store.ErrConflict) {
		return nil // a concurrent copy of the same notification committed first
	}
	if err != nil {
		return err
	}
	s.wake()
	return nil
}

// applyPaid records a confirmed payment outside any open transaction.
func (s *Service) applyPaid(ctx context.Context, txn ProviderTxn, reason string) error {
	err := s.store.InTx(ctx, func(tx Tx) error { return s.applyPaidTx(ctx, tx, txn, reason) })
	if err == nil {
		s.wake()
	}
	return err
}

// applyPaidTx moves the order to paid and enqueues its posting, in the
// caller's transaction. Applying the same payment twice changes nothing.
func (s *Service) applyPaidTx(ctx context.Context, tx Tx, txn ProviderTxn, reason string) error {
	o, err := tx.OrderByOutTradeNo(ctx, txn.OutTradeNo)
	if errors.Is(err, store.ErrNotFound) {
		// Our order rows are written before the provider hears of them, so
		// this is a replica behind, or money for an order we never made.
		// Either way answer "not received": the provider retries for a day,
		// and the error is logged for an operator.
		s.log.ErrorContext(ctx, "payment for unknown order", "out_trade_no", txn.OutTradeNo, "transaction_id", txn.TransactionID)
		return fmt.Errorf("payment: notification for unknown order %s: %w", txn.OutTradeNo, err)
	} else if err != nil {
		return err
	}
	if !o.State.Unpaid() {
		return nil // already applied
	}
	o.TransactionID, o.ReceivedFen = txn.TransactionID, txn.AmountFen
	o.PaidAt = txn.SuccessTime
	if o.PaidAt.IsZero() {
		o.PaidAt = s.now()
	}
	if txn.AmountFen != o.AmountFen {
		// The money that arrived is not what we asked for: record what did
		// arrive and let an operator decide; never credit a wrong amount.
		o.HoldReason = fmt.Sprintf(mismatchReason, txn.AmountFen, o.AmountFen)
		if err := tx.RecordPosting(ctx, ledger.Receive(o.ID, o.Channel, txn.AmountFen), s.now()); err != nil {
			return err
		}
		return s.transition(ctx, tx, &o, Held, o.HoldReason)
	}
	released := o.State == Closed || o.State == Failed
	if err := s.transition(ctx, tx, &o, Paid, reason); err != nil {
		return err
	}
	if err := tx.RecordPosting(ctx, ledger.Receive(o.ID, o.Channel, o.AmountFen), s.now()); err != nil {
		return fmt.Errorf("payment: ledger receive %s: %w", o.ID, err)
	}
	if released {
		// The person paid an order we had closed; its bills were released and
		// may have been paid by another order since. Then the money goes back
		// by itself: a period is never credited twice.
		if err := tx.LockBills(ctx, o.ID, o.BillIDs); errors.Is(err, store.ErrConflict) {
			return s.startRefundTx(ctx, tx, &o, "paid after the order was closed; its bills were paid by another order")
		} else if err != nil {
			return err
		}
	}
	return s.holdIfRisky(ctx, tx, &o)
}
