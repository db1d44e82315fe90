package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/store"
)

func testBills(t *testing.T, open Opener) {
	t.Run("InsertAndRead", func(t *testing.T) {
		e := open(t)
		seedPersons(t, e, 1, 2)
		arrears := bill("B2", "P0001", "110", "2026-10")
		arrears.Kind, arrears.PersonalAccountFen, arrears.CreatedAt = billing.Arrears, 20_000, t0.In(cst)
		bs := []billing.Bill{bill("B1", "P0001", "110", "2026-11"), arrears, bill("B3", "P0001", "310", "2026-11"), bill("B4", "P0002", "110", "2026-11")}
		seedBills(t, e, bs...)
		got, err := e.BillsForPerson(t.Context(), "P0001")
		must(t, err)
		byID := map[string]billing.Bill{}
		for _, b := range got {
			byID[b.ID] = normBill(b)
		}
		want := map[string]billing.Bill{"B1": normBill(bs[0]), "B2": normBill(bs[1]), "B3": normBill(bs[2])}
		same(t, "BillsForPerson(P0001)", byID, want, nil)
		if len(got) != 3 {
			t.Fatalf("BillsForPerson returned %d bills, want 3", len(got))
		}
		picked := billsByID(t, e, "B4", "B2", "nope")
		same(t, "BillsByIDs", picked, map[string]billing.Bill{"B2": normBill(bs[1]), "B4": normBill(bs[3])}, func(m map[string]billing.Bill) map[string]billing.Bill {
			for k, b := range m {
				m[k] = normBill(b)
			}
			return m
		})
		none, err := e.Payments().BillsByIDs(t.Context(), nil)
		must(t, err)
		if len(none) != 0 {
			t.Fatalf("BillsByIDs(nil) = %+v, want none", none)
		}
	})
	t.Run("Conflicts", func(t *testing.T) {
		tests := []struct {
			name string
			b    billing.Bill
			want error
		}{
			{"SameID", bill("B1", "P0001", "310", "2027-01"), store.ErrConflict},
			{"SamePersonInsurancePeriod", bill("B9", "P0001", "110", "2026-11"), store.ErrConflict},
			{"OtherInsurance", bill("B9", "P0001", "310", "2026-11"), nil},
			{"OtherPerson", bill("B9", "P0002", "110", "2026-11"), nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e := open(t)
				seedPersons(t, e, 1, 2)
				seedBills(t, e, bill("B1", "P0001", "110", "2026-11"))
				err := e.InsertBill(t.Context(), tt.b)
				if tt.want == nil {
					must(t, err)
					return
				}
				wantErr(t, err, tt.want)
			})
		}
	})
}

// lockFixture is one person with three due bills and two orders that may
// hold them.
func lockFixture(t *testing.T, open Opener) Engine {
	t.Helper()
	e := open(t)
	seedPersons(t, e, 1)
	seedBills(t, e, bill("B1", "P0001", "110", "2026-10"), bill("B2", "P0001", "110", "2026-11"), bill("B3", "P0001", "310", "2026-11"))
	o2 := order("O2", "P0001", "P0001", "B2")
	o2.OutTradeNo, o2.IdempotencyKey = "OTN-O2", "key-O2"
	seedOrders(t, e, order("O1", "P0001", "P0001", "B1", "B2", "B3"), o2)
	return e
}

// holders reports which order holds each bill ("" when free) and its status.
func holders(t *testing.T, e Engine) map[string]string {
	t.Helper()
	out := map[string]string{}
	for id, b := range billsByID(t, e, "B1", "B2", "B3") {
		out[id] = string(b.Status) + ":" + b.OrderID + ":" + b.PaidOrderID
	}
	return out
}

