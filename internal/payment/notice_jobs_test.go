package payment_test

import (
	"context"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/payment"
)

// TestNoticeJobs: with Notify, the payer's messages are enqueued in the
// same transaction as the change they tell of: a result when credited, and
// a follow-up when an order expires unpaid (not when the person closes it).
func TestNoticeJobs(t *testing.T) {
	h := newHarness(t, func(d *payment.Deps) { d.Notify = true })
	var seen []string
	for _, k := range []string{payment.JobNoticePaid, payment.JobNoticeUnpaid, payment.JobNoticeHold, payment.JobNoticeRefund} {
		h.runner.Handle(k, func(_ context.Context, j jobs.Job) error { seen = append(seen, j.Kind+" "+j.Ref); return nil })
	}
	paid := h.mustCreate(t, "paid", h.pension)
	h.pay(t, paid.Pay.PrepayID)
	h.settle(t, paid.Order.OutTradeNo, 1)
	h.waitFor(t, "credited", func() bool { h.drain(t); return h.order(t, paid.Order.ID).State == payment.Credited })
	// The paid result is enqueued without a uniqueness check (an order is
	// credited once): posting the credited order again must not repeat it.
	if err := h.svc.RunJob(h.ctx, jobs.Job{Kind: payment.JobPost, Ref: paid.Order.ID}); err != nil {
		t.Fatal(err)
	}
	h.drain(t)

	left := h.mustCreate(t, "left", h.medical)
	h.clock.Advance(31 * time.Minute)
	h.drain(t)
	if s := h.order(t, left.Order.ID).State; s != payment.Closed {
		t.Fatalf("unpaid order is %s after its time, want closed", s)
	}
	want := map[string]bool{payment.JobNoticePaid + " " + paid.Order.ID: true, payment.JobNoticeUnpaid + " " + left.Order.ID: true}
	if len(seen) != len(want) {
		t.Fatalf("notice jobs %v, want %v", seen, want)
	}
	for _, s := range seen {
		if !want[s] {
			t.Errorf("unexpected notice job %s", s)
		}
	}
}
