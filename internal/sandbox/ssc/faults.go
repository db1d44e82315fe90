package ssc

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"time"
)

// Faults is the fault-injection setting, the body of POST /control/faults:
// what a bank does on a bad day, so tests and demos can provoke it.
type Faults struct {
	// DuplicateNotifications delivers each new notification this many extra
	// times, with the same id.
	DuplicateNotifications int `json:"duplicate_notifications"`
	// DropNotifications loses the next this-many delivery attempts, which
	// are then retried on the schedule like any failed attempt.
	DropNotifications int `json:"drop_notifications"`
	// FailNext answers the next calls to a route with an error instead.
	FailNext []RouteFault `json:"fail_next"`
	// LatencyMS delays every protocol call by this many milliseconds.
	LatencyMS int `json:"latency_ms"`
	// BalanceFen, when positive, is the card account's balance: confirming
	// a larger debit fails with INSUFFICIENT_BALANCE.
	BalanceFen int64 `json:"balance_fen"`
	// WrongPIN, when set, is a PIN the bank rejects as wrong, so a person
	// testing by hand can provoke WRONG_PIN by typing it.
	WrongPIN string `json:"wrong_pin"`
	// RefundsAbnormal, while set, ends each refund that settles ABNORMAL
	// (the card can no longer be credited) instead of SUCCESS: the money
	// stays with the merchant and an operator must act, as the protocol
	// brief says.
	RefundsAbnormal bool `json:"refunds_abnormal"`
}

// RouteFault makes the next Count calls to Route fail with Status and Code.
type RouteFault struct {
	Route   string `json:"route"` // create, query, close, refund, statement, mandate or collect
	Status  int    `json:"status"`
	Code    string `json:"code"`
	Message string `json:"message,omitempty"`
	Count   int    `json:"count"`
}

var validPIN = regexp.MustCompile(`^[0-9]{6}$`)

func faultRoutes() []string {
	return []string{routeCreate, routeQuery, routeClose, routeRefund, routeStatement, routeMandate, routeCollect}
}

// normalize fills defaults (500 SYSTEM_ERROR once) and refuses settings
// that cannot mean anything, so a typo does not silently inject nothing.
func (f *Faults) normalize() error {
	switch {
	case f.DuplicateNotifications < 0 || f.DropNotifications < 0 || f.LatencyMS < 0 || f.BalanceFen < 0:
		return errors.New("fault counts must not be negative")
	case f.LatencyMS > 60_000:
		return errors.New("latency_ms must be at most 60000")
	case f.WrongPIN != "" && !validPIN.MatchString(f.WrongPIN):
		return errors.New("wrong_pin must be 6 digits")
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
	if err := f.normalize(); err != nil {
		return fmt.Errorf("ssc sandbox: %w", err)
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

// Limits are the card account's debit limits, which banks set per card
// (and which the agency's own per-channel limits should not exceed).
// Zero means no limit.
type Limits struct {
	PerPaymentFen int64 `json:"per_payment_fen"`
	PerDayFen     int64 `json:"per_day_fen"`
}

// DefaultLimits are typical of a social security card's financial account:
// 20,000 yuan a payment and 50,000 yuan a day.
func DefaultLimits() Limits { return Limits{PerPaymentFen: 2_000_000, PerDayFen: 5_000_000} }

func (l Limits) check() error {
	if l.PerPaymentFen < 0 || l.PerDayFen < 0 {
		return errors.New("limits must not be negative")
	}
	return nil
}

// SetLimits replaces the card limits, as POST /control/limits does.
func (s *Server) SetLimits(l Limits) error {
	if err := l.check(); err != nil {
		return fmt.Errorf("ssc sandbox: %w", err)
	}
	s.mu.Lock()
	s.limits = l
	s.mu.Unlock()
	return nil
}

// Limits returns the card limits in force.
func (s *Server) Limits() Limits {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limits
}

// checkLimitsLocked refuses a debit the card's limits do not allow: at
// creation, and again at confirmation, because other debits of the same
// card may have succeeded in between.
func (s *Server) checkLimitsLocked(holderRef string, amount int64, now time.Time) *apiError {
	l := s.limits
	if l.PerPaymentFen > 0 && amount > l.PerPaymentFen {
		return newAPIError(http.StatusForbidden, "SINGLE_LIMIT_EXCEEDED",
			fmt.Sprintf("超过社保卡金融账户单笔限额%d.%02d元", l.PerPaymentFen/100, l.PerPaymentFen%100))
	}
	if used := s.dayUsed[holderRef+"|"+dayOf(now)]; l.PerDayFen > 0 && used+amount > l.PerDayFen {
		return newAPIError(http.StatusForbidden, "DAILY_LIMIT_EXCEEDED",
			fmt.Sprintf("超过社保卡金融账户日累计限额%d.%02d元，今日已用%d.%02d元", l.PerDayFen/100, l.PerDayFen%100, used/100, used%100))
	}
	return nil
}
