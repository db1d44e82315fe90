package ssc_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/payment/ssc"
	sscsandbox "github.com/shebao-project/shebao/internal/sandbox/ssc"
)

const mount = "/sandbox/ssc"

// creds is one merchant for the whole test binary; no test changes it.
var creds *sscsandbox.Credentials

func TestMain(m *testing.M) {
	c, err := sscsandbox.GenerateCredentials(nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "generate credentials:", err)
		os.Exit(1)
	}
	creds = c
	os.Exit(m.Run())
}

// clock is real time plus an offset the test controls: the bank and the
// agency each have one, so a test can put them minutes apart.
type clock struct{ offset atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) Set(d time.Duration)     { c.offset.Store(int64(d)) }
func (c *clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

type env struct {
	t         *testing.T
	bank      *sscsandbox.Server
	ts        *httptest.Server
	bankClock *clock
	ourClock  *clock
	rc        *receiver
	p         *ssc.Provider
}

// newEnv starts the bank sandbox behind httptest, mounted as the platform
// mounts it (no StripPrefix), with Run delivering on a 10 ms schedule, a
// receiver standing for our notify routes, and the provider wired exactly
// as the app wires it (Credentials.ProviderConfig).
func newEnv(t *testing.T, tweak ...func(*sscsandbox.Config)) *env {
	t.Helper()
	e := &env{t: t, bankClock: &clock{}, ourClock: &clock{}}
	cfg := sscsandbox.Config{
		Credentials: creds, MountPrefix: mount, Now: e.bankClock.Now, AllowHTTPNotify: true,
		NotifySchedule: []time.Duration{10 * time.Millisecond, 10 * time.Millisecond}, PollInterval: 5 * time.Millisecond,
	}
	for _, f := range tweak {
		f(&cfg)
	}
	bank, err := sscsandbox.NewServer(cfg)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle(mount+"/", bank)
	e.bank, e.ts = bank, httptest.NewServer(mux)
	t.Cleanup(e.ts.Close)
	e.rc = newReceiver(t)
	e.p = e.provider(nil)
	e.rc.p.Store(e.p)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { bank.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return e
}

// provider builds a provider for this env, changed by f (another key,
// another transport) for the security tests.
func (e *env) provider(f func(*ssc.Config)) *ssc.Provider {
	e.t.Helper()
	cfg := creds.ProviderConfig(e.ts.URL+mount, e.rc.ts.URL+"/notify", e.rc.ts.URL+"/refund-notify")
	cfg.Now = e.ourClock.Now
	if f != nil {
		f(&cfg)
	}
	p, err := ssc.New(cfg)
	if err != nil {
		e.t.Fatalf("ssc.New: %v", err)
	}
	return p
}

// expireAt is one expiry for every test order: the bank compares a repeated
// create request field by field, and the payment service always repeats
// the order's stored expiry.
var expireAt = time.Now().Add(3 * time.Hour)

func prepayRequest(outTradeNo string, fen int64, holder string) payment.PrepayRequest {
	return payment.PrepayRequest{OutTradeNo: outTradeNo, Description: "2026年3月灵活就业人员养老保险", AmountFen: money.Fen(fen),
		OpenID: holder, ExpireAt: expireAt}
}

func (e *env) prepay(outTradeNo string, fen int64) *payment.PayParams {
	e.t.Helper()
	pp, err := e.p.Prepay(context.Background(), prepayRequest(outTradeNo, fen, "oHolder_A1"))
	if err != nil {
		e.t.Fatalf("prepay %s: %v", outTradeNo, err)
	}
	return pp
}

// confirmResult is the JSON answer of POST /confirm/{token}.
type confirmResult struct {
	OutTradeNo string `json:"out_trade_no"`
	State      string `json:"state"`
	Outcome    string `json:"outcome"`
	FailCode   string `json:"fail_code"`
	Code       string `json:"code"` // on refusal
}

// confirm acts for the holder on the bank page, as a script would.
func (e *env) confirm(cashierURL, outcome, pin string) (int, confirmResult) {
	e.t.Helper()
	body, _ := json.Marshal(map[string]string{"outcome": outcome, "pin": pin})
	resp, err := http.Post(cashierURL, "application/json", bytes.NewReader(body))
	if err != nil {
		e.t.Fatalf("confirm: %v", err)
	}
	defer resp.Body.Close()
	var res confirmResult
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		e.t.Fatalf("confirm answer: %v", err)
	}
	return resp.StatusCode, res
}

// pay prepays and confirms with a PIN, then waits for the notification.
func (e *env) pay(outTradeNo string, fen int64) *payment.Notification {
	e.t.Helper()
	pp := e.prepay(outTradeNo, fen)
	if status, res := e.confirm(pp.CashierURL, "success", "135790"); status != 200 || res.State != "SUCCESS" {
		e.t.Fatalf("pay %s: %d %+v", outTradeNo, status, res)
	}
	return e.rc.next(e.t)
}

func (e *env) query(outTradeNo string) *payment.ProviderTxn {
	e.t.Helper()
	txn, err := e.p.Query(context.Background(), outTradeNo)
	if err != nil {
		e.t.Fatalf("query %s: %v", outTradeNo, err)
	}
	return txn
}

func (e *env) setFaults(f sscsandbox.Faults) {
	e.t.Helper()
	if err := e.bank.SetFaults(f); err != nil {
		e.t.Fatal(err)
	}
}

// received is what our notify route accepted.
type received struct {
	n      *payment.Notification
	refund *payment.RefundStatus
	id     string
}

// capture is a notification request as it arrived, to replay it.
type capture struct {
	header http.Header
	body   []byte
}

// receiver is our notify and refund-notify routes: it verifies with the
// provider exactly as payment.Service does, answers 204 or 400, and can be
// told to fail the next requests with 500.
type receiver struct {
	ts   *httptest.Server
	p    atomic.Pointer[ssc.Provider]
	fail atomic.Int32
	hits atomic.Int32
	got  chan received
	bad  chan error
	raw  chan capture
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{got: make(chan received, 64), bad: make(chan error, 64), raw: make(chan capture, 64)}
	rc.ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.hits.Add(1)
		body, _ := io.ReadAll(r.Body)
		select {
		case rc.raw <- capture{header: r.Header.Clone(), body: body}:
		default:
		}
		if rc.fail.Add(-1) >= 0 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		var got received
		var err error
		if strings.HasSuffix(r.URL.Path, "/refund-notify") {
			got.refund, got.id, err = rc.p.Load().ParseRefundNotification(r.Context(), r)
		} else {
			got.n, err = rc.p.Load().ParseNotification(r.Context(), r)
		}
		if err != nil {
			rc.bad <- err
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		rc.got <- got
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.ts.Close)
	return rc
}

func (rc *receiver) next(t *testing.T) *payment.Notification {
	t.Helper()
	g := rc.nextAny(t)
	if g.n == nil {
		t.Fatalf("got a refund notification %+v, want a debit one", g.refund)
	}
	return g.n
}

func (rc *receiver) nextAny(t *testing.T) received {
	t.Helper()
	select {
	case g := <-rc.got:
		return g
	case err := <-rc.bad:
		t.Fatalf("notification refused: %v", err)
	case <-time.After(3 * time.Second):
		t.Fatal("no notification arrived")
	}
	return received{}
}

// none asserts that no further notification is accepted for a little while.
func (rc *receiver) none(t *testing.T) {
	t.Helper()
	select {
	case g := <-rc.got:
		t.Fatalf("unexpected notification %+v", g)
	case <-time.After(100 * time.Millisecond):
	}
}

// eventually polls cond until it holds or three seconds pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// apiError asserts err carries the bank's verified error with this code.
func apiError(t *testing.T, err error, status int, code string) {
	t.Helper()
	var ae *ssc.APIError
	if !errors.As(err, &ae) || ae.Status != status || ae.Code != code {
		t.Fatalf("want bank error %d %s, got %v", status, code, err)
	}
}
