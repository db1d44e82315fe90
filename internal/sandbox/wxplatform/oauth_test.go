package wxplatform_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/sandbox/wxplatform"
)

const callback = "http://127.0.0.1:8080/wechat/callback?from=menu"

func authorizeURL(e *env, scope, state string, extra ...string) string {
	q := url.Values{"appid": {appID}, "redirect_uri": {callback}, "response_type": {"code"}, "scope": {scope}, "state": {state}}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return e.base + "/connect/oauth2/authorize?" + q.Encode()
}

// redirected checks a redirect to the callback and returns its query.
func redirected(t *testing.T, resp *http.Response, status int) url.Values {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d", resp.StatusCode, status)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != "http://127.0.0.1:8080/wechat/callback" {
		t.Fatalf("redirected to %s", loc)
	}
	if loc.Query().Get("from") != "menu" {
		t.Errorf("redirect lost the callback's own query: %s", loc)
	}
	return loc.Query()
}

func (e *env) exchange(code string) apiResult {
	e.t.Helper()
	return e.apiGet("/sns/oauth2/access_token", url.Values{"appid": {appID}, "secret": {appSecret}, "code": {code}, "grant_type": {"authorization_code"}})
}

func TestAuthorizeFlow(t *testing.T) {
	e := newEnv(t)
	b := browser(t)

	// First visit: WeChat would know the user; the sandbox asks.
	resp, html := getPage(t, b, authorizeURL(e, "snsapi_base", "s-1"))
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("page: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{`<html lang="zh-CN">`, "微信授权（沙箱）", "社保缴费（沙箱）", "张三（已参保）", "李四（灵活就业）", "新微信用户",
		`<form method="post" action="` + mount + `/connect/oauth2/authorize">`, `name="openid" value="` + presetA + `" checked`,
		`<label for="user-0">`, `id="user-0"`, `<legend>`, `value="allow"`, `value="deny"`, `name="state" value="s-1"`} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(html, "<script") || strings.Contains(html, "<style") || regexp.MustCompile(`(src|href)="(https?:)?//`).MatchString(html) {
		t.Errorf("page has script, inline style or external assets:\n%s", html)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "form-action 'self' http://127.0.0.1:8080") {
		t.Errorf("CSP %q", csp)
	}

	// 允许 as 李四: a cookie for the sandbox's path and a code for the callback.
	form := url.Values{"appid": {appID}, "redirect_uri": {callback}, "response_type": {"code"}, "scope": {"snsapi_base"},
		"state": {"s-1"}, "openid": {presetB}, "decision": {"allow"}}
	resp, _ = postForm(t, b, e.base+"/connect/oauth2/authorize", form)
	q := redirected(t, resp, http.StatusSeeOther)
	if q.Get("state") != "s-1" || q.Get("code") == "" {
		t.Fatalf("redirect query %v", q)
	}
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "wxsandbox_"+appID {
			cookie = c
		}
	}
	if cookie == nil || cookie.Value != presetB || cookie.Path != mount || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode {
		t.Fatalf("cookie %+v", cookie)
	}

	r := e.exchange(q.Get("code"))
	if r.errcode() != 0 || r.str("openid") != presetB || r.str("scope") != "snsapi_base" || r.str("access_token") == "" ||
		r.str("refresh_token") == "" || r.num("expires_in") != 7200 {
		t.Fatalf("exchange: %v", r)
	}
	if _, ok := r["unionid"]; ok {
		t.Errorf("snsapi_base returned a unionid: %v", r)
	}
	if r := e.exchange(q.Get("code")); r.errcode() != 40163 || !strings.HasPrefix(r.str("errmsg"), "code been used") {
		t.Errorf("reused code: %v", r)
	}

	// Second visit: silent, as snsapi_base is in WeChat.
	resp, _ = getPage(t, b, authorizeURL(e, "snsapi_base", "s-2"))
	q = redirected(t, resp, http.StatusFound)
	if r := e.exchange(q.Get("code")); r.str("openid") != presetB || q.Get("state") != "s-2" {
		t.Errorf("silent authorization: %v %v", q, r)
	}

	// forcePopup shows the page again, with the remembered user checked.
	resp, html = getPage(t, b, authorizeURL(e, "snsapi_base", "s-3", "forcePopup", "true"))
	if resp.StatusCode != http.StatusOK || !strings.Contains(html, `value="`+presetB+`" checked`) {
		t.Errorf("forcePopup: %d", resp.StatusCode)
	}
}

