package payment_test

import (
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/audit"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/risk"
)

// holdAll makes every payment over 1 yuan a large one, so it is held.
func holdAll(expiryReleases bool) func(*payment.Deps) {
	return func(d *payment.Deps) {
		d.Risk = risk.Rules{LargeFen: 100, HoldFor: 24 * time.Hour, ExpiryReleases: expiryReleases}
	}
}

func TestHolds(t *testing.T) {
	heldPath := []payment.State{payment.Created, payment.AwaitingPayment, payment.Paid, payment.Held}
	tests := []struct {
		name    string
		release bool // expiry action
		decide  func(h *harness, id string) error
		advance time.Duration
		want    []payment.State
		credit  bool
	}{
		{"operator releases", true, func(h *harness, id string) error {
			_, err := h.svc.ReleaseHold(h.ctx, id, "op1", "checked with the payer")
			return err
		}, 0, append(heldPath, payment.Posting, payment.Credited), true},
		{"operator refunds", true, func(h *harness, id string) error {
			_, err := h.svc.RefundHold(h.ctx, id, "op1", "payer did not recognise it")
			return err
		}, 0, append(heldPath, payment.Refunding, payment.Refunded), false},
		{"expiry releases", true, nil, 25 * time.Hour, append(heldPath, payment.Posting, payment.Credited), true},
		{"expiry refunds", false, nil, 25 * time.Hour, append(heldPath, payment.Refunding, payment.Refunded), false},
		{"nothing before expiry", true, nil, 23 * time.Hour, heldPath, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, holdAll(tt.release))
			o := h.mustCreate(t, "k1", h.pension, h.medical)
			h.pay(t, o.Pay.PrepayID)
			h.settle(t, o.Order.OutTradeNo, 1)
			h.drain(t)
			if got := h.order(t, o.Order.ID); got.State != payment.Held || got.HoldUntil.IsZero() {
				t.Fatalf("after payment: %s until %v, want held for 24 h", got.State, got.HoldUntil)
			}
			if tt.decide != nil {
				if err := tt.decide(h, o.Order.ID); err != nil {
					t.Fatal(err)
				}
			}
			h.clock.Advance(tt.advance)
			h.drain(t)
			// A refund at the sandbox settles after its next tick: poll it.
			if tt.want[len(tt.want)-1] == payment.Refunded {
				h.waitFor(t, "refund settled", func() bool {
					h.clock.Advance(2 * time.Minute)
					h.drain(t)
					return h.order(t, o.Order.ID).State == payment.Refunded
				})
			}
			checkOrder(t, h, o.Order.ID, tt.want)
			want := pensionFen + medicalFen
			if !tt.credit {
				want = 0
			}
			checkMoney(t, h, want, map[bool]int{true: 1, false: 0}[tt.credit])
		})
	}
}

func TestHoldDecisionsAreFinal(t *testing.T) {
	h := newHarness(t, holdAll(true))
	o := h.mustCreate(t, "k1", h.pension, h.medical)
	h.pay(t, o.Pay.PrepayID)
	h.settle(t, o.Order.OutTradeNo, 1)
	h.drain(t)
	if _, err := h.svc.ReleaseHold(h.ctx, o.Order.ID, "op1", "ok"); err != nil {
		t.Fatal(err)
	}
	// Releasing again is a no-op; refunding a released hold is refused.
	if _, err := h.svc.ReleaseHold(h.ctx, o.Order.ID, "op2", "again"); err != nil {
		t.Fatalf("second release: %v", err)
	}
	_, err := h.svc.RefundHold(h.ctx, o.Order.ID, "op2", "too late")
	wantCode(t, err, apperr.Conflict, "order_not_held")
	h.drain(t)
	checkMoney(t, h, pensionFen+medicalFen, 1)
}

// TestMismatchedHold: a payment of another amount than the order's is held
// (notify.go). Releasing it would post and credit the order's amount, not
// what arrived, so it is refused; refunding it gives back what arrived,
// and the books balance.
func TestMismatchedHold(t *testing.T) {
	h := newHarness(t)
	o := h.mustCreate(t, "k1", h.pension, h.medical)
	paid := o.Order.AmountFen - 1
	if err := h.svc.HandleNotification(h.ctx, "wechatpay", h.forgedNotification(t, o.Order.OutTradeNo, int64(paid), false)); err != nil {
		t.Fatal(err)
	}
	_, err := h.svc.ReleaseHold(h.ctx, o.Order.ID, "op1", "looks fine")
	wantCode(t, err, apperr.Conflict, "amount_mismatch")
	if got, err := h.svc.RefundHold(h.ctx, o.Order.ID, "op1", "amount differs"); err != nil || got.State != payment.Refunding {
		t.Fatalf("RefundHold: %s, %v; want refunding", got.State, err)
	}
	if r, err := h.db.RefundForOrder(h.ctx, o.Order.ID); err != nil || r.AmountFen != paid {
		t.Errorf("refund of %s yuan (%v), want the %s paid", r.AmountFen.Yuan(), err, paid.Yuan())
	}
	if rep, err := audit.Run(h.ctx, h.db); err != nil || !rep.OK() {
		t.Errorf("audit: %v %v", err, rep.Problems)
	}
}
