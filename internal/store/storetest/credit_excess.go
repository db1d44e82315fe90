package storetest

import (
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/store"
)

func cardExcess(tradeNo, orderID, personID string, at time.Time) payment.CardExcess {
	return payment.CardExcess{TradeNo: tradeNo, OrderID: orderID, PersonID: personID, Channel: "ssc_account", AmountFen: 99_720,
		TransactionID: "SSC" + tradeNo, OutRefundNo: "RC" + tradeNo[2:], Attempt: 1, RefundStatus: "requested", CreatedAt: at, UpdatedAt: at, Version: 1}
}

func normCardExcess(x payment.CardExcess) payment.CardExcess {
	x.RefundedAt, x.CreatedAt, x.UpdatedAt = x.RefundedAt.UTC(), x.CreatedAt.UTC(), x.UpdatedAt.UTC()
	return x
}

// testCardExcesses: a card debit owed back is stored once per trade
// number and out_refund_no, found by its trade number and its person,
// updated only from the version read, and listed for operators until its
// refund succeeded; a retry stores its attempt's out_refund_no.
func testCardExcesses(t *testing.T, open Opener) {
	ctx := t.Context()
	e := creditFixture(t, open)
	first := cardExcess("CP2026110317301500000101", "O1", "P0001", t0)
	inCreditTx(t, e, func(tx payment.CreditTx) error { return tx.InsertCardExcess(ctx, first) })
	got, err := e.Credits().CardExcess(ctx, first.TradeNo)
	must(t, err)
	same(t, "card excess", got, first, normCardExcess)
	_, err = e.Credits().CardExcess(ctx, "CP-none")
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, e.Credits().InCreditTx(ctx, func(tx payment.CreditTx) error { return tx.InsertCardExcess(ctx, first) }), store.ErrConflict)
	sameRefundNo := cardExcess("CP2026110317301500000102", "O2", "P0001", t0)
	sameRefundNo.OutRefundNo = first.OutRefundNo
	wantErr(t, e.Credits().InCreditTx(ctx, func(tx payment.CreditTx) error { return tx.InsertCardExcess(ctx, sameRefundNo) }), store.ErrConflict)

	second := cardExcess("CP2026110317301500000103", "O2", "P0001", t0.Add(time.Hour))
	other := cardExcess("CP2026110317301500000104", "O3", "P0002", t0)
	inCreditTx(t, e, func(tx payment.CreditTx) error {
		if err := tx.InsertCardExcess(ctx, second); err != nil {
			return err
		}
		return tx.InsertCardExcess(ctx, other)
	})
	list, err := e.Credits().CardExcessesForPerson(ctx, "P0001")
	must(t, err)
	if len(list) != 2 || list[0].TradeNo != second.TradeNo || list[1].TradeNo != first.TradeNo {
		t.Errorf("card excesses newest first: %+v", list)
	}

	done := first
	done.RefundStatus, done.RefundID, done.RefundedAt = "succeeded", "SSR1", t0.Add(2*time.Minute).In(cst)
	done.UpdatedAt, done.Version = t0.Add(2*time.Minute), 2
	inCreditTx(t, e, func(tx payment.CreditTx) error { return tx.UpdateCardExcess(ctx, done) })
	got, err = e.Credits().CardExcess(ctx, first.TradeNo)
	must(t, err)
	same(t, "refunded card excess", got, done, normCardExcess)
	// The same version again: someone else wrote first.
	wantErr(t, e.Credits().InCreditTx(ctx, func(tx payment.CreditTx) error { return tx.UpdateCardExcess(ctx, done) }), store.ErrConflict)

	// An operator's retry of a failed refund: the next attempt's number,
	// from the version read only.
	failed := second
	failed.RefundStatus, failed.UpdatedAt, failed.Version = "failed", t0.Add(2*time.Hour), 2
	inCreditTx(t, e, func(tx payment.CreditTx) error { return tx.UpdateCardExcess(ctx, failed) })
	retried := failed
	retried.RefundStatus, retried.OutRefundNo, retried.Attempt = "requested", second.OutRefundNo+"-2", 2
	retried.UpdatedAt, retried.Version = t0.Add(3*time.Hour), 3
	inCreditTx(t, e, func(tx payment.CreditTx) error { return tx.UpdateCardExcess(ctx, retried) })
	wantErr(t, e.Credits().InCreditTx(ctx, func(tx payment.CreditTx) error { return tx.UpdateCardExcess(ctx, retried) }), store.ErrConflict)
	got, err = e.Credits().CardExcess(ctx, second.TradeNo)
	must(t, err)
	same(t, "retried card excess", got, retried, normCardExcess)

	open2, err := e.Credits().CardExcessesOpen(ctx, 10)
	must(t, err)
	if len(open2) != 2 || open2[0].TradeNo != other.TradeNo || open2[1].TradeNo != second.TradeNo {
		t.Errorf("card excesses open, oldest first: %+v", open2)
	}
}
