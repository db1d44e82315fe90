package payment_test

import (
	"testing"

	"github.com/shebao-project/shebao/internal/payment"
)

// TestReconcile plants differences between our orders and the sandbox's
// trade bill and checks each is found, and that a payment we missed gets
// the same follow-up as its notification would have had.
func TestReconcile(t *testing.T) {
	h := newHarness(t)
	today := h.clock.Now().In(payment.Beijing()).Format("2006-01-02")

	// C: an ordinary payment, in the bill and in our books: no difference.
	c := h.mustCreate(t, "kc", h.pension)
	h.pay(t, c.Pay.PrepayID)
	h.settle(t, c.Order.OutTradeNo, 1)
	h.drain(t)

	// A: paid at WeChat, but our notify endpoint is failing and nobody queried.
	h.notifyMode.Store(notifyFail)
	a := h.mustCreate(t, "ka", h.medical)
	h.pay(t, a.Pay.PrepayID)
	h.settle(t, a.Order.OutTradeNo, 1)
	h.notifyMode.Store(notifyHandle)
	if s := h.order(t, a.Order.ID).State; s != payment.AwaitingPayment {
		t.Fatalf("A is %s before reconciliation, want awaiting_payment", s)
	}

	// B: recorded as paid here from a (correctly signed) notification, but
	// the provider never had the payment: it cannot be in the bill.
	other := h.register(t, 7)
	bb := h.bill(t, other.ID, "110", "2026-10", 50_000)
	b, err := h.svc.CreateOrder(h.ctx, other, payment.CreateOrderRequest{BillIDs: []string{bb}, Channel: "wechatpay", IdempotencyKey: "kb"})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.svc.HandleNotification(h.ctx, "wechatpay", h.forgedNotification(t, b.Order.OutTradeNo, 50_000, false)); err != nil {
		t.Fatal(err)
	}

	// The audit's comparison finds A and B and changes nothing: A stays
	// unpaid until reconciliation applies it, and nothing is recorded.
	checked, err := h.svc.CheckTradeBill(h.ctx, "wechatpay", today)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]string{}
	for _, d := range checked {
		kinds[d.OutTradeNo] = d.Kind
		if d.Resolved || d.Channel != "wechatpay" || d.Date != today {
			t.Errorf("check: %+v", d)
		}
	}
	if len(checked) != 2 || kinds[a.Order.OutTradeNo] != payment.DiffMissedPayment || kinds[b.Order.OutTradeNo] != payment.DiffMissingInBill {
		t.Errorf("check found %+v, want A missed_payment and B missing_in_bill", checked)
	}
	if s := h.order(t, a.Order.ID).State; s != payment.AwaitingPayment {
		t.Errorf("A is %s after the read-only check, want awaiting_payment", s)
	}
	if open, err := h.db.OpenDiffs(h.ctx, 10); err != nil || len(open) != 0 {
		t.Errorf("the read-only check recorded %+v (%v)", open, err)
	}

	diffs, err := h.svc.Reconcile(h.ctx, "wechatpay", today)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]payment.Diff{}
	for _, d := range diffs {
		got[d.OutTradeNo] = d
	}
	if d, ok := got[a.Order.OutTradeNo]; !ok || d.Kind != payment.DiffMissedPayment || !d.Resolved {
		t.Errorf("A: diff %+v, want a resolved missed_payment", d)
	}
	if d, ok := got[b.Order.OutTradeNo]; !ok || d.Kind != payment.DiffMissingInBill || d.Resolved {
		t.Errorf("B: diff %+v, want an open missing_in_bill", d)
	}
	if d, ok := got[c.Order.OutTradeNo]; ok {
		t.Errorf("C: unexpected diff %+v", d)
	}
	if len(diffs) != 2 {
		t.Errorf("%d differences, want 2: %+v", len(diffs), diffs)
	}
	h.drain(t)
	if s := h.order(t, a.Order.ID).State; s != payment.Credited {
		t.Errorf("A is %s after reconciliation, want credited", s)
	}
	open, err := h.db.OpenDiffs(h.ctx, 10)
	if err != nil || len(open) != 1 || open[0].OutTradeNo != b.Order.OutTradeNo {
		t.Errorf("open differences %+v (%v), want only B's", open, err)
	}
	// Reconciling the same day again records nothing new and applies nothing twice.
	if _, err := h.svc.Reconcile(h.ctx, "wechatpay", today); err != nil {
		t.Fatal(err)
	}
	h.drain(t)
	auditClean(t, h)
	// What is left for the audit is B alone: A is applied, C always agreed.
	if checked, err = h.svc.CheckTradeBill(h.ctx, "wechatpay", today); err != nil || len(checked) != 1 || checked[0].OutTradeNo != b.Order.OutTradeNo {
		t.Errorf("after reconciliation the check finds %+v (%v), want B's missing_in_bill only", checked, err)
	}
}
