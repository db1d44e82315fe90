package app_test

// Helpers for the end-to-end tests: boot the real program on 127.0.0.1:0
// with its own data directory, and talk to it over HTTP. Every answer from
// /api/v1/* and /healthz is checked against the OpenAPI document the server
// publishes, so the document cannot drift from what the API does.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/shebao-project/shebao/internal/app"
	"github.com/shebao-project/shebao/internal/config"
	"github.com/shebao-project/shebao/internal/sandbox/sms"
)

var e2eLogLevel = flag.String("e2e.loglevel", "warn", "level of the booted servers' logs shown through t.Log")

// env is one running shebao with its own data directory.
type env struct {
	URL     string
	DataDir string
	DB      string // "" for SQLite in DataDir, else the PostgreSQL URL
	run     *app.Running
	hc      *http.Client // no cookies, redirects not followed
	doc     *openapi3.T
	router  routers.Router

	stopOnce sync.Once
	stopErr  error
	logs     *testLog

	directMu sync.Mutex
	direct   *sql.DB // sqlDB's pool, opened on first use
}

// startApp boots the real program and stops it when the test ends.
func startApp(t *testing.T) *env {
	t.Helper()
	return startAppAt(t, t.TempDir(), testDB(t))
}

// restart boots the program again on a stopped env's data directory and
// database.
func restart(t *testing.T, e *env) *env {
	t.Helper()
	return startAppAt(t, e.DataDir, e.DB)
}

func startAppAt(t *testing.T, dir, db string) *env {
	t.Helper()
	var level slog.Level
	if err := level.UnmarshalText([]byte(*e2eLogLevel)); err != nil {
		t.Fatalf("-e2e.loglevel: %v", err)
	}
	logs := &testLog{t: t}
	run, err := app.Start(t.Context(), config.Config{Addr: "127.0.0.1:0", DataDir: dir, DB: db, Demo: true, LogFormat: "text", LogLevel: "info"},
		app.Options{
			NotifySchedule: []time.Duration{20 * time.Millisecond, 40 * time.Millisecond, 80 * time.Millisecond, 160 * time.Millisecond},
			Log:            slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: level})),
		})
	if err != nil {
		t.Fatalf("app.Start: %v", err)
	}
	e := &env{URL: run.URL, DataDir: dir, DB: db, run: run, logs: logs, hc: &http.Client{
		Timeout:       15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	t.Cleanup(func() {
		if err := e.stop(); err != nil {
			t.Errorf("Running.Stop: %v", err)
		}
		// Whatever the test did, the books must balance afterwards.
		var out bytes.Buffer
		if code := app.Main([]string{"audit", "--data", dir, "--db", db}, nil, &out, &out); code != 0 {
			t.Errorf("shebao audit exit %d:\n%s", code, out.String())
		}
	})
	e.loadOpenAPI(t)
	return e
}

// stop stops the server once; later calls return the first answer.
func (e *env) stop() error {
	e.stopOnce.Do(func() {
		e.stopErr = e.run.Stop(10 * time.Second)
		e.hc.CloseIdleConnections()
		e.logs.close()
	})
	return e.stopErr
}

// testLog sends the server's log to t.Log until the server has stopped.
type testLog struct {
	mu   sync.Mutex
	t    *testing.T
	done bool
}

func (l *testLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.done {
		l.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (l *testLog) close() { l.mu.Lock(); l.done = true; l.mu.Unlock() }

// loadOpenAPI fetches /api/v1/openapi.json from the server, validates it as
// an OpenAPI 3 document and builds the router responses are checked with.
func (e *env) loadOpenAPI(t *testing.T) {
	t.Helper()
	res := e.raw(t, http.MethodGet, "/api/v1/openapi.json", nil, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("GET /api/v1/openapi.json: %d %s", res.Status, res.Body)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(res.Body)
	if err != nil {
		t.Fatalf("openapi.json does not load: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI 3 document: %v", err)
	}
	if e.router, err = gorillamux.NewRouter(doc); err != nil {
		t.Fatalf("openapi router: %v", err)
	}
	e.doc = doc
}

// resp is an HTTP answer, read whole.
type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r resp) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("answer %d is not the JSON expected: %v\n%s", r.Status, err, r.Body)
	}
}

func (r resp) want(t *testing.T, status int) resp {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body: %s", r.Status, status, r.Body)
	}
	return r
}

