package wxplatform_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/sandbox/wxplatform"
)

func (e *env) code2Session(app, secret, code string) apiResult {
	e.t.Helper()
	return e.apiGet("/sns/jscode2session", url.Values{"appid": {app}, "secret": {secret}, "js_code": {code}, "grant_type": {"authorization_code"}})
}

func TestCode2Session(t *testing.T) {
	e := newEnv(t)
	code, openID := e.jsCode(appID, presetA)
	if openID != presetA || len(code) != 32 {
		t.Fatalf("js-code %q for %q", code, openID)
	}
	r := e.code2Session(appID, appSecret, code)
	key, err := base64.StdEncoding.DecodeString(r.str("session_key"))
	if r.errcode() != 0 || r.str("openid") != presetA || r.str("unionid") == "" || err != nil || len(key) != 16 {
		t.Fatalf("code2Session: %v", r)
	}
	if r := e.code2Session(appID, appSecret, code); r.errcode() != 40163 {
		t.Errorf("reused: %v", r)
	}

	// An empty openid is a person new to WeChat's app: a new user each time.
	c1, u1 := e.jsCode(appID, "")
	_, u2 := e.jsCode(appID, "")
	_, u3 := e.jsCode(otherApp, "")
	if u1 == u2 || u1 == presetA || e.code2Session(appID, appSecret, c1).str("openid") != u1 {
		t.Errorf("new users %s %s", u1, u2)
	}
	// One app's openids share a prefix, as WeChat's visibly do; another's differ.
	if u1[:6] != u2[:6] || u1[:6] == u3[:6] {
		t.Errorf("openid prefixes %s %s %s", u1, u2, u3)
	}
}

func TestCode2SessionErrors(t *testing.T) {
	e := newEnv(t)
	fresh := func() string { c, _ := e.jsCode(appID, presetA); return c }
	expired := fresh()
	srvCode, _, err := e.srv.LoginCode(appID, presetA, true)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(5*time.Minute + time.Second)
	tests := []struct {
		name, app, secret, code string
		want                    int
	}{
		{"wrong secret", appID, otherKey, fresh(), 40125},
		{"unknown app", "wx0000000000000000", appSecret, fresh(), 40013},
		{"no code", appID, appSecret, "", 41008},
		{"expired", appID, appSecret, expired, 40029},
		{"other app", otherApp, otherKey, fresh(), 40029},
		{"made up", appID, appSecret, "0a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p", 40029},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r := e.code2Session(tt.app, tt.secret, tt.code); r.errcode() != tt.want {
				t.Errorf("got %v, want %d", r, tt.want)
			}
		})
	}
	// A blocked code (issued before the clock moved, so it expired too).
	blocked, _, _ := e.srv.LoginCode(appID, presetA, true)
	if r := e.code2Session(appID, appSecret, blocked); r.errcode() != 40226 || r.str("errmsg") != "code blocked" {
		t.Errorf("blocked: %v", r)
	}
	if r := e.code2Session(appID, appSecret, srvCode); r.errcode() != 40029 {
		t.Errorf("expired blocked code: %v", r)
	}
}

func TestControlJSCodeRefusals(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name     string
		body     any
		status   int
		wantCode string
	}{
		{"unknown app", map[string]any{"appid": "wx0000000000000000"}, 400, "unknown_appid"},
		{"unknown user", map[string]any{"appid": appID, "openid": "oQQQQQ0123456789abcdefghijkl"}, 400, "unknown_openid"},
		{"other app's user", map[string]any{"appid": otherApp, "openid": presetA}, 400, "unknown_openid"},
		{"bad json", `{"appid":`, 400, "invalid_json"},
		{"unknown field", map[string]any{"appid": appID, "open_id": presetA}, 400, "invalid_json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.postJSON("/control/js-codes", tt.body)
			r := decode(t, body)
			errObj, _ := r["error"].(map[string]any)
			if resp.StatusCode != tt.status || errObj["code"] != tt.wantCode || errObj["message"] == "" || errObj["message_en"] == "" {
				t.Errorf("%d %s", resp.StatusCode, body)
			}
		})
	}
	if _, _, err := e.srv.LoginCode("wx0000000000000000", "", false); err != wxplatform.ErrUnknownApp {
		t.Errorf("LoginCode unknown app: %v", err)
	}
	// The control plane refuses a cross-site browser.
	req, _ := http.NewRequest(http.MethodPost, e.base+"/control/js-codes", nil)
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if resp, _ := do(t, http.DefaultClient, req); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site: %d", resp.StatusCode)
	}
}

// TestUsersBounded: users made on the fly are forgotten oldest first past
// 10,000, with what the sandbox held for them; preset users stay.
func TestUsersBounded(t *testing.T) {
	e := newEnv(t)
	pay := tmplIDs[wxplatform.KindPaymentResult]
	_, first, err := e.srv.LoginCode(appID, "", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.Consent(appID, first, []string{pay}, true); err != nil {
		t.Fatal(err)
	}
	for range 10000 {
		if _, _, err := e.srv.LoginCode(appID, "", false); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := e.srv.LoginCode(appID, first, false); err != wxplatform.ErrUnknownUser {
		t.Errorf("oldest user kept: %v", err)
	}
	if _, _, err := e.srv.LoginCode(appID, presetA, false); err != nil {
		t.Errorf("preset user forgotten: %v", err)
	}
}
