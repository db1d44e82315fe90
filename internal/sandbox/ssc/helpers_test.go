package ssc_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/payment"
	payssc "github.com/shebao-project/shebao/internal/payment/ssc"
	"github.com/shebao-project/shebao/internal/sandbox/ssc"
)

const mount = "/sandbox/ssc"

type env struct {
	t    *testing.T
	srv  *ssc.Server
	ts   *httptest.Server
	p    *payssc.Provider
	hits chan *http.Request // what reached our notify URL
}

// newEnv mounts the bank as the platform does and builds the agency's
// provider from the same credentials, as a real client of the sandbox.
func newEnv(t *testing.T) *env { return newBrandEnv(t, ssc.Brand{}) }

// newBrandEnv is newEnv with the bank presented as brand (zero: the card
// account's).
func newBrandEnv(t *testing.T, brand ssc.Brand) *env {
	t.Helper()
	creds, err := ssc.GenerateCredentials(nil)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ssc.NewServer(ssc.Config{Credentials: creds, MountPrefix: mount, AllowHTTPNotify: true,
		NotifySchedule: []time.Duration{10 * time.Millisecond}, PollInterval: 5 * time.Millisecond, Brand: brand})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(mount+"/", srv)
	e := &env{t: t, srv: srv, ts: httptest.NewServer(mux), hits: make(chan *http.Request, 16)}
	t.Cleanup(e.ts.Close)
	notify := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		e.hits <- r
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(notify.Close)
	if e.p, err = payssc.New(creds.ProviderConfig(e.ts.URL+mount, notify.URL+"/notify", "")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return e
}

// debit creates a debit and returns its confirmation page's URL.
func (e *env) debit(outTradeNo string, fen int64) string {
	e.t.Helper()
	pp, err := e.p.Prepay(context.Background(), prepayOf(outTradeNo, fen))
	if err != nil {
		e.t.Fatalf("prepay: %v", err)
	}
	return pp.CashierURL
}

// expireAt is fixed so a repeated create request is the same request.
var expireAt = time.Now().Add(3 * time.Hour)

func prepayOf(outTradeNo string, fen int64) payment.PrepayRequest {
	return payment.PrepayRequest{OutTradeNo: outTradeNo, Description: "2026年城乡居民医疗保险",
		AmountFen: money.Fen(fen), OpenID: "oHolder_Z9", ExpireAt: expireAt}
}

func get(t *testing.T, link string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// postForm submits a form like a browser would, without following the
// redirect, so the test sees the 303 itself.
func postForm(t *testing.T, link string, form url.Values, header ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, link, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}
