package wxplatform_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/sandbox/wxplatform"
)

const (
	mount     = "/sandbox/wechat"
	appID     = "wx1234567890abcdef"
	appSecret = "0123456789abcdef0123456789abcdef"
	otherApp  = "wxfedcba0987654321"
	otherKey  = "fedcba9876543210fedcba9876543210"
	presetA   = "oAbCdE0123456789abcdefghijkl"
	presetB   = "oAbCdE9876543210zyxwvutsrqpo"
)

// Template ids of DefaultTemplates, by kind.
var tmplIDs = wxplatform.DefaultTemplateIDs()

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
	t     *testing.T
	srv   *wxplatform.Server
	ts    *httptest.Server
	clock *clock
	base  string // ts.URL + mount
}

// newEnv starts a sandbox with two apps and two preset users of the first.
// edit, if given, changes the config before the server starts.
func newEnv(t *testing.T, edit ...func(*wxplatform.Config)) *env {
	t.Helper()
	clk := &clock{t: time.Date(2025, 7, 1, 9, 0, 0, 0, time.UTC)}
	cfg := wxplatform.Config{
		MountPrefix: mount,
		Apps: []wxplatform.App{
			{AppID: appID, AppSecret: appSecret, Name: "社保缴费（沙箱）"},
			{AppID: otherApp, AppSecret: otherKey},
		},
		PresetOpenIDs: []wxplatform.PresetUser{
			{AppID: appID, OpenID: presetA, Label: "张三（已参保）"},
			{AppID: appID, OpenID: presetB, Label: "李四（灵活就业）"},
		},
		Now: clk.Now,
	}
	for _, f := range edit {
		f(&cfg)
	}
	srv, err := wxplatform.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(mount+"/", srv)
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return &env{t: t, srv: srv, ts: ts, clock: clk, base: ts.URL + mount}
}

// browser is a client with a cookie jar that does not follow redirects, so
// tests see each 302/303.
func browser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func do(t *testing.T, c *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func getPage(t *testing.T, c *http.Client, link string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, link, nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, c, req)
}

func postForm(t *testing.T, c *http.Client, link string, form url.Values) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, link, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, c, req)
}

// apiResult is any WeChat answer: errcode fields plus whatever else.
type apiResult map[string]any

func (r apiResult) errcode() int { return int(r.num("errcode")) }

func (r apiResult) num(k string) int64 {
	n, _ := r[k].(json.Number)
	v, _ := n.Int64()
	return v
}

func (r apiResult) str(k string) string { s, _ := r[k].(string); return s }

func decode(t *testing.T, body string) apiResult {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	var r apiResult
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("decode %q: %v", body, err)
	}
	return r
}

// apiGet calls a WeChat GET API and checks it answers 200 JSON, as WeChat
// does even for errors.
func (e *env) apiGet(path string, q url.Values) apiResult {
	e.t.Helper()
	resp, body := getPage(e.t, http.DefaultClient, e.base+path+"?"+q.Encode())
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		e.t.Fatalf("GET %s: %d %s %s", path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	return decode(e.t, body)
}

func (e *env) apiPost(path string, q url.Values, body any) apiResult {
	e.t.Helper()
	resp, text := e.postJSON(path+"?"+q.Encode(), body)
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("POST %s: %d %s", path, resp.StatusCode, text)
	}
	return decode(e.t, text)
}

// postJSON posts body (raw when a string) and returns the raw answer.
func (e *env) postJSON(pathAndQuery string, body any) (*http.Response, string) {
	e.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case string:
		raw = []byte(b)
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			e.t.Fatal(err)
		}
	}
	req, err := http.NewRequest(http.MethodPost, e.base+pathAndQuery, bytes.NewReader(raw))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return do(e.t, http.DefaultClient, req)
}

// jsCode is wx.login for openID (empty: a new user) via the control plane.
func (e *env) jsCode(app, openID string) (code, user string) {
	e.t.Helper()
	resp, body := e.postJSON("/control/js-codes", map[string]any{"appid": app, "openid": openID})
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("js-codes: %d %s", resp.StatusCode, body)
	}
	r := decode(e.t, body)
	return r.str("code"), r.str("openid")
}

func (e *env) token() string {
	e.t.Helper()
	r := e.apiGet("/cgi-bin/token", url.Values{"grant_type": {"client_credential"}, "appid": {appID}, "secret": {appSecret}})
	if r.str("access_token") == "" {
		e.t.Fatalf("token: %v", r)
	}
	return r.str("access_token")
}

func (e *env) consent(openID string, decision string, ids ...string) {
	e.t.Helper()
	resp, body := e.postJSON("/control/subscriptions", map[string]any{"appid": appID, "openid": openID, "template_ids": ids, "decision": decision})
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("consent: %d %s", resp.StatusCode, body)
	}
}

// paymentData is a valid body for the payment-result template.
func paymentData() map[string]any {
	return map[string]any{
		"thing1":            map[string]string{"value": "2025年7月城乡居民养老保险"},
		"amount2":           map[string]string{"value": "¥300.00"},
		"time3":             map[string]string{"value": "2025年7月1日 09:30"},
		"character_string4": map[string]string{"value": "SB-20250701-0001"},
		"thing5":            map[string]string{"value": "可在缴费记录中查看凭证"},
	}
}

func (e *env) send(tok string, msg map[string]any) apiResult {
	e.t.Helper()
	return e.apiPost("/cgi-bin/message/subscribe/send", url.Values{"access_token": {tok}}, msg)
}

func paymentMessage(to string) map[string]any {
	return map[string]any{"touser": to, "template_id": tmplIDs[wxplatform.KindPaymentResult], "page": "pages/bill/detail?id=1",
		"data": paymentData(), "miniprogram_state": "formal", "lang": "zh_CN"}
}
