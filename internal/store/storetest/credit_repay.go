package storetest

import (
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/store"
)

func repayment(id, personID, key, tradeNo string) payment.Repayment {
	return payment.Repayment{ID: id, PersonID: personID, Channel: "wechatpay_native", OutTradeNo: tradeNo, AmountFen: 227_164,
		CreditIDs: []string{"O1", "O2"}, Status: payment.RepaymentCreated, IdempotencyKey: key, RequestHash: "ab12",
		ExpiresAt: t0.Add(30 * time.Minute), CreatedAt: t0, UpdatedAt: t0, Version: 1}
}

func normRepayment(r payment.Repayment) payment.Repayment {
	r.PaidAt, r.ExpiresAt, r.CreatedAt, r.UpdatedAt = r.PaidAt.UTC(), r.ExpiresAt.UTC(), r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return r
}

// testRepayments: a WeChat Pay repayment of overdue credits is found by
// each of its keys, is unique per person and key and per out_trade_no,
// and is updated only from the version read.
func testRepayments(t *testing.T, open Opener) {
	ctx := t.Context()
	e := creditFixture(t, open)
	first := repayment("crp_1", "P0001", "k1", "CW2026110317301500000001")
	inCreditTx(t, e, func(tx payment.CreditTx) error { return tx.InsertRepayment(ctx, first) })
	for _, q := range []payment.RepaymentQuery{{ID: "crp_1"}, {OutTradeNo: first.OutTradeNo}, {PersonID: "P0001", IdempotencyKey: "k1"}} {
		got, err := e.Credits().FindRepayment(ctx, q)
		must(t, err)
		same(t, "repayment", got, first, normRepayment)
	}
	for _, q := range []payment.RepaymentQuery{{ID: "crp_2"}, {PersonID: "P0002", IdempotencyKey: "k1"}, {OutRefundNo: "RW1"}, {}} {
		_, err := e.Credits().FindRepayment(ctx, q)
		wantErr(t, err, store.ErrNotFound)
	}
	dupKey := repayment("crp_2", "P0001", "k1", "CW2026110317301500000002")
	wantErr(t, e.Credits().InCreditTx(ctx, func(tx payment.CreditTx) error { return tx.InsertRepayment(ctx, dupKey) }), store.ErrConflict)
	dupTrade := repayment("crp_3", "P0001", "k3", first.OutTradeNo)
	wantErr(t, e.Credits().InCreditTx(ctx, func(tx payment.CreditTx) error { return tx.InsertRepayment(ctx, dupTrade) }), store.ErrConflict)

	paid := first
	paid.Status, paid.PayParams, paid.TransactionID = payment.RepaymentPaid, &payment.PayParams{CodeURL: "weixin://wxpay/bizpayurl?pr=x"}, "4200000001"
	paid.PaidFen, paid.AppliedFen, paid.RefundFen = 227_164, 145_400, 81_764
	paid.OutRefundNo, paid.RefundStatus, paid.Note = "RW2026110317301500000001", "requested", "credit O2 was already repaid"
	paid.PaidAt, paid.UpdatedAt, paid.Version = t0.Add(time.Minute).In(cst), t0.Add(time.Minute), 2
	inCreditTx(t, e, func(tx payment.CreditTx) error { return tx.UpdateRepayment(ctx, paid) })
	got, err := e.Credits().FindRepayment(ctx, payment.RepaymentQuery{OutRefundNo: paid.OutRefundNo})
	must(t, err)
	same(t, "paid repayment", got, paid, normRepayment)
	if open, err := e.Credits().RepaymentRefundsOpen(ctx, 10); err != nil || len(open) != 1 || open[0].ID != "crp_1" {
		t.Errorf("repayments with a refund under way: %+v, %v", open, err)
	}
	// The same version again: someone else wrote first.
	wantErr(t, e.Credits().InCreditTx(ctx, func(tx payment.CreditTx) error { return tx.UpdateRepayment(ctx, paid) }), store.ErrConflict)
	// More than was paid cannot be applied and refunded.
	over := paid
	over.RefundFen, over.Version = paid.PaidFen, 3
	if err := e.Credits().InCreditTx(ctx, func(tx payment.CreditTx) error { return tx.UpdateRepayment(ctx, over) }); err == nil {
		t.Error("a repayment applying and refunding more than was paid was stored")
	}

	second := repayment("crp_4", "P0001", "k4", "CW2026110317301500000004")
	second.CreatedAt = t0.Add(time.Hour)
	inCreditTx(t, e, func(tx payment.CreditTx) error { return tx.InsertRepayment(ctx, second) })
	list, err := e.Credits().RepaymentsForPerson(ctx, "P0001", 10)
	must(t, err)
	if len(list) != 2 || list[0].ID != "crp_4" || list[1].ID != "crp_1" {
		t.Errorf("repayments newest first: %+v", list)
	}
	if list, err := e.Credits().RepaymentsForPerson(ctx, "P0002", 10); err != nil || len(list) != 0 {
		t.Errorf("another person's repayments: %v, %v", list, err)
	}
}
