package wechatpay

import (
	"fmt"
	"net/http"
	"slices"
)

// Faults is the fault-injection setting, the body of POST /control/faults.
// The point is to let tests and demos provoke what WeChat Pay does on a bad
// day: duplicated, lost and reordered notifications, transient errors,
// slowness, and a payer without enough balance.
type Faults struct {
	// DuplicateNotifications delivers each new notification this many extra
	// times, with the same id (WeChat may notify more than once).
	DuplicateNotifications int `json:"duplicate_notifications"`
	// DropNotifications loses the next this-many delivery attempts, which
	// are then retried on the schedule like any failed attempt.
	DropNotifications int `json:"drop_notifications"`
	// Reorder delivers the notifications that fall due together newest
	// first, one after another, so an order's refund can arrive before its
	// payment.
	Reorder bool `json:"reorder"`
	// FailNext answers the next calls to a route with an error instead.
	FailNext []RouteFault `json:"fail_next"`
	// LatencyMS delays every API call by this many milliseconds.
	LatencyMS int `json:"latency_ms"`
	// InsufficientLimitFen, when positive, is the payer's balance: paying
	// more fails with 余额不足 whatever the cashier button says.
	InsufficientLimitFen int64 `json:"insufficient_limit_fen"`
	// RefundStatuses ends the next refunds to settle, one each in order,
	// in these statuses instead of SUCCESS: "CLOSED" (the refund failed and
	// the money stays with the merchant, who may refund again under a new
	// out_refund_no) or "ABNORMAL" (the payer's account refused it; WeChat
	// expects the merchant to reroute it). Their REFUND.CLOSED and
	// REFUND.ABNORMAL notifications are sent as WeChat sends them.
	RefundStatuses []string `json:"refund_statuses"`
}

// RouteFault makes the next Count calls to Route fail with Status and Code.
type RouteFault struct {
	Route   string `json:"route"` // prepay, query, close, refund or bill
	Status  int    `json:"status"`
	Code    string `json:"code"`
	Message string `json:"message,omitempty"`
	Count   int    `json:"count"`
}

func faultRoutes() []string {
	return []string{routePrepay, routeQuery, routeClose, routeRefund, routeBill}
}

// normalize fills defaults (500 SYSTEM_ERROR once) and rejects settings that
// cannot mean anything.
func (f *Faults) normalize() error {
	if f.DuplicateNotifications < 0 || f.DropNotifications < 0 || f.LatencyMS < 0 || f.InsufficientLimitFen < 0 {
		return fmt.Errorf("fault counts must not be negative")
	}
	if f.LatencyMS > 60_000 {
		return fmt.Errorf("latency_ms must be at most 60000")
	}
	for i, st := range f.RefundStatuses {
		if st != refundClosed && st != refundAbnormal {
			return fmt.Errorf("refund_statuses[%d]: %q is not %s or %s", i, st, refundClosed, refundAbnormal)
		}
	}
	for i := range f.FailNext {
		rf := &f.FailNext[i]
		if !slices.Contains(faultRoutes(), rf.Route) {
			return fmt.Errorf("fail_next[%d]: route %q is not one of %v", i, rf.Route, faultRoutes())
		}
		if rf.Status == 0 {
			rf.Status = http.StatusInternalServerError
		}
		if rf.Status < 400 || rf.Status > 599 {
			return fmt.Errorf("fail_next[%d]: status %d is not an error status", i, rf.Status)
		}
		if rf.Code == "" {
			rf.Code = "SYSTEM_ERROR"
		}
		if rf.Message == "" {
			rf.Message = "沙箱注入的故障：" + rf.Code
		}
		if rf.Count <= 0 {
			rf.Count = 1
		}
	}
	return nil
}

// SetFaults replaces the fault setting, as POST /control/faults does.
func (s *Server) SetFaults(f Faults) error {
	f.FailNext = slices.Clone(f.FailNext)
	f.RefundStatuses = slices.Clone(f.RefundStatuses)
	if err := f.normalize(); err != nil {
		return fmt.Errorf("wechatpay sandbox: %w", err)
	}
	s.mu.Lock()
	s.faults = f
	s.mu.Unlock()
	return nil
}

// Faults returns the current setting, with the counts still left.
func (s *Server) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults
	f.FailNext = slices.Clone(f.FailNext)
	f.RefundStatuses = slices.Clone(f.RefundStatuses)
	return f
}

// takeRouteFault consumes one injected failure for route, if any is left.
func (s *Server) takeRouteFault(route string) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.faults.FailNext {
		rf := &s.faults.FailNext[i]
		if rf.Route != route || rf.Count <= 0 {
			continue
		}
		rf.Count--
		ae := newAPIError(rf.Status, rf.Code, rf.Message)
		if rf.Count == 0 {
			s.faults.FailNext = slices.Delete(s.faults.FailNext, i, i+1)
		}
		return ae
	}
	return nil
}
