package app_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/app"
	"github.com/shebao-project/shebao/internal/config"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/payment"
)

// shiftClock is real time plus an offset the test moves forward, so that
// next month's collection day arrives without waiting for it; every part
// of the program (job runner, card bank sandbox, sessions) reads it.
type shiftClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *shiftClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// reset puts the clock back to real time.
func (c *shiftClock) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = 0
}

// advanceTo moves the clock to just after at.
func (c *shiftClock) advanceTo(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d := time.Until(at) + time.Second; d > c.offset {
		c.offset = d
	}
}

// startClockedApp boots the program on clock, checks `shebao audit` when
// the test ends as startApp does, and registers a Hangzhou flexible worker
// with this month's pension bill (Hangzhou's pack offers credit pay).
func startClockedApp(t *testing.T, clock *shiftClock) *env {
	t.Helper()
	return startClockedAppWith(t, clock, app.Options{})
}

// startClockedAppWith is startClockedApp with options (risk rules) set.
func startClockedAppWith(t *testing.T, clock *shiftClock, o app.Options) *env {
	t.Helper()
	dir, db := t.TempDir(), testDB(t)
	logs := &testLog{t: t}
	o.Now, o.Log = clock.Now, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	run, err := app.Start(t.Context(), config.Config{Addr: "127.0.0.1:0", DataDir: dir, DB: db, Demo: true, LogFormat: "text", LogLevel: "info"}, o)
	if err != nil {
		t.Fatalf("app.Start: %v", err)
	}
	e := &env{URL: run.URL, DataDir: dir, DB: db, run: run, logs: logs, hc: &http.Client{Timeout: 15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	t.Cleanup(func() {
		if err := e.stop(); err != nil {
			t.Errorf("Running.Stop: %v", err)
		}
		var out bytes.Buffer
		if code := app.Main([]string{"audit", "--data", dir, "--db", db}, nil, &out, &out); code != 0 {
			t.Errorf("shebao audit exit %d:\n%s", code, out.String())
		}
	})
	e.loadOpenAPI(t)
	p, err := run.App.Identity.Register(t.Context(), identity.NewPerson{ID: hzPerson, Region: "330100", Type: identity.Flexible,
		Name: "陈静", IDNumber: "330106199003071236", Phone: hzPhone})
	if err != nil {
		t.Fatal(err)
	}
	if err := run.App.Identity.Enrol(t.Context(), identity.Enrolment{PersonID: p.ID, Insurance: "110", Status: "active", Since: "2026-01", Base: "floor"}); err != nil {
		t.Fatal(err)
	}
	e.issueCurrent(t)
	return e
}

// issueCurrent issues the Hangzhou worker's bill for the clock's month, as
// the monthly bill run would.
func (e *env) issueCurrent(t *testing.T) {
	t.Helper()
	a := e.run.App
	p, err := a.Identity.Person(t.Context(), hzPerson)
	if err != nil {
		t.Fatal(err)
	}
	es, _ := a.Identity.Enrolments(t.Context(), p.ID)
	if err := a.Billing.EnsureCurrent(t.Context(), p, es); err != nil {
		t.Fatal(err)
	}
}

const hzPhone, hzPerson = "13900000033", "per_hz01"

type creditStatus struct {
	Terms struct {
		LimitFen int64 `json:"limit_fen"`
		RepayDay int   `json:"repay_day"`
	} `json:"terms"`
	Agreement *struct {
		Status   string `json:"status"`
		LimitFen int64  `json:"limit_fen"`
	} `json:"agreement"`
	OwedFen      int64 `json:"owed_fen"`
	AvailableFen int64 `json:"available_fen"`
	Credits      []struct {
		OrderID       string `json:"order_id"`
		AmountFen     int64  `json:"amount_fen"`
		Status        string `json:"status"`
		DueAt         string `json:"due_at"`
		NextAttemptAt string `json:"next_attempt_at"`
		Attempts      int    `json:"attempts"`
		LastFailure   string `json:"last_failure"`
	} `json:"credits"`
	CardReturns []struct {
		OrderID      string `json:"order_id"`
		AmountFen    int64  `json:"amount_fen"`
		RefundStatus string `json:"refund_status"`
		ReturnedAt   string `json:"returned_at"`
	} `json:"card_returns"`
}

func (e *env) credit(t *testing.T, token string) creditStatus {
	t.Helper()
	var st creditStatus
	e.call(t, http.MethodGet, "/api/v1/me/credit", token, nil, nil).want(t, http.StatusOK).json(t, &st)
	return st
}

// creditOrder signs the agreement and pays all the person's bills by
// credit; it returns the credited order.
func (e *env) creditOrder(t *testing.T, token string) order {
	t.Helper()
	bs := e.bills(t, token)
	// Without an agreement, credit pay is refused with what to do.
	wantError(t, e.call(t, http.MethodPost, "/api/v1/orders", token, keyHeader("credit-0"),
		map[string]any{"bill_ids": ids(bs), "channel": "credit_pay"}), http.StatusUnprocessableEntity, "credit_agreement_required", "channel")
	var st creditStatus
	e.call(t, http.MethodPost, "/api/v1/me/credit/agreement", token, nil, nil).want(t, http.StatusOK).json(t, &st)
	if st.Agreement == nil || st.Agreement.Status != "active" || st.Agreement.LimitFen != 500_000 || st.AvailableFen != 500_000 {
		t.Fatalf("agreement not active at the pack's limit: %+v", st)
	}
	var o order
	e.call(t, http.MethodPost, "/api/v1/orders", token, keyHeader("credit-1"),
		map[string]any{"bill_ids": ids(bs), "channel": "credit_pay"}).want(t, http.StatusCreated).json(t, &o)
	if o.Pay != nil {
		t.Errorf("a credit order hands out pay parameters: %+v", o.Pay)
	}
	got := e.waitState(t, token, o.ID, "credited")
	if len(e.vouchers(t, token, got.ID)) != 3 {
		t.Fatal("credit order credited without three vouchers")
	}
	return got
}

// TestE2ECreditPayRepaid: agreement (step-up session), an order credited at
// once by credit pay, and the next month's collection from the card
// account on the pack's repayment day; the audit at the end checks that
// credit receivable is back to zero.
func TestE2ECreditPayRepaid(t *testing.T) {
	t.Parallel()
	clock := &shiftClock{}
	e := startClockedApp(t, clock)
	token, _ := e.login(t, hzPhone)
	o := e.creditOrder(t, token)

	st := e.credit(t, token)
	if len(st.Credits) != 1 || st.Credits[0].OrderID != o.ID || st.Credits[0].Status != "outstanding" || st.OwedFen != o.AmountFen {
		t.Fatalf("credit after the order: %+v", st)
	}
	due, err := time.Parse(time.RFC3339, st.Credits[0].DueAt)
	if err != nil {
		t.Fatal(err)
	}
	want := payment.RepayDue(clock.Now(), 15)
	if !due.Equal(want) || due.In(payment.Beijing()).Day() != 15 {
		t.Fatalf("due %s, want the 15th of next month at 09:00 Beijing time (%s)", due, want)
	}
	if st.AvailableFen != 500_000-o.AmountFen {
		t.Errorf("available %d, want the limit less what is owed", st.AvailableFen)
	}
	// While the credit is outstanding, the books say so: `shebao audit`
	// is clean with credit receivable equal to the credit.
	var out bytes.Buffer
	if code := app.Main([]string{"audit", "--json", "--data", e.DataDir, "--db", e.DB}, nil, &out, &out); code != 0 {
		t.Fatalf("audit with a credit outstanding: exit %d: %s", code, out.String())
	}
	var rep struct {
		Balances map[string]int64 `json:"balances_fen"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Balances["credit_receivable"] != o.AmountFen {
		t.Errorf("credit receivable %d fen, want the outstanding credit %d", rep.Balances["credit_receivable"], o.AmountFen)
	}

	clock.advanceTo(due)
	token, _ = e.login(t, hzPhone) // a month later the first session has expired
	eventually(t, "the credit repaid on its due day", func() bool {
		st = e.credit(t, token)
		return st.Credits[0].Status == "repaid"
	})
	if st.OwedFen != 0 || st.AvailableFen != 500_000 {
		t.Errorf("after repayment: owed %d, available %d", st.OwedFen, st.AvailableFen)
	}
}

// TestE2ECreditPayOverdue: the card account cannot cover the repayment;
// collection is retried on the pack's schedule, then the credit is overdue
// and credit pay suspended (a new credit order is refused); once the person
// tops up and repays, credit pay is active again.
func TestE2ECreditPayOverdue(t *testing.T) {
	t.Parallel()
	clock := &shiftClock{}
	e := startClockedApp(t, clock)
	token, _ := e.login(t, hzPhone)
	e.creditOrder(t, token)
	// The card account holds 1 fen.
	e.raw(t, http.MethodPost, "/sandbox/ssc/control/faults", nil, map[string]int{"balance_fen": 1}).want(t, http.StatusOK)

	st := e.credit(t, token)
	for attempt := 1; attempt <= 3; attempt++ {
		next := st.Credits[0].DueAt
		if attempt > 1 {
			next = st.Credits[0].NextAttemptAt
		}
		at, err := time.Parse(time.RFC3339, next)
		if err != nil {
			t.Fatalf("attempt %d: next attempt %q: %v", attempt, next, err)
		}
		clock.advanceTo(at)
		token, _ = e.login(t, hzPhone)
		eventually(t, "a failed collection recorded", func() bool {
			st = e.credit(t, token)
			return st.Credits[0].Attempts == attempt
		})
		if st.Credits[0].LastFailure != "INSUFFICIENT_BALANCE" {
			t.Fatalf("attempt %d failed with %q", attempt, st.Credits[0].LastFailure)
		}
	}
	if st.Credits[0].Status != "overdue" || st.Agreement.Status != "suspended" || st.AvailableFen != 0 {
		t.Fatalf("after the last retry: %+v", st)
	}
	// Suspended: no new credit, with the way out in the message.
	e.issueCurrent(t) // this month's bill, which the person now wants to pay
	r := wantError(t, e.call(t, http.MethodPost, "/api/v1/orders", token, keyHeader("credit-2"),
		map[string]any{"bill_ids": ids(e.bills(t, token)), "channel": "credit_pay"}), http.StatusUnprocessableEntity, "credit_suspended", "channel")
	if !strings.Contains(r.Error.MessageEn, "repay") {
		t.Errorf("suspension message does not say how to repay: %q", r.Error.MessageEn)
	}
	// Repaying with the account still empty says why it failed.
	wantError(t, e.call(t, http.MethodPost, "/api/v1/me/credit/repay", token, nil, nil), http.StatusUnprocessableEntity, "credit_repay_failed", "")

	// The person tops up and repays: the credit is settled, credit pay resumes.
	e.raw(t, http.MethodPost, "/sandbox/ssc/control/faults", nil, map[string]int{"balance_fen": 0}).want(t, http.StatusOK)
	e.call(t, http.MethodPost, "/api/v1/me/credit/repay", token, nil, nil).want(t, http.StatusOK).json(t, &st)
	if st.Credits[0].Status != "repaid" || st.Agreement.Status != "active" || st.OwedFen != 0 {
		t.Fatalf("after manual repayment: %+v", st)
	}
}

// TestE2ECreditPayNotPosted: a credit order the core system never accepts
// is given up after 72 hours like any payment, and its "refund" writes the
// credit off: nothing is collected next month, the bill is due again, and
// the audit finds credit receivable back at zero.
func TestE2ECreditPayNotPosted(t *testing.T) {
	t.Parallel()
	clock := &shiftClock{}
	e := startClockedApp(t, clock)
	token, _ := e.login(t, hzPhone)
	e.call(t, http.MethodPost, "/api/v1/me/credit/agreement", token, nil, nil).want(t, http.StatusOK)
	e.raw(t, http.MethodPost, "/sandbox/core/control/faults", nil, map[string]int{"fail_next": 100000}).want(t, http.StatusOK)
	var o order
	e.call(t, http.MethodPost, "/api/v1/orders", token, keyHeader("credit-np"),
		map[string]any{"bill_ids": ids(e.bills(t, token)), "channel": "credit_pay"}).want(t, http.StatusCreated).json(t, &o)
	if o.State != "posting" {
		t.Fatalf("credit order is %s, want posting (paid by credit, waiting for the core system)", o.State)
	}
	if st := e.credit(t, token); st.OwedFen != o.AmountFen {
		t.Fatalf("owed %d while posting, want %d", st.OwedFen, o.AmountFen)
	}

	clock.advanceTo(clock.Now().Add(73 * time.Hour))
	token, _ = e.login(t, hzPhone)
	e.waitState(t, token, o.ID, "refunded")
	st := e.credit(t, token)
	if len(st.Credits) != 1 || st.Credits[0].Status != "cancelled" || st.OwedFen != 0 || st.AvailableFen != 500_000 {
		t.Fatalf("credit after the order was given up: %+v", st)
	}
	for _, b := range e.bills(t, token) {
		if b.ID == o.BillIDs[0] && b.Status != "due" {
			t.Errorf("bill %s is %s, want due again", b.ID, b.Status)
		}
	}
}