func TestAuthorizeNewUserAndUserInfo(t *testing.T) {
	e := newEnv(t)
	b := browser(t)
	form := url.Values{"appid": {appID}, "redirect_uri": {callback}, "response_type": {"code"}, "scope": {"snsapi_userinfo"},
		"state": {""}, "openid": {"new"}, "decision": {"allow"}}
	resp, _ := postForm(t, b, e.base+"/connect/oauth2/authorize", form)
	q := redirected(t, resp, http.StatusSeeOther)
	r := e.exchange(q.Get("code"))
	openID, union := r.str("openid"), r.str("unionid")
	openIDShape := regexp.MustCompile(`^o[A-Za-z0-9_-]{27}$`)
	if !openIDShape.MatchString(openID) || !openIDShape.MatchString(union) || openID == presetA || r.str("scope") != "snsapi_userinfo" {
		t.Fatalf("new user: %v", r)
	}
	// The same person logs in to the mini-program of the same app: same openid.
	code, _ := e.jsCode(appID, openID)
	s := e.apiGet("/sns/jscode2session", url.Values{"appid": {appID}, "secret": {appSecret}, "js_code": {code}, "grant_type": {"authorization_code"}})
	if s.str("openid") != openID || s.str("unionid") != union {
		t.Errorf("jscode2session for the same user: %v", s)
	}
}

func TestAuthorizeDeny(t *testing.T) {
	e := newEnv(t)
	form := url.Values{"appid": {appID}, "redirect_uri": {callback}, "response_type": {"code"}, "scope": {"snsapi_base"},
		"state": {"s-9"}, "openid": {presetA}, "decision": {"deny"}}
	resp, _ := postForm(t, browser(t), e.base+"/connect/oauth2/authorize", form)
	q := redirected(t, resp, http.StatusSeeOther)
	if q.Has("code") || q.Get("state") != "s-9" {
		t.Errorf("deny redirect %v", q)
	}
	if len(resp.Cookies()) != 0 {
		t.Errorf("deny set a cookie")
	}
}

func TestAuthorizeRefusals(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, key, value, want string
	}{
		{"no appid", "appid", "", "10012"},
		{"unknown appid", "appid", "wx0000000000000000", "appid 无效"},
		{"no redirect", "redirect_uri", "", "10011"},
		{"relative redirect", "redirect_uri", "/wechat/callback", "10003"},
		{"ftp redirect", "redirect_uri", "ftp://127.0.0.1/x", "10003"},
		{"foreign host", "redirect_uri", "https://evil.example/cb", "10003"},
		{"userinfo in redirect", "redirect_uri", "http://a@127.0.0.1/cb", "10003"},
		{"token response", "response_type", "token", "response_type"},
		{"no scope", "scope", "", "10010"},
		{"login scope", "scope", "snsapi_login", "10005"},
		{"long state", "state", strings.Repeat("s", 129), "128"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			link := authorizeURL(e, "snsapi_base", "x", tt.key, tt.value)
			resp, html := getPage(t, browser(t), link)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(html, tt.want) || !strings.Contains(html, "无法授权") {
				t.Errorf("%d, page lacks %q:\n%s", resp.StatusCode, tt.want, html)
			}
		})
	}
}

