package payment_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/payment"
)

// TestRefundRetry plays an operator retrying failed refunds in the
// simulated world, ending with the simulation's drain and checks (among
// them: the provider never refunds a trade more than was paid).
func TestRefundRetry(t *testing.T) {
	closed := func(t *testing.T, s *sim, o *simOrder) string {
		t.Helper()
		s.refundHold(t, o)
		orn := s.prov.byOTN[o.otn].orn
		s.prov.byORN[orn].outcome = payment.RefundClosed
		s.settle(time.Hour)
		if r := s.refund(t, o); r.Status != "failed" || r.ProviderStatus != payment.RefundClosed {
			t.Fatalf("refund after CLOSED: %s (%s), want failed (CLOSED)", r.Status, r.ProviderStatus)
		}
		return orn
	}
	tests := []struct {
		name string
		play func(t *testing.T, s *sim, o *simOrder)
		want payment.State
	}{
		{"a closed refund is retried under a new out_refund_no and succeeds", func(t *testing.T, s *sim, o *simOrder) {
			old := closed(t, s, o)
			res, err := s.svc.RetryRefund(s.ctx, o.id, "operator li.na", "closed by the provider")
			if err != nil || res.Applied || res.OldOutRefundNo != old || res.OutRefundNo != old+"-2" || res.Attempt != 2 {
				t.Fatalf("retry: %+v %v", res, err)
			}
			if r := s.refund(t, o); r.Status != "requested" || r.OutRefundNo != old+"-2" || r.Attempt != 2 {
				t.Fatalf("after retry the refund is %+v", r)
			}
			if _, err := s.svc.RetryRefund(s.ctx, o.id, "operator wang", "again"); code(err) != "refund_not_failed" {
				t.Fatalf("second retry: %v, want refund_not_failed", err)
			}
			s.settle(time.Hour)
			if r, err := s.db.RefundByOutRefundNo(s.ctx, old); err != nil || r.OrderID != o.id || r.Status != "failed" || r.Attempt != 1 {
				t.Fatalf("the first attempt by its number: %+v %v", r, err)
			}
			s.wantEvent(t, o, "refund retried by operator li.na")
		}, payment.Refunded},
		{"a refund under way is not retried", func(t *testing.T, s *sim, o *simOrder) {
			s.refundHold(t, o)
			if _, err := s.svc.RetryRefund(s.ctx, o.id, "op1", "impatient"); code(err) != "refund_not_failed" {
				t.Fatalf("retry of a processing refund: %v, want refund_not_failed", err)
			}
			if r := s.refund(t, o); r.Attempt != 1 || r.Status != "processing" {
				t.Fatalf("the refund changed: %+v", r)
			}
		}, payment.Refunded},
		{"an abnormal refund is not retried (it may still be rerouted)", func(t *testing.T, s *sim, o *simOrder) {
			s.refundHold(t, o)
			s.prov.byORN[s.prov.byOTN[o.otn].orn].outcome = payment.RefundAbnormal
			s.settle(time.Hour)
			if _, err := s.svc.RetryRefund(s.ctx, o.id, "op1", "abnormal"); code(err) != "refund_abnormal" {
				t.Fatalf("retry of an abnormal refund: %v, want refund_abnormal", err)
			}
			if !s.failedRefund() {
				t.Fatal("no abnormal refund to reroute")
			}
		}, payment.Refunded},
		{"a refund refused for 72 hours is retried (the provider never had it)", func(t *testing.T, s *sim, o *simOrder) {
			s.prov.byOTN[o.otn].stuck = true
			s.refundHold(t, o)
			s.settle(73 * time.Hour)
			if r := s.refund(t, o); r.Status != "failed" || r.ProviderStatus != "REFUSED" {
				t.Fatalf("refund refused 73 hours: %+v", r)
			}
			s.prov.byOTN[o.otn].stuck = false
			if res, err := s.svc.RetryRefund(s.ctx, o.id, "op1", "account fixed"); err != nil || res.Attempt != 2 {
				t.Fatalf("retry: %+v %v", res, err)
			}
			s.settle(time.Hour)
		}, payment.Refunded},
		{"the provider cannot be asked: no retry", func(t *testing.T, s *sim, o *simOrder) {
			closed(t, s, o)
			s.faults.providerErr = 1
			if _, err := s.svc.RetryRefund(s.ctx, o.id, "op1", "closed"); code(err) != "refund_query_failed" {
				t.Fatalf("retry while the provider is down: %v, want refund_query_failed", err)
			}
			s.faults.providerErr = 0
			if r := s.refund(t, o); r.Attempt != 1 || r.Status != "failed" {
				t.Fatalf("the refund changed: %+v", r)
			}
			if _, err := s.svc.RetryRefund(s.ctx, o.id, "op1", "closed"); err != nil {
				t.Fatal(err)
			}
			s.settle(time.Hour)
		}, payment.Refunded},
		{"a success found by the query is applied, not retried", func(t *testing.T, s *sim, o *simOrder) {
			old := closed(t, s, o)
			s.paidAfterAll(old)
			res, err := s.svc.RetryRefund(s.ctx, o.id, "op1", "closed")
			if err != nil || !res.Applied {
				t.Fatalf("retry of a refund that succeeded after all: %+v %v", res, err)
			}
			if r := s.refund(t, o); r.Attempt != 1 || r.Status != "succeeded" {
				t.Fatalf("refund: %+v", r)
			}
		}, payment.Refunded},
		{"a late success of the earlier attempt is applied once; the new one is not sent", func(t *testing.T, s *sim, o *simOrder) {
			old := closed(t, s, o)
			if _, err := s.svc.RetryRefund(s.ctx, o.id, "op1", "closed"); err != nil {
				t.Fatal(err)
			}
			// Before the new attempt's job runs, the provider reports the
			// first one succeeded after all, twice.
			s.paidAfterAll(old)
			rf := s.prov.byORN[old]
			s.prov.notify(&simNotice{Event: "REFUND.SUCCESS", Refund: *rf.status()})
			s.prov.notify(&simNotice{Event: "REFUND.SUCCESS", Refund: *rf.status()})
			s.settle(time.Hour)
			if s.prov.byORN[old+"-2"] != nil {
				t.Fatal("the second attempt was sent after the first one succeeded")
			}
			r, err := s.db.RefundByOutRefundNo(s.ctx, old)
			if err != nil || r.Status != "succeeded" {
				t.Fatalf("first attempt: %+v %v", r, err)
			}
			if r := s.refund(t, o); r.Status != "succeeded" || r.Attempt != 2 {
				t.Fatalf("refund: %+v", r)
			}
		}, payment.Refunded},
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

// TestRefundPaidTwiceIsFlagged: should a second attempt pay out after an
// earlier one did (which the query before each retry is there to prevent),
// the ledger still pays the refund once and the order's events say so.
func TestRefundPaidTwiceIsFlagged(t *testing.T) {
	s := newSim(t, 1, testing.Verbose())
	s.faults = simFaults{pay: 1, mismatch: 1}
	o := s.paid(t)
	s.faults.mismatch = 0
	s.refundHold(t, o)
	old := s.prov.byOTN[o.otn].orn
	s.prov.byORN[old].outcome = payment.RefundClosed
	s.settle(time.Hour)
	if _, err := s.svc.RetryRefund(s.ctx, o.id, "op1", "closed"); err != nil {
		t.Fatal(err)
	}
	s.settle(time.Hour) // the second attempt succeeds
	if got := s.state(o.id); got != payment.Refunded {
		t.Fatalf("order is %s", got)
	}
	// The provider now says the first one succeeded too.
	s.prov.notify(&simNotice{Event: "REFUND.SUCCESS", Refund: payment.RefundStatus{OutRefundNo: old, Status: payment.RefundSuccess}})
	s.settle(time.Minute)
	s.wantEvent(t, o, "DOUBLE REFUND: "+old)
	if r, err := s.db.RefundByOutRefundNo(s.ctx, old); err != nil || r.Status != "succeeded" {
		t.Fatalf("first attempt: %+v %v", r, err)
	}
}

func code(err error) string {
	if e, ok := apperr.As(err); ok {
		return e.Code
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func (s *sim) refund(t *testing.T, o *simOrder) payment.Refund {
	t.Helper()
	r, err := s.db.RefundForOrder(s.ctx, o.id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (s *sim) wantEvent(t *testing.T, o *simOrder, prefix string) {
	t.Helper()
	es, err := s.db.OrderEvents(s.ctx, o.id)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if strings.HasPrefix(e.Reason, prefix) {
			return
		}
	}
	t.Fatalf("no order event %q in %+v", prefix, es)
}

// paidAfterAll makes a closed refund at the provider a success after all
// (no real provider does this to a CLOSED refund; it stands for any word
// of success about an earlier attempt), its money leaving the trade again.
func (s *sim) paidAfterAll(orn string) {
	rf := s.prov.byORN[orn]
	t := s.prov.byOTN[rf.otn]
	rf.state, rf.outcome, rf.successAt = payment.RefundSuccess, payment.RefundSuccess, s.clock.Now()
	t.refunded += rf.amount
	t.orn = orn
}

// TestWeChatPayUnknownRefund: WeChat Pay's 404 RESOURCE_NOT_EXISTS for a
// refund query is payment.ErrRefundNotFound, which lets a refund it never
// accepted be retried under a new number.
func TestWeChatPayUnknownRefund(t *testing.T) {
	h := newHarness(t)
	if _, err := h.provider.QueryRefund(t.Context(), "RF-none"); !errors.Is(err, payment.ErrRefundNotFound) {
		t.Fatalf("query of an unknown refund: %v, want ErrRefundNotFound", err)
	}
}
