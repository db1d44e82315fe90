package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/store"
)

// orderFixture is two persons (P0001 insured, P0002 paying by proxy) and
// three due bills of P0001.
func orderFixture(t *testing.T, open Opener) Engine {
	t.Helper()
	e := open(t)
	seedPersons(t, e, 1, 2, 3)
	seedBills(t, e, bill("B1", "P0001", "110", "2026-10"), bill("B2", "P0001", "110", "2026-11"), bill("B3", "P0001", "310", "2026-11"))
	return e
}

// fullOrder sets every optional field, so a round trip checks them all.
func fullOrder() payment.Order {
	o := order("O1", "P0001", "P0002", "B3", "B1", "B2") // not sorted: position is kept
	o.State, o.PrepayID, o.TransactionID = payment.Paid, "wx-prepay-1", "4200000001"
	o.CoreRef, o.HoldReason = "core-1", "amount differs"
	o.UpdatedAt, o.PaidAt, o.ReceivedFen = t0.Add(time.Minute).In(cst), t0.Add(90*time.Second), o.AmountFen-1
	o.Version = 3
	return o
}

func testOrders(t *testing.T, open Opener) {
	t.Run("InsertAndRead", func(t *testing.T) {
		e := orderFixture(t, open)
		want := fullOrder()
		seedOrders(t, e, want)
		p := e.Payments()
		reads := []struct {
			name string
			read func() (payment.Order, error)
		}{
			{"OrderByID", func() (payment.Order, error) { return p.OrderByID(t.Context(), "O1") }},
			{"OrderByOutTradeNo", func() (payment.Order, error) { return p.OrderByOutTradeNo(t.Context(), want.OutTradeNo) }},
			{"OrderByIdempotencyKey", func() (payment.Order, error) {
				return p.OrderByIdempotencyKey(t.Context(), "P0002", want.IdempotencyKey)
			}},
		}
		for _, r := range reads {
			got, err := r.read()
			must(t, err)
			same(t, r.name, got, want, normOrder)
		}
		inTx(t, e, func(tx payment.Tx) error {
			got, err := tx.OrderByID(t.Context(), "O1")
			must(t, err)
			same(t, "Tx.OrderByID", got, want, normOrder)
			got, err = tx.OrderByOutTradeNo(t.Context(), want.OutTradeNo)
			must(t, err)
			same(t, "Tx.OrderByOutTradeNo", got, want, normOrder)
			return nil
		})
	})
	t.Run("NotFound", func(t *testing.T) {
		e := orderFixture(t, open)
		seedOrders(t, e, fullOrder())
		p := e.Payments()
		_, err := p.OrderByID(t.Context(), "nope")
		wantErr(t, err, store.ErrNotFound)
		_, err = p.OrderByOutTradeNo(t.Context(), "nope")
		wantErr(t, err, store.ErrNotFound)
		// The key is the payer's: the insured person's key space is another.
		_, err = p.OrderByIdempotencyKey(t.Context(), "P0001", "key-O1")
		wantErr(t, err, store.ErrNotFound)
		inTx(t, e, func(tx payment.Tx) error {
			_, err := tx.OrderByID(t.Context(), "nope")
			wantErr(t, err, store.ErrNotFound)
			_, err = tx.OrderByOutTradeNo(t.Context(), "nope")
			wantErr(t, err, store.ErrNotFound)
			return nil
		})
	})
	t.Run("Conflicts", func(t *testing.T) {
		tests := []struct {
			name   string
			mutate func(o *payment.Order)
			want   error
		}{
			{"SameID", func(o *payment.Order) { o.ID = "O1" }, store.ErrConflict},
			{"SameOutTradeNo", func(o *payment.Order) { o.OutTradeNo = "OTN-O1" }, store.ErrConflict},
			{"SamePayerAndKey", func(o *payment.Order) { o.IdempotencyKey = "key-O1" }, store.ErrConflict},
			{"SameTransactionID", func(o *payment.Order) { o.TransactionID = "4200000001" }, store.ErrConflict},
			{"SameKeyOtherPayer", func(o *payment.Order) { o.PayerID, o.IdempotencyKey = "P0003", "key-O1" }, nil},
			{"BothWithoutTransactionID", func(o *payment.Order) {}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e := orderFixture(t, open)
				first := fullOrder()
				if tt.name == "BothWithoutTransactionID" {
					first.TransactionID = ""
				}
				seedOrders(t, e, first)
				second := order("O2", "P0001", "P0002", "B1")
				tt.mutate(&second)
				err := e.Payments().InTx(t.Context(), func(tx payment.Tx) error { return tx.InsertOrder(t.Context(), second) })
				if tt.want == nil {
					must(t, err)
					return
				}
				wantErr(t, err, tt.want)
				if second.ID != "O1" {
					_, err := e.Payments().OrderByID(t.Context(), second.ID)
					wantErr(t, err, store.ErrNotFound)
				}
			})
		}
	})
	t.Run("EventsInOrder", func(t *testing.T) {
		e := orderFixture(t, open)
		seedOrders(t, e, order("O1", "P0001", "P0001", "B1"), order("O2", "P0001", "P0001", "B2"))
		evs := []payment.Event{
			{OrderID: "O1", To: payment.Created, Reason: "order created", At: t0},
			{OrderID: "O1", From: payment.Created, To: payment.AwaitingPayment, Reason: "prepaid", Detail: "wx-prepay-1", At: t0.Add(time.Second)},
			{OrderID: "O2", To: payment.Created, Reason: "order created", At: t0},
			// Same instant as the one before, states not in alphabetical
			// order: events come back in insertion order, not by time or state.
			{OrderID: "O1", From: payment.AwaitingPayment, To: payment.Paid, Reason: "notified", At: t0.Add(time.Second)},
			{OrderID: "O1", From: payment.Paid, To: payment.Held, Reason: "amount differs", At: t0.Add(time.Second)},
		}
		inTx(t, e, func(tx payment.Tx) error {
			for _, ev := range evs {
				if err := tx.InsertEvent(t.Context(), ev); err != nil {
					return err
				}
			}
			return nil
		})
		got, err := e.Payments().OrderEvents(t.Context(), "O1")
		must(t, err)
		want := []payment.Event{evs[0], evs[1], evs[3], evs[4]}
		if len(got) != len(want) {
			t.Fatalf("OrderEvents(O1) = %+v, want %d events", got, len(want))
		}
		for i := range got {
			if i > 0 && got[i].Seq <= got[i-1].Seq {
				t.Fatalf("event seqs not increasing: %+v", got)
			}
			want[i].Seq = got[i].Seq
		}
		same(t, "OrderEvents(O1)", got, want, func(es []payment.Event) []payment.Event {
			out := make([]payment.Event, len(es))
			for i, ev := range es {
				ev.At = ev.At.UTC()
				out[i] = ev
			}
			return out
		})
	})
	t.Run("OrdersForPerson", func(t *testing.T) {
		e := orderFixture(t, open)
		seedBills(t, e, bill("B9", "P0002", "110", "2026-11"))
		own, proxy, other := order("O1", "P0001", "P0001", "B1"), order("O2", "P0001", "P0002", "B2"), order("O3", "P0002", "P0002", "B9")
		proxy.CreatedAt, other.CreatedAt = t0.Add(time.Minute), t0.Add(2*time.Minute)
		seedOrders(t, e, own, proxy, other)
		tests := []struct {
			person string
			limit  int
			want   []string // newest first
		}{
			{"P0001", 10, []string{"O2", "O1"}}, // insured in both
			{"P0002", 10, []string{"O3", "O2"}}, // insured in O3, payer of O2
			{"P0002", 1, []string{"O3"}},
			{"P0003", 10, nil},
		}
		for _, tt := range tests {
			got, err := e.Payments().OrdersForPerson(t.Context(), tt.person, tt.limit)
			must(t, err)
			var ids []string
			for _, o := range got {
				ids = append(ids, o.ID)
			}
			same(t, "OrdersForPerson("+tt.person+")", ids, tt.want, nil)
			for _, o := range got {
				if len(o.BillIDs) != 1 {
					t.Fatalf("OrdersForPerson: order %s has BillIDs %v", o.ID, o.BillIDs)
				}
			}
		}
	})
}