// raw sends a request without OpenAPI checks. body is []byte, string or a
// value to encode as JSON; hdr may override Content-Type.
func (e *env) raw(t *testing.T, method, path string, hdr http.Header, body any) resp {
	t.Helper()
	r, err := e.send(t.Context(), method, path, hdr, body)
	if err != nil {
		t.Fatal(err)
	}
	// 503 is a documented answer (an outside party down, a proof not yet
	// checkpointed); any other 5xx is a bug.
	if r.Status >= 500 && r.Status != http.StatusServiceUnavailable {
		t.Errorf("%s %s answered %d: %s", method, path, r.Status, r.Body)
	}
	return r
}

// send does the request and reads the answer; it does not touch t, so it
// may run on any goroutine.
func (e *env) send(ctx context.Context, method, path string, hdr http.Header, body any) (resp, error) {
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case []byte:
		rd, ct = bytes.NewReader(b), "application/json"
	case string:
		rd, ct = strings.NewReader(b), "application/json"
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return resp{}, fmt.Errorf("encode request: %w", err)
		}
		rd, ct = bytes.NewReader(data), "application/json"
	}
	req, err := http.NewRequestWithContext(ctx, method, e.URL+path, rd)
	if err != nil {
		return resp{}, err
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	res, err := e.hc.Do(req)
	if err != nil {
		return resp{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return resp{}, fmt.Errorf("%s %s: read body: %w", method, path, err)
	}
	return resp{Status: res.StatusCode, Header: res.Header, Body: data}, nil
}

// call is raw plus the OpenAPI check of the answer; every test talks to the
// API through it. token "" sends no Authorization header.
func (e *env) call(t *testing.T, method, path, token string, hdr http.Header, body any) resp {
	t.Helper()
	h := http.Header{}
	for k, vs := range hdr {
		h[k] = vs
	}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	r := e.raw(t, method, path, h, body)
	e.checkOpenAPI(t, method, path, r)
	return r
}

// checkOpenAPI validates status and body of r against the document. An
// undocumented route may only answer with the documented error shape.
func (e *env) checkOpenAPI(t *testing.T, method, path string, r resp) {
	t.Helper()
	if !strings.HasPrefix(path, "/api/v1/") && path != "/healthz" {
		return
	}
	req, err := http.NewRequest(method, e.URL+path, nil)
	if err != nil {
		t.Fatalf("openapi: %v", err)
	}
	route, params, err := e.router.FindRoute(req)
	if err != nil {
		if r.Status < 400 {
			t.Errorf("OpenAPI: %s %s answered %d but is not in the document (%v)", method, path, r.Status, err)
			return
		}
		var v any
		if jerr := json.Unmarshal(r.Body, &v); jerr != nil {
			t.Errorf("OpenAPI: %s %s (undocumented) answered %d with non-JSON: %s", method, path, r.Status, r.Body)
			return
		}
		if verr := e.doc.Components.Schemas["Error"].Value.VisitJSON(v); verr != nil {
			t.Errorf("OpenAPI: %s %s (undocumented) answered %d, not the Error schema: %v\n%s", method, path, r.Status, verr, r.Body)
		}
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 r.Status, Header: r.Header, Body: io.NopCloser(bytes.NewReader(r.Body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("OpenAPI: %s %s answered %d not as documented: %v\nbody: %s", method, path, r.Status, err, r.Body)
	}
}

// apiError is the API's one error shape.
type apiError struct {
	Error struct {
		Code      string          `json:"code"`
		Message   string          `json:"message"`
		MessageEn string          `json:"message_en"`
		Field     string          `json:"field"`
		Allowed   json.RawMessage `json:"allowed"`
	} `json:"error"`
}

// wantError checks r is the documented error: status, code, a Chinese
// message, an English one, the field when one is named, and no internals.
func wantError(t *testing.T, r resp, status int, code, field string) apiError {
	t.Helper()
	var e apiError
	if r.Status != status {
		t.Errorf("status %d, want %d; body: %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want JSON; body: %s", ct, r.Body)
	}
	if err := json.Unmarshal(r.Body, &e); err != nil {
		t.Errorf("error body is not JSON: %v: %s", err, r.Body)
		return e
	}
	if e.Error.Code != code {
		t.Errorf("error.code %q, want %q; body: %s", e.Error.Code, code, r.Body)
	}
	if !hasHan(e.Error.Message) {
		t.Errorf("error.message %q is not a Chinese message", e.Error.Message)
	}
	if strings.TrimSpace(e.Error.MessageEn) == "" {
		t.Errorf("error.message_en is empty; body: %s", r.Body)
	}
	if field != "" && e.Error.Field != field {
		t.Errorf("error.field %q, want %q; body: %s", e.Error.Field, field, r.Body)
	}
	for _, leak := range []string{"goroutine ", ".go:", "panic", "runtime.", "sql:", "sqlite"} {
		if bytes.Contains(r.Body, []byte(leak)) {
			t.Errorf("error body leaks internals (%q): %s", leak, r.Body)
		}
	}
	return e
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// eventually polls f every 20 ms until it is true or 10 s have passed. It
// polls a real server, whose work runs on real goroutines.
func eventually(t *testing.T, what string, f func() bool) {
	t.Helper()
	// Generous: a deadline only matters when something is wrong, and a
	// loaded 2-core CI machine running every package at once is slow.
	deadline := time.Now().Add(60 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after 60s waiting for %s", what)
		}
		<-tick.C
	}
}

// The API's resources, as much of them as the tests look at.
type (
	person struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		IDNumber string `json:"id_number"`
		Phone    string `json:"phone"`
		Region   string `json:"region"`
	}
	bill struct {
		ID        string `json:"id"`
		Insurance string `json:"insurance"`
		Period    string `json:"period"`
		Kind      string `json:"kind"`
		AmountFen int64  `json:"amount_fen"`
		Status    string `json:"status"`
		OrderID   string `json:"order_id"`
	}
	payParams struct {
		PrepayID   string `json:"prepay_id"`
		AppID      string `json:"appId"`
		TimeStamp  string `json:"timeStamp"`
		NonceStr   string `json:"nonceStr"`
		Package    string `json:"package"`
		SignType   string `json:"signType"`
		PaySign    string `json:"paySign"`
		CashierURL string `json:"cashier_url"`
	}
	order struct {
		ID         string     `json:"id"`
		State      string     `json:"state"`
		AmountFen  int64      `json:"amount_fen"`
		OutTradeNo string     `json:"out_trade_no"`
		BillIDs    []string   `json:"bill_ids"`
		Pay        *payParams `json:"pay"`
		Events     []struct {
			From, To, Reason string
		} `json:"events"`
		Supersedes string `json:"supersedes"`
		Attempts   []struct {
			ID         string `json:"id"`
			OutTradeNo string `json:"out_trade_no"`
			State      string `json:"state"`
		} `json:"attempts"`
	}
	voucherDoc struct {
		ID       string `json:"id"`
		Kind     string `json:"kind"`
		Code     string `json:"code"`
		OrderID  string `json:"order_id"`
		Document *struct {
			Acceptance *struct {
				AcceptanceNo string `json:"acceptance_no"`
			} `json:"acceptance_receipt"`
		} `json:"document"`
	}
	verification struct {
		Valid  bool   `json:"valid"`
		Reason string `json:"reason"`
	}
)

// smsCode reads the newest code sent to phone from the sandbox outbox.
func (e *env) smsCode(t *testing.T, phone string) string {
	t.Helper()
	var out struct {
		Messages []sms.Message `json:"messages"`
	}
	e.raw(t, http.MethodGet, "/sandbox/sms?phone="+url.QueryEscape(phone), nil, nil).want(t, http.StatusOK).json(t, &out)
	if c := sms.NewestCode(out.Messages); c != "" {
		return c
	}
	t.Fatalf("no SMS code in the outbox for %s", phone)
	return ""
}

// login signs phone in with an SMS code and returns the bearer token.
func (e *env) login(t *testing.T, phone string) (string, person) {
	t.Helper()
	e.call(t, http.MethodPost, "/api/v1/auth/sms-codes", "", nil, map[string]string{"phone": phone}).want(t, http.StatusAccepted)
	var out struct {
		Token  string `json:"token"`
		Person person `json:"person"`
	}
	e.call(t, http.MethodPost, "/api/v1/auth/sessions", "", nil,
		map[string]string{"method": "sms", "phone": phone, "code": e.smsCode(t, phone)}).want(t, http.StatusCreated).json(t, &out)
	if out.Token == "" || out.Person.ID == "" {
		t.Fatalf("session for %s has no token or person", phone)
	}
	return out.Token, out.Person
}

func (e *env) bills(t *testing.T, token string) []bill {
	t.Helper()
	var out struct {
		Bills []bill `json:"bills"`
		Total int64  `json:"total_due_fen"`
	}
	e.call(t, http.MethodGet, "/api/v1/me/bills", token, nil, nil).want(t, http.StatusOK).json(t, &out)
	var sum int64
	for _, b := range out.Bills {
		sum += b.AmountFen
	}
	if sum != out.Total {
		t.Errorf("total_due_fen %d, but the bills add up to %d", out.Total, sum)
	}
	return out.Bills
}

func ids(bs []bill) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = b.ID
	}
	return out
}