func testLockBills(t *testing.T, open Opener) {
	tests := []struct {
		name    string
		prepare func(ctx context.Context, tx payment.Tx) error // committed before the lock
		lock    []string
		wantErr error
		want    map[string]string
	}{
		{"AllFree", nil, []string{"B1", "B2"}, nil,
			map[string]string{"B1": "due:O1:", "B2": "due:O1:", "B3": "due::"}},
		{"OneHeldByAnother", func(ctx context.Context, tx payment.Tx) error { return tx.LockBills(ctx, "O2", []string{"B2"}) },
			[]string{"B1", "B2", "B3"}, store.ErrConflict,
			map[string]string{"B1": "due::", "B2": "due:O2:", "B3": "due::"}},
		{"OnePaid", func(ctx context.Context, tx payment.Tx) error {
			return errors.Join(tx.LockBills(ctx, "O2", []string{"B2"}), tx.MarkBillsPaid(ctx, "O2"))
		}, []string{"B1", "B2", "B3"}, store.ErrConflict,
			map[string]string{"B1": "due::", "B2": "paid::O2", "B3": "due::"}},
		{"OneUnknown", nil, []string{"B1", "nope"}, store.ErrConflict,
			map[string]string{"B1": "due::", "B2": "due::", "B3": "due::"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := lockFixture(t, open)
			if tt.prepare != nil {
				inTx(t, e, func(tx payment.Tx) error { return tt.prepare(t.Context(), tx) })
			}
			err := e.Payments().InTx(t.Context(), func(tx payment.Tx) error { return tx.LockBills(t.Context(), "O1", tt.lock) })
			if tt.wantErr != nil {
				wantErr(t, err, tt.wantErr)
			} else {
				must(t, err)
			}
			same(t, "bills after LockBills", holders(t, e), tt.want, nil)
		})
	}
	// The doc promises all or nothing from LockBills itself, not only from the
	// rollback: payment's paid-after-close path swallows the conflict, holds
	// the order and commits.
	t.Run("RefusedLockHoldsNoneEvenIfCommitted", func(t *testing.T) {
		e := lockFixture(t, open)
		inTx(t, e, func(tx payment.Tx) error { return tx.LockBills(t.Context(), "O2", []string{"B2"}) })
		inTx(t, e, func(tx payment.Tx) error {
			err := tx.LockBills(t.Context(), "O1", []string{"B1", "B2", "B3"})
			if !errors.Is(err, store.ErrConflict) {
				t.Errorf("LockBills = %v, want ErrConflict", err)
			}
			return nil
		})
		same(t, "bills after a refused LockBills was committed", holders(t, e),
			map[string]string{"B1": "due::", "B2": "due:O2:", "B3": "due::"}, nil)
	})
	t.Run("ReleaseBills", func(t *testing.T) {
		e := lockFixture(t, open)
		inTx(t, e, func(tx payment.Tx) error {
			return errors.Join(tx.LockBills(t.Context(), "O1", []string{"B1", "B3"}), tx.LockBills(t.Context(), "O2", []string{"B2"}))
		})
		inTx(t, e, func(tx payment.Tx) error { return tx.ReleaseBills(t.Context(), "O1") })
		same(t, "bills after ReleaseBills(O1)", holders(t, e),
			map[string]string{"B1": "due::", "B2": "due:O2:", "B3": "due::"}, nil)
		// Released bills can be taken by another order.
		inTx(t, e, func(tx payment.Tx) error { return tx.LockBills(t.Context(), "O2", []string{"B1"}) })
	})
	t.Run("MarkBillsPaid", func(t *testing.T) {
		e := lockFixture(t, open)
		inTx(t, e, func(tx payment.Tx) error {
			return errors.Join(tx.LockBills(t.Context(), "O1", []string{"B1", "B3"}), tx.MarkBillsPaid(t.Context(), "O1"))
		})
		same(t, "bills after MarkBillsPaid(O1)", holders(t, e),
			map[string]string{"B1": "paid::O1", "B2": "due::", "B3": "paid::O1"}, nil)
		// Releasing a paid order's bills does not make them due again.
		inTx(t, e, func(tx payment.Tx) error { return tx.ReleaseBills(t.Context(), "O1") })
		same(t, "bills after ReleaseBills of a paid order", holders(t, e),
			map[string]string{"B1": "paid::O1", "B2": "due::", "B3": "paid::O1"}, nil)
		err := e.Payments().InTx(t.Context(), func(tx payment.Tx) error { return tx.LockBills(t.Context(), "O2", []string{"B1"}) })
		wantErr(t, err, store.ErrConflict)
	})
}

func testNotifications(t *testing.T, open Opener) {
	e := open(t)
	seen := func(provider, id string) bool {
		t.Helper()
		ok, err := e.Payments().NotificationSeen(t.Context(), provider, id)
		must(t, err)
		return ok
	}
	if seen("wechatpay", "N1") {
		t.Fatal("NotificationSeen before insert = true")
	}
	insert := func(provider, id string) error {
		return e.Payments().InTx(t.Context(), func(tx payment.Tx) error {
			return tx.InsertNotification(t.Context(), provider, id, "TRANSACTION.SUCCESS", "OTN-O1", t0)
		})
	}
	must(t, insert("wechatpay", "N1"))
	if !seen("wechatpay", "N1") {
		t.Fatal("NotificationSeen after insert = false")
	}
	wantErr(t, insert("wechatpay", "N1"), store.ErrConflict)
	// Ids are per provider.
	must(t, insert("sandbox", "N1"))
	if seen("wechatpay", "N2") {
		t.Fatal("NotificationSeen(N2) = true")
	}
}
