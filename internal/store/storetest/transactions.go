package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/store"
	"github.com/shebao-project/shebao/internal/voucher"
)

func testTransactions(t *testing.T, open Opener) {
	// write does one of every transactional write.
	write := func(ctx context.Context, tx payment.Tx) error {
		o := order("O1", "P0001", "P0001", "B1")
		steps := []func() error{
			func() error { return tx.InsertOrder(ctx, o) },
			func() error { return tx.LockBills(ctx, "O1", []string{"B1"}) },
			func() error {
				return tx.InsertEvent(ctx, payment.Event{OrderID: "O1", To: payment.Created, Reason: "order created", At: t0})
			},
			func() error { o.State, o.Version = payment.Paid, 2; return tx.UpdateOrder(ctx, o) },
			func() error {
				return tx.InsertNotification(ctx, "wechatpay", "N1", "TRANSACTION.SUCCESS", o.OutTradeNo, t0)
			},
			func() error { return tx.EnqueueJob(ctx, job("post", "O1", t0)) },
			func() error { return tx.InsertVoucher(ctx, voucherFor("V1", "O1", voucher.FiscalReceipt)) },
			func() error { _, err := tx.NextSequence(ctx, "receipt"); return err },
		}
		for _, s := range steps {
			if err := s(); err != nil {
				return err
			}
		}
		return nil
	}
	// nothingWritten checks that none of write's effects is visible.
	nothingWritten := func(t *testing.T, e Engine) {
		t.Helper()
		p := e.Payments()
		_, err := p.OrderByID(t.Context(), "O1")
		wantErr(t, err, store.ErrNotFound)
		same(t, "bills", holders(t, e)["B1"], "due::", nil)
		evs, err := p.OrderEvents(t.Context(), "O1")
		must(t, err)
		seen, err := p.NotificationSeen(t.Context(), "wechatpay", "N1")
		must(t, err)
		pending, err := e.PendingJobs(t.Context())
		must(t, err)
		_, verr := p.VoucherByID(t.Context(), "V1")
		if len(evs) != 0 || seen || len(pending) != 0 || verr == nil {
			t.Fatalf("rolled-back writes visible: events %v, notification %v, jobs %v, voucher err %v", evs, seen, pending, verr)
		}
		inTx(t, e, func(tx payment.Tx) error {
			n, err := tx.NextSequence(t.Context(), "receipt")
			if n != 1 {
				t.Errorf("NextSequence after rollback = %d, want 1", n)
			}
			return err
		})
	}
	fixture := func(t *testing.T) Engine { return orderFixture(t, open) }
	t.Run("CommitKeepsEverything", func(t *testing.T) {
		e := fixture(t)
		inTx(t, e, func(tx payment.Tx) error { return write(t.Context(), tx) })
		o, err := e.Payments().OrderByID(t.Context(), "O1")
		must(t, err)
		if o.State != payment.Paid || holders(t, e)["B1"] != "due:O1:" {
			t.Fatalf("committed writes missing: order %+v, bills %v", o, holders(t, e))
		}
	})
	t.Run("ErrorRollsBackEverything", func(t *testing.T) {
		e := fixture(t)
		err := e.Payments().InTx(t.Context(), func(tx payment.Tx) error {
			if err := write(t.Context(), tx); err != nil {
				t.Errorf("write: %v", err)
			}
			return fmt.Errorf("giving up: %w", errBoom)
		})
		wantErr(t, err, errBoom)
		nothingWritten(t, e)
	})
	t.Run("FailedStepRollsBackEarlierOnes", func(t *testing.T) {
		e := fixture(t)
		err := e.Payments().InTx(t.Context(), func(tx payment.Tx) error {
			if err := write(t.Context(), tx); err != nil {
				return err
			}
			return tx.InsertNotification(t.Context(), "wechatpay", "N1", "TRANSACTION.SUCCESS", "OTN-O1", t0)
		})
		wantErr(t, err, store.ErrConflict)
		nothingWritten(t, e)
	})
	// A handler that panics mid-transaction (and is recovered by the HTTP
	// server) must not leave the transaction open: the writes are undone and
	// the next transaction can start.
	t.Run("PanicRollsBackAndFreesWriter", func(t *testing.T) {
		e := fixture(t)
		func() {
			defer func() { _ = recover() }()
			_ = e.Payments().InTx(t.Context(), func(tx payment.Tx) error {
				if err := write(t.Context(), tx); err != nil {
					t.Errorf("write: %v", err)
				}
				panic("handler bug")
			})
		}()
		ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
		defer cancel()
		err := e.Payments().InTx(ctx, func(tx payment.Tx) error {
			return tx.InsertNotification(ctx, "wechatpay", "N2", "TRANSACTION.SUCCESS", "OTN-O1", t0)
		})
		if err != nil {
			t.Fatalf("transaction after a panicking one: %v (the panicking transaction was left open)", err)
		}
		nothingWritten(t, e)
	})
}
