package ssc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	payssc "github.com/shebao-project/shebao/internal/payment/ssc"
	"github.com/shebao-project/shebao/internal/sandbox/ssc"
)

// control calls a control-plane endpoint and decodes its JSON answer.
func (e *env) control(method, path, body string, out any) int {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.ts.URL+mount+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("%s %s: %s", method, path, raw)
		}
	}
	return resp.StatusCode
}

func TestControlFaults(t *testing.T) {
	e := newEnv(t)
	for _, bad := range []string{`{"drop_notification":1}`, `{"fail_next":[{"route":"pay"}]}`,
		`{"fail_next":[{"route":"query","status":302}]}`, `{"wrong_pin":"12"}`, `{"latency_ms":-1}`} {
		if status := e.control("POST", "/control/faults", bad, nil); status != http.StatusBadRequest {
			t.Errorf("%s: %d", bad, status)
		}
	}
	var f ssc.Faults
	if status := e.control("POST", "/control/faults", `{"fail_next":[{"route":"query"}],"balance_fen":5}`, &f); status != 200 ||
		len(f.FailNext) != 1 || f.FailNext[0].Status != 500 || f.FailNext[0].Code != "SYSTEM_ERROR" || f.FailNext[0].Count != 1 {
		t.Fatalf("set: %d %+v", status, f)
	}
	_, err := e.p.Query(context.Background(), "SSC-x-000001")
	if !payssc.IsCode(err, "SYSTEM_ERROR") {
		t.Errorf("injected failure: %v", err)
	}
	if e.control("GET", "/control/faults", "", &f); len(f.FailNext) != 0 || f.BalanceFen != 5 {
		t.Errorf("after use: %+v", f)
	}
}

func TestControlLimits(t *testing.T) {
	e := newEnv(t)
	var l ssc.Limits
	if e.control("GET", "/control/limits", "", &l); l != ssc.DefaultLimits() {
		t.Errorf("default limits %+v", l)
	}
	if status := e.control("POST", "/control/limits", `{"per_payment_fen":-1}`, nil); status != http.StatusBadRequest {
		t.Errorf("negative limit: %d", status)
	}
	if status := e.control("POST", "/control/limits", `{"per_payment_fen":100,"per_day_fen":0}`, &l); status != 200 || l.PerPaymentFen != 100 {
		t.Fatalf("set: %d %+v", status, l)
	}
	_, err := e.p.Prepay(context.Background(), prepayOf("SSC-lim-1", 101))
	if !payssc.IsCode(err, "SINGLE_LIMIT_EXCEEDED") {
		t.Errorf("over the new limit: %v", err)
	}
}

func TestNotificationsAndResend(t *testing.T) {
	e := newEnv(t)
	link := e.debit("SSC-note-1", 100)
	body, _ := json.Marshal(map[string]string{"outcome": "success", "pin": "123456"})
	resp, err := http.Post(link, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	first := <-e.hits
	var list []ssc.Delivery
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if e.control("GET", "/control/notifications", "", &list); len(list) == 1 && list[0].Delivered || time.Now().After(deadline) {
			break
		}
	}
	if len(list) != 1 || !list[0].Delivered || list[0].EventType != "DEBIT.SUCCESS" || list[0].Attempts != 1 {
		t.Fatalf("deliveries %+v", list)
	}
	var d ssc.Delivery
	if status := e.control("POST", "/control/notifications/SSC-note-1/resend", "", &d); status != http.StatusAccepted || d.ID != list[0].ID || !d.Copy {
		t.Fatalf("resend: %d %+v", status, d)
	}
	second := <-e.hits
	if first.Header.Get("SSC-Nonce") == second.Header.Get("SSC-Nonce") {
		t.Error("a resend must be signed afresh")
	}
	if status := e.control("POST", "/control/notifications/SSC-none/resend", "", nil); status != http.StatusNotFound {
		t.Errorf("resend unknown: %d", status)
	}
}

func TestStatementDates(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tomorrow := time.Now().Add(24 * time.Hour).In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
	if _, err := e.p.TradeBill(ctx, tomorrow); !payssc.IsCode(err, "PARAM_ERROR") {
		t.Errorf("tomorrow: %v", err)
	}
	if rows, err := e.p.TradeBill(ctx, time.Now().Add(-48*time.Hour).Format(time.DateOnly)); err != nil || rows != nil {
		t.Errorf("a day without trades: %v %v", err, rows)
	}
}
