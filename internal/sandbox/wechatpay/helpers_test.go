package wechatpay_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/core/option"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/jsapi"
	"github.com/wechatpay-apiv3/wechatpay-go/services/refunddomestic"

	"github.com/shebao-project/shebao/internal/sandbox/wechatpay"
)

const mount = "/sandbox/wechatpay"

// wechatHost is the production host the SDK's typed services hard-code;
// the rewriting transport sends its requests to the sandbox instead.
const wechatHost = "https://api.mch.weixin.qq.com"

// creds is one merchant for the whole test binary: RSA key generation is the
// slowest part of setting up, and no test changes the credentials.
var creds *wechatpay.Credentials

func TestMain(m *testing.M) {
	c, err := wechatpay.GenerateCredentials(rand.Reader, time.Now())
	if err != nil {
		fmt.Fprintln(os.Stderr, "generate credentials:", err)
		os.Exit(1)
	}
	creds = c
	os.Exit(m.Run())
}

// clock is real time plus an offset the test controls. The SDK checks
// response timestamps against its own time.Now, so the offset must stay
// under five minutes while the SDK is in use.
type clock struct{ offset atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// rewrite is what the platform's adapter does: send the SDK's requests for
// api.mch.weixin.qq.com to the sandbox, with MountPrefix before the path.
// Like the lead's description it prefixes every path, even one that already
// carries the prefix (a bill download_url), which the sandbox tolerates.
type rewrite struct {
	target *url.URL
	prefix string
}

func (rw rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	r2.URL.Scheme, r2.URL.Host, r2.Host = rw.target.Scheme, rw.target.Host, ""
	r2.URL.Path = rw.prefix + r2.URL.Path
	if r2.URL.RawPath != "" {
		r2.URL.RawPath = rw.prefix + r2.URL.RawPath
	}
	return http.DefaultTransport.RoundTrip(r2)
}

type env struct {
	t       *testing.T
	srv     *wechatpay.Server
	ts      *httptest.Server
	clock   *clock
	prefix  string
	client  *core.Client
	jsapi   jsapi.JsapiApiService
	refunds refunddomestic.RefundsApiService
	stopRun func()
}

type envSetup struct {
	cfg   wechatpay.Config
	noRun bool
}

type envOption func(*envSetup)

// withoutRun leaves Run to the test (startRun), to line deliveries up first.
func withoutRun() envOption { return func(s *envSetup) { s.noRun = true } }

func withConfig(f func(*wechatpay.Config)) envOption { return func(s *envSetup) { f(&s.cfg) } }

// newEnv starts the sandbox behind an httptest server, mounted the way the
// platform mounts it (no StripPrefix), with Run delivering notifications on
// a short schedule, and an SDK client built exactly as production builds it.
func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	clk := &clock{}
	setup := envSetup{cfg: wechatpay.Config{
		Credentials: creds, MountPrefix: mount, Now: clk.Now, AllowHTTPNotify: true,
		NotifySchedule: []time.Duration{10 * time.Millisecond, 10 * time.Millisecond},
		PollInterval:   5 * time.Millisecond,
	}}
	for _, o := range opts {
		o(&setup)
	}
	cfg := setup.cfg
	srv, err := wechatpay.NewServer(cfg)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle(cfg.MountPrefix+"/", srv)
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	e := &env{t: t, srv: srv, ts: ts, clock: clk, prefix: cfg.MountPrefix}
	if !setup.noRun {
		e.startRun()
	}
	e.client = e.newClient(creds.MerchantKey, creds.MerchantSerial)
	e.jsapi = jsapi.JsapiApiService{Client: e.client}
	e.refunds = refunddomestic.RefundsApiService{Client: e.client}
	return e
}

func (e *env) startRun() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.srv.Run(ctx); close(done) }()
	e.stopRun = func() { cancel(); <-done }
	e.t.Cleanup(e.stopRun)
}

