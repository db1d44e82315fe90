package ssc_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/payment"
	sscsandbox "github.com/shebao-project/shebao/internal/sandbox/ssc"
)

func TestCardLimits(t *testing.T) {
	e := newEnv(t, func(c *sscsandbox.Config) {
		c.Limits = &sscsandbox.Limits{PerPaymentFen: 1000, PerDayFen: 1500}
	})
	_, err := e.p.Prepay(ctx, prepayRequest("SSC-lim-big", 1001, "oHolder_A1"))
	apiError(t, err, http.StatusForbidden, "SINGLE_LIMIT_EXCEEDED")

	// Two debits that each fit the day are both created; the second is
	// refused when confirmed, once the first has used the day's room.
	first, second := e.prepay("SSC-lim-1", 800), e.prepay("SSC-lim-2", 800)
	if _, res := e.confirm(first.CashierURL, "success", "123456"); res.State != "SUCCESS" {
		t.Fatalf("first: %+v", res)
	}
	e.rc.next(t)
	if _, res := e.confirm(second.CashierURL, "success", "123456"); res.Outcome != "limit" || res.State != "NOTPAY" || res.FailCode != "DAILY_LIMIT_EXCEEDED" {
		t.Fatalf("second: %+v", res)
	}
	_, err = e.p.Prepay(ctx, prepayRequest("SSC-lim-3", 800, "oHolder_A1"))
	apiError(t, err, http.StatusForbidden, "DAILY_LIMIT_EXCEEDED")
	if _, err := e.p.Prepay(ctx, prepayRequest("SSC-lim-4", 800, "oHolder_B2")); err != nil {
		t.Errorf("another holder's card has its own limit: %v", err)
	}
	// Raising the limit through the control plane lets the second through.
	if err := e.bank.SetLimits(sscsandbox.Limits{}); err != nil {
		t.Fatal(err)
	}
	if _, res := e.confirm(second.CashierURL, "success", "123456"); res.State != "SUCCESS" {
		t.Fatalf("second after raising: %+v", res)
	}
}

func TestBalanceFault(t *testing.T) {
	e := newEnv(t)
	e.setFaults(sscsandbox.Faults{BalanceFen: 999})
	pp := e.prepay("SSC-bal-1", 1000)
	if _, res := e.confirm(pp.CashierURL, "success", "123456"); res.Outcome != "insufficient" || res.State != "NOTPAY" {
		t.Fatalf("over the balance: %+v", res)
	}
}

func TestRouteFaultsAndLatency(t *testing.T) {
	e := newEnv(t)
	e.setFaults(sscsandbox.Faults{FailNext: []sscsandbox.RouteFault{{Route: "create", Status: 503, Code: "BANK_BUSY", Count: 2}}})
	for range 2 {
		_, err := e.p.Prepay(ctx, prepayRequest("SSC-busy-1", 100, "oHolder_A1"))
		apiError(t, err, http.StatusServiceUnavailable, "BANK_BUSY")
	}
	e.prepay("SSC-busy-1", 100) // the same request succeeds once the bank recovers

	e.setFaults(sscsandbox.Faults{LatencyMS: 300})
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := e.p.Query(short, "SSC-busy-1"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow bank: %v", err)
	}
	start := time.Now()
	e.query("SSC-busy-1")
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("query took %v under 300 ms latency", d)
	}
}

func TestDuplicateAndDroppedNotifications(t *testing.T) {
	e := newEnv(t)
	e.setFaults(sscsandbox.Faults{DuplicateNotifications: 2, DropNotifications: 1})
	first := e.pay("SSC-dup-1", 100)
	for range 2 {
		if n := e.rc.next(t); n.ID != first.ID || n.Txn.TransactionID != first.Txn.TransactionID {
			t.Errorf("copy %+v differs from %+v", n, first)
		}
	}
	e.rc.none(t)
	var attempts int
	for _, d := range e.bank.Notifications() {
		if !d.Delivered {
			t.Errorf("delivery %+v", d)
		}
		attempts += d.Attempts
	}
	if attempts != 4 { // three copies, one of whose attempts was dropped and retried
		t.Errorf("%d attempts, want 4", attempts)
	}
}

func TestNotificationRetriedThenGivenUp(t *testing.T) {
	e := newEnv(t)
	e.rc.fail.Store(1)
	n := e.pay("SSC-retry-1", 100)
	if n.Txn.TradeState != payment.TradeSuccess || e.rc.hits.Load() != 2 {
		t.Fatalf("after one failure: %+v, %d hits", n, e.rc.hits.Load())
	}
	e.rc.fail.Store(1000)
	e.pay2("SSC-retry-2")
	eventually(t, "given up", func() bool {
		for _, d := range e.bank.Notifications() {
			if d.OutTradeNo == "SSC-retry-2" {
				return d.Exhausted && d.Attempts == 3
			}
		}
		return false
	})
	// The agency's query is how it learns of a payment whose every
	// notification was lost.
	if txn := e.query("SSC-retry-2"); txn.TradeState != payment.TradeSuccess {
		t.Errorf("query: %+v", txn)
	}
}

// pay2 pays without waiting for a notification.
func (e *env) pay2(outTradeNo string) {
	e.t.Helper()
	pp := e.prepay(outTradeNo, 100)
	if _, res := e.confirm(pp.CashierURL, "success", "123456"); res.State != "SUCCESS" {
		e.t.Fatalf("pay %s: %+v", outTradeNo, res)
	}
}
