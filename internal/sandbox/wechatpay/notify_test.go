package wechatpay_test

import (
	"net/http"
	"testing"

	"github.com/shebao-project/shebao/internal/sandbox/wechatpay"
)

func deliveriesFor(e *env, outTradeNo string) []wechatpay.Delivery {
	var out []wechatpay.Delivery
	for _, d := range e.srv.Notifications() {
		if d.OutTradeNo == outTradeNo && d.EventType == "TRANSACTION.SUCCESS" {
			out = append(out, d)
		}
	}
	return out
}

func TestNotificationRetriedAfterFailure(t *testing.T) {
	e := newEnv(t)
	rc := newReceiver(t)
	rc.fail.Store(1)
	e.pay("SB-retry-1", 100, rc.url())
	n := rc.next(t)
	if n.req.EventType != "TRANSACTION.SUCCESS" {
		t.Fatalf("got %s", n.req.EventType)
	}
	eventually(t, "delivery recorded", func() bool {
		ds := deliveriesFor(e, "SB-retry-1")
		return len(ds) == 1 && ds[0].Delivered
	})
	d := deliveriesFor(e, "SB-retry-1")[0]
	if d.Attempts != 2 || d.LastStatus != http.StatusNoContent || rc.hits.Load() != 2 {
		t.Errorf("delivery %+v after %d hits", d, rc.hits.Load())
	}
	rc.none(t)
}

func TestNotificationGivenUpAfterSchedule(t *testing.T) {
	e := newEnv(t) // schedule 10ms, 10ms: three attempts in all
	rc := newReceiver(t)
	rc.fail.Store(1000)
	e.pay("SB-giveup-1", 100, rc.url())
	eventually(t, "give up", func() bool {
		ds := deliveriesFor(e, "SB-giveup-1")
		return len(ds) == 1 && ds[0].Exhausted
	})
	if d := deliveriesFor(e, "SB-giveup-1")[0]; d.Attempts != 3 || d.Delivered || d.LastStatus != 500 {
		t.Errorf("delivery %+v", d)
	}
}

func TestDuplicateAndDroppedNotifications(t *testing.T) {
	e := newEnv(t)
	rc := newReceiver(t)
	if err := e.srv.SetFaults(wechatpay.Faults{DuplicateNotifications: 2, DropNotifications: 1}); err != nil {
		t.Fatal(err)
	}
	e.pay("SB-dup-1", 100, rc.url())
	first := rc.next(t)
	for range 2 {
		if n := rc.next(t); n.req.ID != first.req.ID {
			t.Errorf("duplicate has id %s, want %s", n.req.ID, first.req.ID)
		}
	}
	rc.none(t)
	eventually(t, "all copies delivered", func() bool {
		ds := deliveriesFor(e, "SB-dup-1")
		for _, d := range ds {
			if !d.Delivered {
				return false
			}
		}
		return len(ds) == 3
	})
	attempts := 0
	for _, d := range deliveriesFor(e, "SB-dup-1") {
		attempts += d.Attempts
	}
	if attempts != 4 { // one copy lost once, then retried
		t.Errorf("%d attempts for 3 copies with one drop", attempts)
	}
	if f := e.srv.Faults(); f.DropNotifications != 0 || f.DuplicateNotifications != 2 {
		t.Errorf("faults after use: %+v", f)
	}
}

func TestResendNotification(t *testing.T) {
	e := newEnv(t)
	rc := newReceiver(t)
	e.pay("SB-resend-1", 100, rc.url())
	first := rc.next(t)
	var d wechatpay.Delivery
	if status := e.control("POST", "/control/notifications/SB-resend-1/resend", nil, &d); status != http.StatusAccepted || d.ID != first.req.ID {
		t.Fatalf("resend: %d %+v", status, d)
	}
	if n := rc.next(t); n.req.ID != first.req.ID || n.content["out_trade_no"] != "SB-resend-1" {
		t.Errorf("resent %s %v", n.req.ID, n.content)
	}
	var list []wechatpay.Delivery
	if status := e.control("GET", "/control/notifications", nil, &list); status != 200 || len(list) != 2 {
		t.Errorf("list: %d %+v", status, list)
	}
	var errBody map[string]any
	if status := e.control("POST", "/control/notifications/SB-unknown/resend", nil, &errBody); status != http.StatusNotFound {
		t.Errorf("resend unknown: %d %v", status, errBody)
	}
}

// TestReorderedNotifications lines up two payments before Run starts; with
// reorder on, the newer one is delivered first.
func TestReorderedNotifications(t *testing.T) {
	e := newEnv(t, withoutRun())
	rc := newReceiver(t)
	if err := e.srv.SetFaults(wechatpay.Faults{Reorder: true}); err != nil {
		t.Fatal(err)
	}
	e.pay("SB-order-1", 100, rc.url())
	e.pay("SB-order-2", 100, rc.url())
	e.startRun()
	rc.next(t)
	rc.next(t)
	if a, b := <-rc.order, <-rc.order; a != "SB-order-2" || b != "SB-order-1" {
		t.Errorf("arrival order %s, %s", a, b)
	}
}