func keyHeader(key string) http.Header { return http.Header{"Idempotency-Key": {key}} }

// order creates an order for billIDs under key and expects 201.
func (e *env) order(t *testing.T, token, key string, billIDs []string) order {
	t.Helper()
	var o order
	e.call(t, http.MethodPost, "/api/v1/orders", token, keyHeader(key),
		map[string]any{"bill_ids": billIDs, "channel": "wechatpay"}).want(t, http.StatusCreated).json(t, &o)
	if o.ID == "" || o.Pay == nil || o.Pay.PrepayID == "" {
		t.Fatalf("new order without id or pay parameters: %+v", o)
	}
	return o
}

func (e *env) getOrder(t *testing.T, token, id string) order {
	t.Helper()
	var o order
	e.call(t, http.MethodGet, "/api/v1/orders/"+id, token, nil, nil).want(t, http.StatusOK).json(t, &o)
	return o
}

// cashier presses a button in the sandbox cashier, as a script does (JSON).
func (e *env) cashier(t *testing.T, prepayID, outcome string) string {
	t.Helper()
	var out struct {
		Outcome    string `json:"outcome"`
		TradeState string `json:"trade_state"`
	}
	e.raw(t, http.MethodPost, "/sandbox/wechatpay/cashier/"+url.PathEscape(prepayID), nil,
		map[string]string{"outcome": outcome}).want(t, http.StatusOK).json(t, &out)
	return out.Outcome
}

