package wechat_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/sandbox/wxplatform"
	"github.com/shebao-project/shebao/internal/wechat"
)

const (
	mount     = "/sandbox/wechat"
	appID     = "wx1234567890abcdef"
	appSecret = "0123456789abcdef0123456789abcdef"
	preset    = "oAbCdE0123456789abcdefghijkl"
)

var tmpl = wxplatform.DefaultTemplateIDs()

// clock is a manual clock: tests move it instead of sleeping.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	t         *testing.T
	srv       *wxplatform.Server
	ts        *httptest.Server
	wxClock   *clock // WeChat's clock
	ourClock  *clock // the platform's clock: the same unless a test skews it
	tokenHits atomic.Int64
	gate      chan struct{} // when set, token requests wait for it to close
	client    *wechat.Client
}

func newEnv(t *testing.T) *env {
	t.Helper()
	start := time.Date(2025, 7, 1, 9, 0, 0, 0, time.UTC)
	e := &env{t: t, wxClock: &clock{t: start}, ourClock: &clock{t: start}}
	srv, err := wxplatform.NewServer(wxplatform.Config{
		MountPrefix:   mount,
		Apps:          []wxplatform.App{{AppID: appID, AppSecret: appSecret}},
		PresetOpenIDs: []wxplatform.PresetUser{{OpenID: preset, Label: "张三"}},
		Now:           e.wxClock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	mux := http.NewServeMux()
	mux.Handle(mount+"/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/cgi-bin/stable_token") {
			e.tokenHits.Add(1)
			if e.gate != nil {
				<-e.gate
			}
		}
		srv.ServeHTTP(w, r)
	}))
	e.ts = httptest.NewServer(mux)
	t.Cleanup(e.ts.Close)
	e.client = e.newClient(appSecret)
	return e
}

func (e *env) newClient(secret string) *wechat.Client {
	return wechat.New(wechat.Config{
		AppID: appID, AppSecret: secret,
		APIBaseURL: e.ts.URL + mount, OAuthBaseURL: e.ts.URL + mount + "/",
		HTTP: e.ts.Client(), Now: e.ourClock.Now,
	})
}

// advance moves both clocks.
func (e *env) advance(d time.Duration) {
	e.wxClock.Advance(d)
	e.ourClock.Advance(d)
}

func (e *env) consent(openID string, ids ...string) {
	e.t.Helper()
	if _, err := e.srv.Consent(appID, openID, ids, true); err != nil {
		e.t.Fatal(err)
	}
}

func TestAuthorizeURL(t *testing.T) {
	c := wechat.New(wechat.Config{AppID: appID, AppSecret: appSecret})
	got := c.AuthorizeURL("https://shebao.example/wx/callback?next=/bills", "Ab12")
	want := "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx1234567890abcdef" +
		"&redirect_uri=https%3A%2F%2Fshebao.example%2Fwx%2Fcallback%3Fnext%3D%2Fbills" +
		"&response_type=code&scope=snsapi_base&state=Ab12#wechat_redirect"
	if got != want {
		t.Errorf("AuthorizeURL\n got %s\nwant %s", got, want)
	}
}