func TestAuthorizeRedirectHosts(t *testing.T) {
	e := newEnv(t, func(c *wxplatform.Config) { c.RedirectHosts = []string{"shebao.example", "demo.example:8443"} })
	tests := []struct {
		redirect string
		ok       bool
	}{
		{"https://shebao.example/cb", true},
		{"https://SHEBAO.example:444/cb", true},
		{"https://demo.example:8443/cb", true},
		{"https://demo.example/cb", false},
		{"https://sub.shebao.example/cb", false},
		{"http://127.0.0.1:8080/cb", false},
	}
	for _, tt := range tests {
		q := url.Values{"appid": {appID}, "redirect_uri": {tt.redirect}, "response_type": {"code"}, "scope": {"snsapi_base"}}
		resp, _ := getPage(t, browser(t), e.base+"/connect/oauth2/authorize?"+q.Encode())
		if (resp.StatusCode == http.StatusOK) != tt.ok {
			t.Errorf("%s: %d", tt.redirect, resp.StatusCode)
		}
	}
}

func TestAuthorizePostRefusesCrossOrigin(t *testing.T) {
	e := newEnv(t)
	form := url.Values{"appid": {appID}, "redirect_uri": {callback}, "response_type": {"code"}, "scope": {"snsapi_base"}, "openid": {presetA}, "decision": {"allow"}}
	req, _ := http.NewRequest(http.MethodPost, e.base+"/connect/oauth2/authorize", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, _ := do(t, browser(t), req)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST: %d", resp.StatusCode)
	}
	// An openid of another app is refused.
	form.Set("openid", "oZZZZZ0123456789abcdefghijkl")
	resp, _ = postForm(t, browser(t), e.base+"/connect/oauth2/authorize", form)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown openid: %d", resp.StatusCode)
	}
}

func TestOAuthTokenErrors(t *testing.T) {
	e := newEnv(t)
	b := browser(t)
	issue := func() string {
		form := url.Values{"appid": {appID}, "redirect_uri": {callback}, "response_type": {"code"}, "scope": {"snsapi_base"}, "openid": {presetA}, "decision": {"allow"}}
		resp, _ := postForm(t, b, e.base+"/connect/oauth2/authorize", form)
		return redirected(t, resp, http.StatusSeeOther).Get("code")
	}
	jsCode, _ := e.jsCode(appID, presetA)
	otherCode, _ := e.jsCode(otherApp, "")
	expired := issue()
	e.clock.Advance(5 * time.Minute)
	tests := []struct {
		name                     string
		app, secret, code, grant string
		wantCode                 int
		wantMsg                  string
	}{
		{"grant type", appID, appSecret, issue(), "client_credential", 40002, "invalid grant_type"},
		{"no appid", "", appSecret, issue(), "authorization_code", 41002, "appid missing"},
		{"unknown appid", "wx0000000000000000", appSecret, issue(), "authorization_code", 40013, "invalid appid"},
		{"no secret", appID, "", issue(), "authorization_code", 41004, "appsecret missing"},
		{"wrong secret", appID, otherKey, issue(), "authorization_code", 40125, "invalid appsecret"},
		{"no code", appID, appSecret, "", "authorization_code", 41008, "missing code"},
		{"made-up code", appID, appSecret, "061AbCdEfGhIjKlMnOpQrStUvWxYz012", "authorization_code", 40029, "invalid code"},
		{"expired code", appID, appSecret, expired, "authorization_code", 40029, "invalid code"},
		{"wx.login code", appID, appSecret, jsCode, "authorization_code", 40029, "invalid code"},
		{"other app's code", otherApp, otherKey, issue(), "authorization_code", 40029, "invalid code"},
		{"other app's login code", appID, appSecret, otherCode, "authorization_code", 40029, "invalid code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.apiGet("/sns/oauth2/access_token", url.Values{"appid": {tt.app}, "secret": {tt.secret}, "code": {tt.code}, "grant_type": {tt.grant}})
			if r.errcode() != tt.wantCode || r.str("errmsg") != tt.wantMsg {
				t.Errorf("got %v, want %d %s", r, tt.wantCode, tt.wantMsg)
			}
		})
	}
}
