package ssc_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"

	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/payment/ssc"
	sscsandbox "github.com/shebao-project/shebao/internal/sandbox/ssc"
)

// roundTrip lets a test stand between the provider and the bank: the
// network an attacker (or a broken proxy) controls.
type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func via(rt roundTrip) func(*ssc.Config) {
	return func(c *ssc.Config) { c.HTTPClient = &http.Client{Transport: rt, Timeout: 5 * time.Second} }
}

func readAll(rc io.ReadCloser) []byte {
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	return b
}

// TestBankRefusesBadRequests: every way a request can be wrong is refused
// with a signed 401 the provider verifies and reports as the bank's answer.
func TestBankRefusesBadRequests(t *testing.T) {
	e := newEnv(t)
	other, _ := sm2.GenerateKey(rand.Reader)
	rightKeyID, _ := ssc.KeyID(&creds.MerchantKey.PublicKey)
	cases := []struct {
		name string
		p    *ssc.Provider
		code string
	}{
		{"another agency key", e.provider(func(c *ssc.Config) { c.MerchantKey = other }), "SIGN_ERROR"},
		{"another key under our key id", e.provider(func(c *ssc.Config) {
			c.MerchantKey = other
			via(func(r *http.Request) (*http.Response, error) {
				r.Header.Set(ssc.HeaderKeyID, rightKeyID)
				return http.DefaultTransport.RoundTrip(r)
			})(c)
		}), "SIGN_ERROR"},
		{"tampered body", e.provider(via(func(r *http.Request) (*http.Response, error) {
			body := bytes.Replace(readAll(r.Body), []byte(`"amount_fen":100`), []byte(`"amount_fen":1`), 1)
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
			return http.DefaultTransport.RoundTrip(r)
		})), "SIGN_ERROR"},
		{"replayed nonce", e.provider(via(func(r *http.Request) (*http.Response, error) {
			body := readAll(r.Body)
			first := r.Clone(r.Context())
			first.Body = io.NopCloser(bytes.NewReader(body))
			resp, err := http.DefaultTransport.RoundTrip(first)
			if err != nil {
				return nil, err
			}
			readAll(resp.Body)
			r.Body = io.NopCloser(bytes.NewReader(body)) // the very same request again
			return http.DefaultTransport.RoundTrip(r)
		})), "NONCE_REPLAYED"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			no := fmt.Sprintf("SSC-sec-%d", i)
			_, err := tc.p.Prepay(ctx, prepayRequest(no, 100, "oHolder_A1"))
			apiError(t, err, http.StatusUnauthorized, tc.code)
			if _, err := e.p.Query(ctx, no); tc.code != "NONCE_REPLAYED" && !errors.Is(err, payment.ErrProviderNotFound) {
				t.Errorf("a refused request created a debit: %v", err)
			}
		})
	}
}

// TestBankRefusesStaleRequest: with our clock six minutes behind, the bank
// refuses the request as stale; we in turn cannot verify its answer (to us
// it is six minutes ahead), so we see the refusal only on the wire.
func TestBankRefusesStaleRequest(t *testing.T) {
	e := newEnv(t)
	var mu sync.Mutex
	var wire []byte
	p := e.provider(func(c *ssc.Config) {
		via(func(r *http.Request) (*http.Response, error) {
			resp, err := http.DefaultTransport.RoundTrip(r)
			if err == nil {
				mu.Lock()
				wire = readAll(resp.Body)
				resp.Body = io.NopCloser(bytes.NewReader(wire))
				mu.Unlock()
			}
			return resp, err
		})(c)
		c.Now = func() time.Time { return time.Now().Add(-6 * time.Minute) }
	})
	_, err := p.Prepay(ctx, prepayRequest("SSC-stale-1", 100, "oHolder_A1"))
	mu.Lock()
	defer mu.Unlock()
	if !errors.Is(err, ssc.ErrExpired) || !bytes.Contains(wire, []byte(`"code":"SIGN_EXPIRED"`)) {
		t.Fatalf("error %v, bank said %s", err, wire)
	}
}

