package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/store"
	"github.com/shebao-project/shebao/internal/voucher"
)

// voucherFixture is P0001's own order O1 and the order O2 P0002 paid for
// P0001, with vouchers on both.
func voucherFixture(t *testing.T, open Opener) (Engine, []voucher.Voucher) {
	t.Helper()
	e := orderFixture(t, open)
	seedOrders(t, e, order("O1", "P0001", "P0001", "B1"), order("O2", "P0001", "P0002", "B2"))
	retain := t0.AddDate(2, 0, 0).In(cst)
	vs := []voucher.Voucher{
		voucherFor("V1", "O1", voucher.FiscalReceipt), // long-term: RetainUntil nil
		voucherFor("V2", "O1", voucher.AcceptanceReceipt),
		voucherFor("V3", "O2", voucher.TransactionStatement),
	}
	vs[1].RetainUntil = &retain
	vs[2].IssuedAt = t0.Add(time.Hour)
	inTx(t, e, func(tx payment.Tx) error {
		for _, v := range vs {
			if err := tx.InsertVoucher(t.Context(), v); err != nil {
				return err
			}
		}
		return nil
	})
	return e, vs
}

func voucherIDs(vs []voucher.Voucher) []string {
	var ids []string
	for _, v := range vs {
		ids = append(ids, v.ID)
	}
	slices.Sort(ids)
	return ids
}

func testVouchers(t *testing.T, open Opener) {
	t.Run("ReadByIDAndCode", func(t *testing.T) {
		e, vs := voucherFixture(t, open)
		for _, want := range vs {
			got, err := e.Payments().VoucherByID(t.Context(), want.ID)
			must(t, err)
			same(t, "VoucherByID("+want.ID+")", got, want, normVoucher)
			got, err = e.Payments().VoucherByCode(t.Context(), want.Code)
			must(t, err)
			same(t, "VoucherByCode("+want.Code+")", got, want, normVoucher)
		}
		_, err := e.Payments().VoucherByID(t.Context(), "nope")
		wantErr(t, err, store.ErrNotFound)
		_, err = e.Payments().VoucherByCode(t.Context(), "nope")
		wantErr(t, err, store.ErrNotFound)
	})
	t.Run("ForOrderAndPerson", func(t *testing.T) {
		e, vs := voucherFixture(t, open)
		p := e.Payments()
		tests := []struct {
			name string
			list func() ([]voucher.Voucher, error)
			want []string
		}{
			{"ForOrder(O1)", func() ([]voucher.Voucher, error) { return p.VouchersForOrder(t.Context(), "O1") }, []string{"V1", "V2"}},
			{"ForOrder(nope)", func() ([]voucher.Voucher, error) { return p.VouchersForOrder(t.Context(), "nope") }, nil},
			// Insured in O1 and O2.
			{"ForPerson(P0001)", func() ([]voucher.Voucher, error) { return p.VouchersForPerson(t.Context(), "P0001") }, []string{"V1", "V2", "V3"}},
			// Payer of O2 only.
			{"ForPerson(P0002)", func() ([]voucher.Voucher, error) { return p.VouchersForPerson(t.Context(), "P0002") }, []string{"V3"}},
			{"ForPerson(P0003)", func() ([]voucher.Voucher, error) { return p.VouchersForPerson(t.Context(), "P0003") }, nil},
		}
		for _, tt := range tests {
			got, err := tt.list()
			must(t, err)
			same(t, tt.name, voucherIDs(got), tt.want, nil)
			for _, g := range got {
				i := slices.IndexFunc(vs, func(v voucher.Voucher) bool { return v.ID == g.ID })
				same(t, tt.name+" "+g.ID, g, vs[i], normVoucher)
			}
		}
	})
	t.Run("Conflicts", func(t *testing.T) {
		tests := []struct {
			name   string
			mutate func(v *voucher.Voucher)
		}{
			{"SameOrderAndKind", func(v *voucher.Voucher) { v.OrderID, v.Kind = "O1", voucher.FiscalReceipt }},
			{"SameCode", func(v *voucher.Voucher) { v.Code = "CODE-V1" }},
			{"SameID", func(v *voucher.Voucher) { v.ID = "V1" }},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e, _ := voucherFixture(t, open)
				v := voucherFor("V9", "O2", voucher.FiscalReceipt)
				tt.mutate(&v)
				err := e.Payments().InTx(t.Context(), func(tx payment.Tx) error { return tx.InsertVoucher(t.Context(), v) })
				wantErr(t, err, store.ErrConflict)
			})
		}
	})
}

func testSequences(t *testing.T, open Opener) {
	next := func(t *testing.T, e Engine, name string) int64 {
		t.Helper()
		var v int64
		inTx(t, e, func(tx payment.Tx) error {
			var err error
			v, err = tx.NextSequence(t.Context(), name)
			return err
		})
		return v
	}
	t.Run("CountsPerName", func(t *testing.T) {
		e := open(t)
		steps := []struct {
			name string
			want int64
		}{{"receipt/2026", 1}, {"receipt/2026", 2}, {"receipt/2027", 1}, {"receipt/2026", 3}, {"receipt/2027", 2}}
		for i, s := range steps {
			if got := next(t, e, s.name); got != s.want {
				t.Fatalf("step %d: NextSequence(%q) = %d, want %d", i, s.name, got, s.want)
			}
		}
	})
	t.Run("SeveralInOneTx", func(t *testing.T) {
		e := open(t)
		var got []int64
		inTx(t, e, func(tx payment.Tx) error {
			for range 3 {
				v, err := tx.NextSequence(t.Context(), "r")
				if err != nil {
					return err
				}
				got = append(got, v)
			}
			return nil
		})
		same(t, "NextSequence ×3 in one tx", got, []int64{1, 2, 3}, nil)
	})
	t.Run("RolledBackNotConsumed", func(t *testing.T) {
		e := open(t)
		if got := next(t, e, "r"); got != 1 {
			t.Fatalf("first NextSequence = %d", got)
		}
		err := e.Payments().InTx(t.Context(), func(tx payment.Tx) error {
			v, err := tx.NextSequence(t.Context(), "r")
			if err != nil || v != 2 {
				t.Errorf("NextSequence in doomed tx = %d, %v; want 2", v, err)
			}
			return errBoom
		})
		wantErr(t, err, errBoom)
		if got := next(t, e, "r"); got != 2 {
			t.Fatalf("NextSequence after a rolled-back one = %d, want 2 (gap-free)", got)
		}
	})
}