func (e *env) httpClient() *http.Client {
	u, _ := url.Parse(e.ts.URL)
	return &http.Client{Transport: rewrite{target: u, prefix: e.prefix}, Timeout: 10 * time.Second}
}

// newClient is the production wiring: public-key mode, rewriting transport.
func (e *env) newClient(key *rsa.PrivateKey, serial string) *core.Client {
	e.t.Helper()
	c, err := core.NewClient(context.Background(),
		option.WithWechatPayPublicKeyAuthCipher(creds.MchID, serial, key, creds.PublicKeyID, &creds.PlatformKey.PublicKey),
		option.WithHTTPClient(e.httpClient()))
	if err != nil {
		e.t.Fatalf("core.NewClient: %v", err)
	}
	return c
}

// prepay places a JSAPI order through the SDK and returns its prepay_id.
func (e *env) prepay(outTradeNo string, total int64, notifyURL string) *jsapi.PrepayWithRequestPaymentResponse {
	e.t.Helper()
	resp, _, err := e.jsapi.PrepayWithRequestPayment(context.Background(), prepayRequest(outTradeNo, total, notifyURL))
	if err != nil {
		e.t.Fatalf("prepay %s: %v", outTradeNo, err)
	}
	return resp
}

func prepayRequest(outTradeNo string, total int64, notifyURL string) jsapi.PrepayRequest {
	return jsapi.PrepayRequest{
		Appid: core.String(creds.AppID), Mchid: core.String(creds.MchID),
		Description: core.String("2025年7月城乡居民养老保险"), OutTradeNo: core.String(outTradeNo),
		Attach: core.String("bill-42"), NotifyUrl: core.String(notifyURL),
		Amount: &jsapi.Amount{Total: core.Int64(total), Currency: core.String("CNY")},
		Payer:  &jsapi.Payer{Openid: core.String("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")},
	}
}

type payResult struct {
	OutTradeNo string `json:"out_trade_no"`
	TradeState string `json:"trade_state"`
	Outcome    string `json:"outcome"`
	Code       string `json:"code"`
}

// cashier presses a cashier button through the JSON control plane.
func (e *env) cashier(prepayID, outcome string) (int, payResult) {
	e.t.Helper()
	body := strings.NewReader(`{"outcome":"` + outcome + `"}`)
	resp, err := http.Post(e.ts.URL+e.prefix+"/cashier/"+prepayID, "application/json", body)
	if err != nil {
		e.t.Fatalf("cashier: %v", err)
	}
	defer resp.Body.Close()
	var res payResult
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		e.t.Fatalf("cashier response: %v", err)
	}
	return resp.StatusCode, res
}

// pay places and pays an order, returning its prepay_id.
func (e *env) pay(outTradeNo string, total int64, notifyURL string) string {
	e.t.Helper()
	id := *e.prepay(outTradeNo, total, notifyURL).PrepayId
	if status, res := e.cashier(id, "success"); status != http.StatusOK || res.TradeState != "SUCCESS" {
		e.t.Fatalf("pay %s: %d %+v", outTradeNo, status, res)
	}
	return id
}

// control calls a control-plane endpoint and decodes its JSON answer.
func (e *env) control(method, path string, in, out any) int {
	e.t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.ts.URL+e.prefix+path, body)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			e.t.Fatalf("%s %s: decode: %v", method, path, err)
		}
	}
	return resp.StatusCode
}

// apiError asserts err is the SDK's *core.APIError with status and code.
func apiError(t *testing.T, err error, status int, code string) *core.APIError {
	t.Helper()
	ae, ok := err.(*core.APIError)
	if !ok {
		t.Fatalf("want *core.APIError %d %s, got %T %v", status, code, err, err)
	}
	if ae.StatusCode != status || ae.Code != code {
		t.Fatalf("want %d %s, got %d %s (%s)", status, code, ae.StatusCode, ae.Code, ae.Message)
	}
	return ae
}

// eventually polls cond until it holds or two seconds pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func decodeJSON(resp *http.Response, v any) error {
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("decode %s: %w", resp.Request.URL, err)
	}
	return nil
}