// TestProviderRefusesBadResponses: an answer that is not the bank's, not
// fresh, or not to this request is never acted on.
func TestProviderRefusesBadResponses(t *testing.T) {
	e := newEnv(t)
	e.prepay("SSC-resp-1", 100)
	other, _ := sm2.GenerateKey(rand.Reader)
	var mu sync.Mutex
	var recorded *http.Response
	var recordedBody []byte
	replay := func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		defer mu.Unlock()
		if recorded == nil {
			resp, err := http.DefaultTransport.RoundTrip(r)
			if err != nil {
				return nil, err
			}
			recorded, recordedBody = resp, readAll(resp.Body)
		}
		copied := *recorded
		copied.Body = io.NopCloser(bytes.NewReader(recordedBody))
		return &copied, nil
	}
	replayer := e.provider(via(replay))
	if _, err := replayer.Query(ctx, "SSC-resp-1"); err != nil {
		t.Fatalf("first, genuine answer: %v", err)
	}
	cases := []struct {
		name string
		p    *ssc.Provider
		why  error
	}{
		{"another bank key", e.provider(func(c *ssc.Config) { c.BankPublicKey = &other.PublicKey }), ssc.ErrSignature},
		{"tampered body", e.provider(via(func(r *http.Request) (*http.Response, error) {
			resp, err := http.DefaultTransport.RoundTrip(r)
			if err == nil {
				body := bytes.Replace(readAll(resp.Body), []byte(`"NOTPAY"`), []byte(`"SUCCESS"`), 1)
				resp.Body = io.NopCloser(bytes.NewReader(body))
			}
			return resp, err
		})), ssc.ErrSignature},
		{"replayed to a later request", replayer, ssc.ErrSignature},
		{"replayed six minutes later", e.provider(func(c *ssc.Config) {
			via(replay)(c)
			c.Now = func() time.Time { return time.Now().Add(6 * time.Minute) }
		}), ssc.ErrExpired},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.p.Query(ctx, "SSC-resp-1")
			if !errors.Is(err, ssc.ErrBadResponse) || !errors.Is(err, tc.why) {
				t.Fatalf("want ErrBadResponse because %v, got %v", tc.why, err)
			}
		})
	}
}

// TestUnsignedErrorIsNotTheBanks: a proxy's (or an attacker's) "not found"
// must not pass for the bank's, or we would release bills of a live debit.
func TestUnsignedErrorIsNotTheBanks(t *testing.T) {
	e := newEnv(t)
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"code":"ORDER_NOT_FOUND","message":"订单不存在"}`)
	}))
	defer fake.Close()
	p := e.provider(func(c *ssc.Config) { c.BaseURL = fake.URL })
	err := p.Close(ctx, "SSC-live-1")
	if errors.Is(err, payment.ErrProviderNotFound) || !errors.Is(err, ssc.ErrBadResponse) {
		t.Fatalf("unsigned not-found: %v", err)
	}
}

// TestNotificationChecks: replayed, stale, tampered and foreign-key
// notifications are refused, and a refused one is delivered again later.
func TestNotificationChecks(t *testing.T) {
	e := newEnv(t)
	e.pay("SSC-note-1", 100)
	var c capture
	for len(e.rc.raw) > 0 {
		c = <-e.rc.raw // the last copy that arrived is the one accepted
	}
	parse := func(p *ssc.Provider, h http.Header, body []byte) error {
		r := httptest.NewRequest(http.MethodPost, "/notify", bytes.NewReader(body))
		r.Header = h.Clone()
		_, err := p.ParseNotification(ctx, r)
		return err
	}
	other, _ := sm2.GenerateKey(rand.Reader)
	for _, tc := range []struct {
		name string
		p    *ssc.Provider
		body []byte
		why  error
	}{
		{"replayed", e.p, c.body, ssc.ErrReplayed},
		{"tampered", e.provider(nil), bytes.Replace(c.body, []byte(`"amount_fen":100`), []byte(`"amount_fen":1`), 1), ssc.ErrSignature},
		{"another bank key", e.provider(func(c *ssc.Config) { c.BankPublicKey = &other.PublicKey }), c.body, ssc.ErrSignature},
		{"stale", e.provider(func(c *ssc.Config) { c.Now = func() time.Time { return time.Now().Add(6 * time.Minute) } }), c.body, ssc.ErrExpired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := parse(tc.p, c.header, tc.body)
			if !errors.Is(err, payment.ErrBadNotification) || !errors.Is(err, tc.why) {
				t.Fatalf("want ErrBadNotification because %v, got %v", tc.why, err)
			}
		})
	}
	// A refund parser refuses a debit event, and the other way round.
	r := httptest.NewRequest(http.MethodPost, "/refund-notify", bytes.NewReader(c.body))
	r.Header = c.header.Clone()
	if _, _, err := e.provider(nil).ParseRefundNotification(ctx, r); !errors.Is(err, payment.ErrBadNotification) {
		t.Errorf("debit event as a refund: %v", err)
	}

}

// TestStaleNotificationRetried: with our clock six minutes ahead the bank's
// notification looks stale and is refused; the bank retries, and once our
// clock is right again the retry is accepted.
func TestStaleNotificationRetried(t *testing.T) {
	e := newEnv(t, func(c *sscsandbox.Config) {
		c.NotifySchedule = []time.Duration{200 * time.Millisecond, 200 * time.Millisecond, 200 * time.Millisecond}
	})
	pp := e.prepay("SSC-note-2", 100) // while the clocks agree
	e.ourClock.Set(6 * time.Minute)
	if _, res := e.confirm(pp.CashierURL, "success", "123456"); res.State != "SUCCESS" {
		t.Fatalf("confirm: %+v", res)
	}
	select {
	case err := <-e.rc.bad:
		if !errors.Is(err, ssc.ErrExpired) {
			t.Fatalf("refused for %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the stale notification was not refused")
	}
	e.ourClock.Set(0)
	if n := e.rc.next(t); n.Txn.OutTradeNo != "SSC-note-2" {
		t.Errorf("retry delivered %+v", n)
	}
}