// TestOAuthFlow follows AuthorizeURL in a browser through the sandbox's
// chooser page and trades the code, as the platform's callback will.
func TestOAuthFlow(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	link := e.client.AuthorizeURL("http://127.0.0.1:8080/wx/callback", "st1")
	resp, err := browser.Get(link) // the fragment is not sent, as in a browser
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Contains(page, []byte("微信授权（沙箱）")) {
		t.Fatalf("chooser: %d", resp.StatusCode)
	}
	form := url.Values{"appid": {appID}, "redirect_uri": {"http://127.0.0.1:8080/wx/callback"}, "response_type": {"code"},
		"scope": {"snsapi_base"}, "state": {"st1"}, "openid": {preset}, "decision": {"allow"}}
	resp, err = browser.PostForm(e.ts.URL+mount+"/connect/oauth2/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	code := loc.Query().Get("code")

	id, err := e.client.ExchangeOAuthCode(ctx, code)
	if err != nil || id.OpenID != preset || id.UnionID != "" {
		t.Fatalf("exchange: %+v %v", id, err)
	}
	_, err = e.client.ExchangeOAuthCode(ctx, code)
	var ae *wechat.APIError
	if !errors.Is(err, wechat.ErrCodeInvalid) || !errors.As(err, &ae) || ae.Code != 40163 {
		t.Errorf("reused code: %v", err)
	}
	if _, err := e.client.ExchangeOAuthCode(ctx, ""); !errors.Is(err, wechat.ErrCodeInvalid) {
		t.Errorf("empty code: %v", err)
	}

	// The next visit is silent: straight back with a code.
	resp, err = browser.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ = url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc.Query().Get("state") != "st1" {
		t.Fatalf("silent: %d %s", resp.StatusCode, loc)
	}
	e.advance(5 * time.Minute)
	if _, err := e.client.ExchangeOAuthCode(ctx, loc.Query().Get("code")); !errors.Is(err, wechat.ErrCodeInvalid) {
		t.Errorf("expired code: %v", err)
	}
}

func TestCode2Session(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	code, _, err := e.srv.LoginCode(appID, preset, false)
	if err != nil {
		t.Fatal(err)
	}
	id, err := e.client.Code2Session(ctx, code)
	if err != nil || id.OpenID != preset || id.UnionID == "" {
		t.Fatalf("code2session: %+v %v", id, err)
	}
	if _, err := e.client.Code2Session(ctx, code); !errors.Is(err, wechat.ErrCodeInvalid) {
		t.Errorf("reused: %v", err)
	}
	blocked, _, _ := e.srv.LoginCode(appID, preset, true)
	if _, err := e.client.Code2Session(ctx, blocked); !errors.Is(err, wechat.ErrCodeBlocked) {
		t.Errorf("blocked: %v", err)
	}
	fresh, _, _ := e.srv.LoginCode(appID, preset, false)
	_, err = e.newClient("ffffffffffffffffffffffffffffffff").Code2Session(ctx, fresh)
	var ae *wechat.APIError
	if !errors.As(err, &ae) || ae.Code != 40125 || errors.Is(err, wechat.ErrCodeInvalid) {
		t.Errorf("wrong secret: %v", err)
	}
	if strings.Contains(err.Error(), "ffffffff") || strings.Contains(err.Error(), fresh) {
		t.Errorf("error leaks the secret or code: %v", err)
	}
}

func TestAccessTokenCachedAndShared(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.gate = make(chan struct{})
	var wg sync.WaitGroup
	toks := make([]string, 20)
	for i := range toks {
		wg.Go(func() {
			tok, err := e.client.AccessToken(ctx)
			if err != nil {
				t.Error(err)
			}
			toks[i] = tok
		})
	}
	// Let the callers pile up behind the one fetch, then release it.
	for e.tokenHits.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	close(e.gate)
	wg.Wait()
	e.gate = nil
	if n := e.tokenHits.Load(); n != 1 {
		t.Errorf("%d token requests for 20 concurrent callers", n)
	}
	for _, tok := range toks {
		if tok == "" || tok != toks[0] {
			t.Fatalf("tokens differ: %v", toks)
		}
	}

	// Cached until five minutes before expiry, then fetched again; the
	// sandbox hands out the next token in that window.
	e.advance(7200*time.Second - 5*time.Minute - time.Second)
	if tok, _ := e.client.AccessToken(ctx); tok != toks[0] || e.tokenHits.Load() != 1 {
		t.Errorf("refetched early")
	}
	e.advance(time.Second)
	tok, err := e.client.AccessToken(ctx)
	if err != nil || tok == toks[0] || e.tokenHits.Load() != 2 {
		t.Errorf("no refetch at expiry minus five minutes: %v", err)
	}
}

func TestAccessTokenCallerGivesUp(t *testing.T) {
	e := newEnv(t)
	e.gate = make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := e.client.AccessToken(ctx)
		errc <- err
	}()
	for e.tokenHits.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled caller: %v", err)
	}
	// The fetch went on; a later caller gets its token without a new request.
	close(e.gate)
	tok, err := e.client.AccessToken(context.Background())
	if err != nil || tok == "" || e.tokenHits.Load() != 1 {
		t.Errorf("after a caller gave up: %q %v, %d requests", tok, err, e.tokenHits.Load())
	}
}

func TestAccessTokenError(t *testing.T) {
	e := newEnv(t)
	_, err := e.newClient("ffffffffffffffffffffffffffffffff").AccessToken(context.Background())
	var ae *wechat.APIError
	if !errors.As(err, &ae) || ae.Code != 40125 {
		t.Errorf("wrong secret: %v", err)
	}
	e.ts.Close()
	_, err = e.client.AccessToken(context.Background())
	if err == nil || strings.Contains(err.Error(), appSecret) || strings.Contains(err.Error(), e.ts.URL) {
		t.Errorf("transport error leaks the request: %v", err)
	}
}

