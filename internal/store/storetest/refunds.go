package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/store"
)

// testRefundAttempts: a failed refund's retry keeps the failed attempt
// (found by its number, with its own status), moves the order's one refunds
// row to the new attempt, happens once however many retries race, and is
// refused unless the refund is still failed at the attempt named.
func testRefundAttempts(t *testing.T, open Opener) {
	e := open(t)
	ctx := t.Context()
	seedPersons(t, e, 1)
	first := payment.Refund{OutRefundNo: "RF1", OrderID: "O1", AmountFen: 12_300, Reason: "hold refunded",
		Status: "requested", CreatedAt: t0, UpdatedAt: t0, Attempt: 1}
	inTx(t, e, func(tx payment.Tx) error {
		o := order("O1", "P0001", "P0001")
		o.State = payment.Refunding
		if err := tx.InsertOrder(ctx, o); err != nil {
			return err
		}
		return tx.InsertRefund(ctx, first)
	})
	s := e.Payments()
	retry := payment.RetryRefundParams{OrderID: "O1", Attempt: 1, OutRefundNo: "RF1-2", Status: "requested", At: t0.Add(time.Hour)}
	// Not failed: no retry, nothing changes.
	if err := e.Payments().InTx(ctx, func(tx payment.Tx) error { return tx.RetryRefund(ctx, retry) }); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("retry of a requested refund: %v, want ErrConflict", err)
	}
	failed := first
	failed.Status, failed.ProviderStatus, failed.RefundID, failed.UpdatedAt = "failed", "CLOSED", "5030001", t0.Add(time.Hour/2)
	inTx(t, e, func(tx payment.Tx) error { return tx.UpdateRefund(ctx, failed) })
	if got, err := s.RefundForOrder(ctx, "O1"); err != nil || got != failed {
		t.Fatalf("failed refund read back %+v %v, want %+v", got, err, failed)
	}
	// Concurrent retries of attempt 1: one wins.
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.InTx(ctx, func(tx payment.Tx) error { return tx.RetryRefund(ctx, retry) })
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrConflict):
			t.Fatalf("concurrent retry: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d concurrent retries won, want 1", won)
	}
	cur := payment.Refund{OutRefundNo: "RF1-2", OrderID: "O1", AmountFen: 12_300, Reason: "hold refunded", Status: "requested",
		CreatedAt: t0.Add(time.Hour), UpdatedAt: t0.Add(time.Hour), Attempt: 2}
	if got, err := s.RefundForOrder(ctx, "O1"); err != nil || got != cur {
		t.Fatalf("after retry %+v %v, want %+v", got, err, cur)
	}
	if got, err := s.RefundByOutRefundNo(ctx, "RF1-2"); err != nil || got != cur {
		t.Fatalf("new attempt by number %+v %v", got, err)
	}
	if got, err := s.RefundByOutRefundNo(ctx, "RF1"); err != nil || got != failed {
		t.Fatalf("first attempt by number %+v %v, want %+v", got, err, failed)
	}
	if _, err := s.RefundByOutRefundNo(ctx, "RF9"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown number: %v", err)
	}
	want := payment.RefundAttempt{OutRefundNo: "RF1", OrderID: "O1", Attempt: 1, Status: "failed", ProviderStatus: "CLOSED",
		RefundID: "5030001", CreatedAt: t0, UpdatedAt: t0.Add(time.Hour / 2)}
	as, err := s.RefundAttempts(ctx, "O1")
	if err != nil || len(as) != 1 || as[0] != want {
		t.Fatalf("attempts %+v %v, want [%+v]", as, err, want)
	}
	// A late success of the first attempt is recorded on it.
	want.Status, want.ProviderStatus, want.UpdatedAt = "succeeded", "SUCCESS", t0.Add(2*time.Hour)
	inTx(t, e, func(tx payment.Tx) error { return tx.UpdateRefundAttempt(ctx, want) })
	if as, err := s.RefundAttempts(ctx, "O1"); err != nil || len(as) != 1 || as[0] != want {
		t.Fatalf("attempts after update %+v %v", as, err)
	}
	if err := s.InTx(ctx, func(tx payment.Tx) error {
		return tx.UpdateRefundAttempt(ctx, payment.RefundAttempt{OutRefundNo: "RF9", Status: "failed"})
	}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("update of an unknown attempt: %v", err)
	}
	// A stale retry (attempt 1 again) is refused.
	if err := s.InTx(ctx, func(tx payment.Tx) error { return tx.RetryRefund(ctx, retry) }); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale retry: %v", err)
	}
}
