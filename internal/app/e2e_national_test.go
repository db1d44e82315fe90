package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/shebao-project/shebao/internal/app"
	"github.com/shebao-project/shebao/internal/pii"
)

// The national government-service login is an OpenID Connect provider; in
// demo mode the sandbox serves one (mockoidc behind the platform's chooser
// page) at /sandbox/govlogin/oidc, and these tests sign in against it.

// relative turns one of the server's absolute URLs into a path for b.get.
func relative(t *testing.T, e *env, u string) string {
	t.Helper()
	p, ok := strings.CutPrefix(u, e.URL)
	if !ok {
		t.Fatalf("URL %q is not on the server %s", u, e.URL)
	}
	return p
}

// nationalAuthorize starts a web sign-in and returns the platform's
// authorisation URL (as a path on the demo server).
func nationalAuthorize(t *testing.T, b *browser, region string) string {
	t.Helper()
	r := b.get(t, "/auth/national?region="+region).want(t, http.StatusFound)
	loc := relative(t, b.e, r.Header.Get("Location"))
	if !strings.HasPrefix(loc, "/sandbox/govlogin/oidc/authorize?") {
		t.Fatalf("sent to %q, want the platform's authorisation endpoint", loc)
	}
	q, _ := url.Parse(loc)
	if q.Query().Get("code_challenge_method") != "S256" || q.Query().Get("nonce") == "" || q.Query().Get("state") == "" {
		t.Fatalf("authorisation request without PKCE, nonce or state: %s", loc)
	}
	return loc
}

// platformAnswer has the platform sign in as choice and returns where it
// sends the browser back (the callback path with code and state).
func platformAnswer(t *testing.T, b *browser, authorize, choice string) string {
	t.Helper()
	r := b.get(t, authorize+"&"+choice).want(t, http.StatusFound)
	back := relative(t, b.e, r.Header.Get("Location"))
	if !strings.HasPrefix(back, "/auth/national/callback?") {
		t.Fatalf("platform sent the browser to %q", back)
	}
	return back
}

func TestE2ENationalLoginWeb(t *testing.T) {
	t.Parallel()
	e := startApp(t)
	b := newBrowser(t, e)

	// Hangzhou's pack names the national login: the page offers it first.
	login := b.get(t, "/login?region=330100").want(t, http.StatusOK)
	if !strings.Contains(login.html, `href="/auth/national?region=330100"`) {
		t.Fatal("the Hangzhou login page does not offer the national login")
	}
	// Guangzhou's does not.
	if strings.Contains(b.get(t, "/login?region=440100").want(t, http.StatusOK).html, "/auth/national") {
		t.Error("the Guangzhou login page offers the national login its pack does not list")
	}

	authorize := nationalAuthorize(t, b, "330100")
	chooser := b.get(t, authorize).want(t, http.StatusOK)
	if !strings.Contains(chooser.html, "国家政务服务平台统一身份认证") || !strings.Contains(chooser.html, app.DemoPeople[0].Name) {
		t.Fatal("the platform's sign-in page does not list the demo people")
	}
	back := platformAnswer(t, b, authorize, "sandbox_person=0")
	r := b.get(t, back).want(t, http.StatusSeeOther)
	if r.Header.Get("Location") != "/me" {
		t.Fatalf("after the platform: redirected to %q, want /me", r.Header.Get("Location"))
	}
	me := b.get(t, "/me").want(t, http.StatusOK)
	if !strings.Contains(me.html, pii.MaskIDNumber(app.DemoIDNumber(0))) {
		t.Error("the record page after a national login is not 张伟's")
	}
	if strings.Contains(me.html, app.DemoIDNumber(0)) {
		t.Error("the record page shows the full ID number")
	}

	// The same answer again: the state cookie is gone, so it is refused.
	if p := b.get(t, back); p.Status != http.StatusBadRequest || !strings.Contains(p.html, "重新选择") {
		t.Errorf("replayed callback: %d", p.Status)
	}
	// Login CSRF: an answer obtained in one browser, delivered to another.
	attacker := newBrowser(t, e)
	stolen := platformAnswer(t, attacker, nationalAuthorize(t, attacker, "330100"), "sandbox_person=1")
	victim := newBrowser(t, e)
	if p := victim.get(t, stolen); p.Status != http.StatusBadRequest {
		t.Errorf("callback without this browser's state: %d, want 400", p.Status)
	}
	if r := victim.get(t, "/me"); r.Status != http.StatusSeeOther {
		t.Error("the victim's browser was signed in with someone else's answer")
	}

	cases := []struct {
		name, choice string
		status       int
		says         string
	}{
		{"the person declines at the platform", "sandbox_person=cancel", http.StatusBadRequest, "没有在国家政务服务平台完成登录"},
		{"not insured here", "sandbox_person=other&name=" + url.QueryEscape("赵六") + "&id_number=11010519491231002X",
			http.StatusNotFound, "没有您在本地区的参保登记"},
		{"the platform's name differs from the register", "sandbox_person=other&name=" + url.QueryEscape("张三") + "&id_number=" + app.DemoIDNumber(0),
			http.StatusUnprocessableEntity, "姓名与参保登记不一致"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := newBrowser(t, e)
			p := b.get(t, platformAnswer(t, b, nationalAuthorize(t, b, "330100"), c.choice))
			if p.Status != c.status || !strings.Contains(p.html, c.says) {
				t.Errorf("status %d, want %d saying %q", p.Status, c.status, c.says)
			}
			if r := b.get(t, "/me"); r.Status != http.StatusSeeOther {
				t.Error("signed in anyway")
			}
		})
	}
}