func payment(to string) wechat.SubscribeMessage {
	return wechat.SubscribeMessage{
		ToUser: to, TemplateID: tmpl[wxplatform.KindPaymentResult], Page: "pages/bill/detail?id=7&from=notice",
		Data: map[string]string{
			"thing1": "2025年7月城乡居民养老保险", "amount2": "¥300.00", "time3": "2025年7月1日 09:30",
			"character_string4": "SB-20250701-0001", "thing5": "可在缴费记录中查看凭证",
		},
	}
}

func TestSendSubscribeMessage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	pay := tmpl[wxplatform.KindPaymentResult]

	_, err := e.client.SendSubscribeMessage(ctx, payment(preset))
	var ae *wechat.APIError
	if !errors.Is(err, wechat.ErrNoConsent) || !errors.As(err, &ae) || ae.Code != 43101 {
		t.Fatalf("without consent: %v", err)
	}
	e.consent(preset, pay)
	id, err := e.client.SendSubscribeMessage(ctx, payment(preset))
	if err != nil || id <= 0 {
		t.Fatalf("send: %d %v", id, err)
	}
	msgs := e.srv.Messages(preset)
	if len(msgs) != 1 || msgs[0].MsgID != id || msgs[0].Page != "pages/bill/detail?id=7&from=notice" || msgs[0].Data["amount2"] != "¥300.00" {
		t.Errorf("delivered %+v", msgs)
	}
	if _, err := e.client.SendSubscribeMessage(ctx, payment(preset)); !errors.Is(err, wechat.ErrNoConsent) {
		t.Errorf("consent used up: %v", err)
	}

	tests := []struct {
		name string
		edit func(*wechat.SubscribeMessage)
		want error
		code int
	}{
		{"thousands separator", func(m *wechat.SubscribeMessage) { m.Data["amount2"] = "¥1,454.00" }, wechat.ErrBadMessage, 47003},
		{"missing keyword", func(m *wechat.SubscribeMessage) { delete(m.Data, "thing5") }, wechat.ErrBadMessage, 47003},
		{"unknown template", func(m *wechat.SubscribeMessage) { m.TemplateID = strings.Repeat("x", 43) }, wechat.ErrBadMessage, 40037},
		{"unknown user", func(m *wechat.SubscribeMessage) { m.ToUser = "oQQQQQ0123456789abcdefghijkl" }, nil, 40003},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.consent(preset, pay)
			m := payment(preset)
			tt.edit(&m)
			_, err := e.client.SendSubscribeMessage(ctx, m)
			var ae *wechat.APIError
			if !errors.As(err, &ae) || ae.Code != tt.code || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Errorf("got %v, want %d", err, tt.code)
			}
			if tt.want == nil && (errors.Is(err, wechat.ErrBadMessage) || errors.Is(err, wechat.ErrNoConsent)) {
				t.Errorf("%v maps to a sentinel", err)
			}
		})
	}
}

// TestSendRefetchesRefusedToken: a token WeChat refuses is fetched anew once.
func TestSendRefetchesRefusedToken(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	pay := tmpl[wxplatform.KindPaymentResult]
	if _, err := e.client.AccessToken(ctx); err != nil {
		t.Fatal(err)
	}

	// 42001: WeChat's clock runs ahead of ours, past the token's life.
	e.wxClock.Advance(2 * time.Hour)
	e.consent(preset, pay)
	if _, err := e.client.SendSubscribeMessage(ctx, payment(preset)); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if n := e.tokenHits.Load(); n != 2 {
		t.Errorf("%d token requests, want 2", n)
	}

	// 40001: someone force-refreshed the stable token elsewhere.
	forced := map[string]any{"grant_type": "client_credential", "appid": appID, "secret": appSecret, "force_refresh": true}
	body, _ := json.Marshal(forced)
	resp, err := http.Post(e.ts.URL+mount+"/cgi-bin/stable_token", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	e.consent(preset, pay)
	if _, err := e.client.SendSubscribeMessage(ctx, payment(preset)); err != nil {
		t.Fatalf("after a force refresh elsewhere: %v", err)
	}
	if n := e.tokenHits.Load(); n != 4 { // 2 + the force refresh + the refetch
		t.Errorf("%d token requests, want 4", n)
	}
	if len(e.srv.Messages(preset)) != 2 {
		t.Errorf("messages %d", len(e.srv.Messages(preset)))
	}
}
