package payment_test

import (
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/payment"
)

// TestSimScenarios play, in the simulated world and without faults, the
// paths the simulation found broken, step by step rather than by seed (a
// seed's story changes whenever the simulation draws differently), and end
// with the simulation's own drain and checks.
func TestSimScenarios(t *testing.T) {
	tests := []struct {
		name string
		play func(t *testing.T, s *sim, o *simOrder)
		want payment.State
	}{
		{"another amount paid cannot be released", func(t *testing.T, s *sim, o *simOrder) {
			_, err := s.svc.ReleaseHold(s.ctx, o.id, "op1", "looks fine")
			if e, ok := apperr.As(err); !ok || e.Code != "amount_mismatch" {
				t.Fatalf("ReleaseHold of a payment of another amount: %v, want amount_mismatch", err)
			}
		}, payment.Held},
		{"another amount paid is refunded as paid", func(t *testing.T, s *sim, o *simOrder) {
			s.refundHold(t, o)
		}, payment.Refunded},
		{"an abnormal refund rerouted by an operator", func(t *testing.T, s *sim, o *simOrder) {
			s.refundHold(t, o)
			s.prov.byORN[s.prov.byOTN[o.otn].orn].outcome = payment.RefundAbnormal
			s.settle(time.Hour)
			if st := s.refundStatus(t, o); st != "failed" {
				t.Fatalf("refund after ABNORMAL is %s, want failed", st)
			}
			if !s.failedRefund() {
				t.Fatal("the operator found no abnormal refund to reroute")
			}
		}, payment.Refunded},
		{"a closed refund is retried by the operators", func(t *testing.T, s *sim, o *simOrder) {
			s.refundHold(t, o)
			s.prov.byORN[s.prov.byOTN[o.otn].orn].outcome = payment.RefundClosed
		}, payment.Refunded},
		{"a refund refused for good ends with the operators", func(t *testing.T, s *sim, o *simOrder) {
			s.prov.byOTN[o.otn].stuck = true
			s.refundHold(t, o)
			s.settle(71 * time.Hour)
			if st := s.refundStatus(t, o); st != "requested" {
				t.Fatalf("refund refused for 71 hours is %s, want requested (still retried)", st)
			}
		}, payment.Refunding},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t, 1, testing.Verbose())
			s.faults = simFaults{pay: 1, mismatch: 1}
			o := s.paid(t)
			s.faults.mismatch = 0
			tt.play(t, s, o)
			s.drain()
			s.check()
			if got := s.state(o.id); got != tt.want {
				t.Errorf("order ends %s, want %s", got, tt.want)
			}
			if len(s.problems) > 0 {
				t.Errorf("invariants broken:\n%s\n\nstep log:\n%s", s.problems, s.log)
			}
		})
	}
}

// paid is person 1 ordering their first month and paying it, and the
// payment settling: held, as the seed's faults made its amount another.
func (s *sim) paid(t *testing.T) *simOrder {
	t.Helper()
	p := s.persons[0]
	res, err := s.svc.CreateOrder(s.ctx, p, payment.CreateOrderRequest{BillIDs: s.bills[p.ID][:2], Channel: "wechatpay", IdempotencyKey: "scenario"})
	if err != nil {
		t.Fatal(err)
	}
	o := s.know(res.Order)
	s.logf("payer pays %s: %s", o.name, s.prov.pay(o.otn))
	s.settle(time.Minute)
	if got := s.state(o.id); got != payment.Held {
		t.Fatalf("after paying another amount the order is %s, want held", got)
	}
	return o
}

func (s *sim) refundHold(t *testing.T, o *simOrder) {
	t.Helper()
	if _, err := s.svc.RefundHold(s.ctx, o.id, "op1", "amount differs"); err != nil {
		t.Fatal(err)
	}
	s.runDue()
}

// settle delivers what is queued and runs due jobs, then lets d pass.
func (s *sim) settle(d time.Duration) {
	for len(s.prov.queue) > 0 {
		s.deliver()
	}
	s.runDue()
	s.move(d)
	for len(s.prov.queue) > 0 {
		s.deliver()
	}
	s.runDue()
}

func (s *sim) refundStatus(t *testing.T, o *simOrder) string {
	t.Helper()
	r, err := s.db.RefundForOrder(s.ctx, o.id)
	if err != nil {
		t.Fatal(err)
	}
	return r.Status
}
