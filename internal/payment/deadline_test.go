package payment_test

import (
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/payment"
)

// TestPostingDeadline: the agency's core system unreachable for 71 hours is
// retried and recovers by itself; for 73 hours the order is held (nobody
// can tell whether an earlier attempt was accepted), and once the core
// system answers that it has no posting it ends in a refund by the original
// route (seed §4), never an endless retry.
func TestPostingDeadline(t *testing.T) {
	tests := []struct {
		name  string
		down  time.Duration
		want  []payment.State
		money bool
	}{
		{"down 71 hours: credited when it comes back", 71 * time.Hour,
			[]payment.State{payment.Created, payment.AwaitingPayment, payment.Paid, payment.Posting, payment.Credited}, true},
		{"down 73 hours: refunded", 73 * time.Hour,
			[]payment.State{payment.Created, payment.AwaitingPayment, payment.Paid, payment.Posting, payment.Held, payment.Refunding, payment.Refunded}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.coreDown(t, true)
			o := h.mustCreate(t, "k1", h.pension, h.medical)
			h.pay(t, o.Pay.PrepayID)
			h.settle(t, o.Order.OutTradeNo, 1)
			// Step the clock an hour at a time, running what is due: the
			// posting job backs off to hourly retries.
			for elapsed := time.Duration(0); elapsed < tt.down; elapsed += time.Hour {
				h.clock.Advance(time.Hour)
				h.drain(t)
			}
			h.coreDown(t, false)
			for i := 0; i < 4; i++ { // the next retry, then the refund's polling
				h.clock.Advance(time.Hour)
				h.drain(t)
			}
			if tt.want[len(tt.want)-1] == payment.Refunded {
				h.waitFor(t, "refund settled", func() bool {
					h.clock.Advance(2 * time.Minute)
					h.drain(t)
					return h.order(t, o.Order.ID).State == payment.Refunded
				})
			}
			checkOrder(t, h, o.Order.ID, tt.want)
			want, posts := pensionFen+medicalFen, 1
			if !tt.money {
				want, posts = 0, 0
			}
			checkMoney(t, h, want, posts)
		})
	}
}