// waitState polls the order until it reaches state.
func (e *env) waitState(t *testing.T, token, id, state string) order {
	t.Helper()
	var o order
	eventually(t, fmt.Sprintf("order %s to be %s", id, state), func() bool {
		o = e.getOrder(t, token, id)
		return o.State == state
	})
	return o
}

// payOrder pays o at the cashier and waits until it is credited.
func (e *env) payOrder(t *testing.T, token string, o order) order {
	t.Helper()
	if got := e.cashier(t, o.Pay.PrepayID, "success"); got != "success" {
		t.Fatalf("cashier outcome %q, want success", got)
	}
	return e.waitState(t, token, o.ID, "credited")
}

func (e *env) vouchers(t *testing.T, token, orderID string) []voucherDoc {
	t.Helper()
	var out struct {
		Vouchers []voucherDoc `json:"vouchers"`
	}
	e.call(t, http.MethodGet, "/api/v1/orders/"+orderID+"/vouchers", token, nil, nil).want(t, http.StatusOK).json(t, &out)
	return out.Vouchers
}

func (e *env) verify(t *testing.T, code string) verification {
	t.Helper()
	var v verification
	e.call(t, http.MethodGet, "/api/v1/vouchers/verify?code="+url.QueryEscape(code), "", nil, nil).want(t, http.StatusOK).json(t, &v)
	return v
}

// wantVoucherSet checks vs is exactly one voucher of each of the three kinds
// for orderID and returns them by kind.
func wantVoucherSet(t *testing.T, vs []voucherDoc, orderID string) map[string]voucherDoc {
	t.Helper()
	byKind := map[string]voucherDoc{}
	for _, v := range vs {
		if v.OrderID != orderID {
			t.Errorf("voucher %s belongs to order %s, want %s", v.ID, v.OrderID, orderID)
		}
		if _, dup := byKind[v.Kind]; dup {
			t.Errorf("two %s vouchers for order %s", v.Kind, orderID)
		}
		byKind[v.Kind] = v
	}
	for _, k := range []string{"fiscal_receipt", "acceptance_receipt", "transaction_statement"} {
		if byKind[k].Code == "" {
			t.Errorf("order %s has no %s voucher (got %d vouchers)", orderID, k, len(vs))
		}
	}
	if len(vs) != 3 {
		t.Errorf("order %s has %d vouchers, want exactly 3", orderID, len(vs))
	}
	return byKind
}

// countTo counts the order's events that enter state.
func countTo(o order, state string) int {
	n := 0
	for _, ev := range o.Events {
		if ev.To == state {
			n++
		}
	}
	return n
}