func TestE2ENationalLoginAPI(t *testing.T) {
	t.Parallel()
	e := startApp(t)
	var start struct {
		AuthorizeURL string `json:"authorize_url"`
		State        string `json:"state"`
		RedirectURI  string `json:"redirect_uri"`
	}
	e.call(t, http.MethodPost, "/api/v1/auth/national-login", "", nil, map[string]string{}).want(t, http.StatusCreated).json(t, &start)
	if start.RedirectURI != e.URL+"/auth/national/callback" || start.State == "" {
		t.Fatalf("start: %+v", start)
	}
	// The app opens authorize_url and catches the redirect.
	res, err := e.hc.Get(start.AuthorizeURL + "&sandbox_person=1")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	back, err := url.Parse(res.Header.Get("Location"))
	if err != nil || back.Query().Get("state") != start.State || back.Query().Get("code") == "" {
		t.Fatalf("platform answered %s %q", res.Status, res.Header.Get("Location"))
	}
	code := back.Query().Get("code")
	var signed struct {
		Token  string `json:"token"`
		Person person `json:"person"`
	}
	e.call(t, http.MethodPost, "/api/v1/auth/sessions", "", nil,
		map[string]string{"method": "national_login", "code": code, "state": start.State}).want(t, http.StatusCreated).json(t, &signed)
	if signed.Person.ID != "per_demo02" {
		t.Fatalf("signed in as %+v, want per_demo02 (李娜)", signed.Person)
	}
	// A real-name method: personal data needs no further step.
	e.call(t, http.MethodGet, "/api/v1/me/export", signed.Token, nil, nil).want(t, http.StatusOK)

	// The code is good once.
	wantError(t, e.call(t, http.MethodPost, "/api/v1/auth/sessions", "", nil,
		map[string]string{"method": "national_login", "code": code, "state": start.State}), http.StatusUnauthorized, "national_login_failed", "code")
	// A state from a web flow is not an app's.
	r := newBrowser(t, e).get(t, "/auth/national").want(t, http.StatusFound)
	u, _ := url.Parse(r.Header.Get("Location"))
	wantError(t, e.call(t, http.MethodPost, "/api/v1/auth/sessions", "", nil,
		map[string]string{"method": "national_login", "code": "x", "state": u.Query().Get("state")}), http.StatusBadRequest, "national_login_state_invalid", "state")
	// A forged state.
	wantError(t, e.call(t, http.MethodPost, "/api/v1/auth/sessions", "", nil,
		map[string]string{"method": "national_login", "code": "x", "state": start.State + "A"}), http.StatusBadRequest, "national_login_state_invalid", "state")
	// Only registered redirect URIs.
	wantError(t, e.call(t, http.MethodPost, "/api/v1/auth/national-login", "", nil,
		map[string]string{"redirect_uri": "https://evil.example/cb"}), http.StatusBadRequest, "redirect_uri_not_registered", "redirect_uri")
}

// A WeChat user met for the first time is linked by a national login, as by
// any real-name method; afterwards wx.login alone signs in.
func TestE2ENationalLoginBindsWeChat(t *testing.T) {
	t.Parallel()
	e := startApp(t)
	code, openID := e.jsCode(t, "")
	var unbound struct {
		BindTicket string `json:"bind_ticket"`
	}
	e.call(t, http.MethodPost, "/api/v1/auth/sessions", "", nil,
		map[string]string{"method": "wechat_miniprogram", "code": code}).want(t, http.StatusForbidden).json(t, &unbound)
	var start struct {
		AuthorizeURL string `json:"authorize_url"`
		State        string `json:"state"`
	}
	e.call(t, http.MethodPost, "/api/v1/auth/national-login", "", nil, map[string]string{}).want(t, http.StatusCreated).json(t, &start)
	res, err := e.hc.Get(start.AuthorizeURL + "&sandbox_person=2")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	back, _ := url.Parse(res.Header.Get("Location"))
	e.call(t, http.MethodPost, "/api/v1/auth/sessions", "", nil, map[string]string{"method": "national_login",
		"code": back.Query().Get("code"), "state": start.State, "bind_ticket": unbound.BindTicket}).want(t, http.StatusCreated)
	code, _ = e.jsCode(t, openID)
	var again struct {
		Person person `json:"person"`
	}
	e.call(t, http.MethodPost, "/api/v1/auth/sessions", "", nil,
		map[string]string{"method": "wechat_miniprogram", "code": code}).want(t, http.StatusCreated).json(t, &again)
	if again.Person.ID != "per_demo03" {
		t.Fatalf("WeChat now signs in as %q, want per_demo03", again.Person.ID)
	}
}