func testUpdateOrder(t *testing.T, open Opener) {
	update := func(e Engine, o payment.Order) error {
		return e.Payments().InTx(t.Context(), func(tx payment.Tx) error { return tx.UpdateOrder(t.Context(), o) })
	}
	t.Run("Versions", func(t *testing.T) {
		tests := []struct {
			name    string
			version int // stored version is 3
			wantErr error
		}{
			{"Next", 4, nil},
			{"Stale", 3, store.ErrConflict},
			{"Older", 2, store.ErrConflict},
			{"Skipping", 5, store.ErrConflict},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e := orderFixture(t, open)
				stored := fullOrder()
				seedOrders(t, e, stored)
				changed := stored
				changed.State, changed.PrepayID, changed.TransactionID = payment.Credited, "wx-prepay-2", "4200000002"
				changed.CoreRef, changed.HoldReason, changed.ReceivedFen = "core-2", "", changed.AmountFen+1
				changed.UpdatedAt, changed.PaidAt, changed.CreditedAt = t0.Add(time.Hour), t0.Add(2*time.Minute), t0.Add(time.Hour)
				changed.Version = tt.version
				err := update(e, changed)
				want := changed
				if tt.wantErr != nil {
					wantErr(t, err, tt.wantErr)
					want = stored
				} else {
					must(t, err)
				}
				got, err := e.Payments().OrderByID(t.Context(), stored.ID)
				must(t, err)
				same(t, "order after UpdateOrder", got, want, normOrder)
			})
		}
	})
	t.Run("TransactionIDUniqueAcrossOrders", func(t *testing.T) {
		e := orderFixture(t, open)
		o2 := order("O2", "P0001", "P0001", "B1")
		seedOrders(t, e, fullOrder(), o2)
		o2.TransactionID, o2.Version = fullOrder().TransactionID, o2.Version+1
		wantErr(t, update(e, o2), store.ErrConflict)
	})
	t.Run("ConcurrentSameVersionOneWins", func(t *testing.T) {
		e := orderFixture(t, open)
		seedOrders(t, e, order("O1", "P0001", "P0001", "B1"))
		read, err := e.Payments().OrderByID(t.Context(), "O1")
		must(t, err)
		const writers = 2
		errs := make([]error, writers)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range writers {
			wg.Go(func() {
				o := read // both start from the same read
				o.State, o.Version = payment.AwaitingPayment, read.Version+1
				o.PrepayID = []string{"a", "b"}[i]
				<-start
				errs[i] = update(e, o)
			})
		}
		close(start)
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, store.ErrConflict):
				t.Errorf("UpdateOrder: %v, want nil or ErrConflict", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d concurrent updates of the same version won, want exactly 1 (errors %v)", won, errs)
		}
		got, err := e.Payments().OrderByID(t.Context(), "O1")
		must(t, err)
		if got.Version != read.Version+1 {
			t.Fatalf("Version = %d, want %d", got.Version, read.Version+1)
		}
	})
}
