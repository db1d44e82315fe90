package wxplatform_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

// tokenState sends a message that fails after the token check (no consent),
// so its errcode says only whether the token was accepted: 43101 yes.
func (e *env) tokenState(tok string) int {
	e.t.Helper()
	return e.send(tok, paymentMessage(presetA)).errcode()
}

func TestTokenLifetime(t *testing.T) {
	e := newEnv(t)
	tok := e.token()
	if got := e.tokenState(tok); got != 43101 {
		t.Fatalf("fresh token: %d", got)
	}
	e.clock.Advance(7199 * time.Second)
	if got := e.tokenState(tok); got != 43101 {
		t.Errorf("token near expiry: %d", got)
	}
	e.clock.Advance(time.Second)
	if got := e.tokenState(tok); got != 42001 {
		t.Errorf("expired token: %d", got)
	}
	if got := e.tokenState("12_not-a-token"); got != 40001 {
		t.Errorf("unknown token: %d", got)
	}
	if got := e.tokenState(""); got != 41001 {
		t.Errorf("missing token: %d", got)
	}
}

// TestTokenReplaced: getAccessToken invalidates the app's earlier tokens,
// which stay usable for five more minutes.
func TestTokenReplaced(t *testing.T) {
	e := newEnv(t)
	old := e.token()
	e.clock.Advance(time.Hour)
	fresh := e.token()
	e.clock.Advance(5*time.Minute - time.Second)
	if e.tokenState(old) != 43101 || e.tokenState(fresh) != 43101 {
		t.Fatal("both tokens should work during the overlap")
	}
	e.clock.Advance(time.Second)
	if got := e.tokenState(old); got != 40001 {
		t.Errorf("replaced token: %d", got)
	}
	if got := e.tokenState(fresh); got != 43101 {
		t.Errorf("new token: %d", got)
	}
	// The other app's token is not affected by this app's.
	r := e.apiGet("/cgi-bin/token", url.Values{"grant_type": {"client_credential"}, "appid": {otherApp}, "secret": {otherKey}})
	e.token()
	if got := e.tokenState(r.str("access_token")); got != 40003 { // valid token, but presetA is not the other app's user
		t.Errorf("other app's token: %d", got)
	}
}

func TestTokenErrors(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name               string
		grant, app, secret string
		want               int
	}{
		{"grant", "authorization_code", appID, appSecret, 40002},
		{"no appid", "client_credential", "", appSecret, 41002},
		{"unknown appid", "client_credential", "wx0000000000000000", appSecret, 40013},
		{"no secret", "client_credential", appID, "", 41004},
		{"wrong secret", "client_credential", appID, otherKey, 40125},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.apiGet("/cgi-bin/token", url.Values{"grant_type": {tt.grant}, "appid": {tt.app}, "secret": {tt.secret}})
			if r.errcode() != tt.want || r.str("access_token") != "" {
				t.Errorf("got %v, want %d", r, tt.want)
			}
		})
	}
}

func (e *env) stableToken(force bool) apiResult {
	e.t.Helper()
	return e.apiPost("/cgi-bin/stable_token", nil, map[string]any{"grant_type": "client_credential", "appid": appID, "secret": appSecret, "force_refresh": force})
}

func TestStableToken(t *testing.T) {
	e := newEnv(t)
	first := e.stableToken(false)
	tok := first.str("access_token")
	if tok == "" || first.num("expires_in") != 7200 {
		t.Fatalf("stable token: %v", first)
	}
	// Isolated from getAccessToken: a plain token does not replace it.
	e.token()
	e.clock.Advance(time.Hour)
	again := e.stableToken(false)
	if again.str("access_token") != tok || again.num("expires_in") != 3600 {
		t.Errorf("normal mode changed the token: %v", again)
	}
	// In the last five minutes normal mode hands out the next token.
	e.clock.Advance(56 * time.Minute)
	next := e.stableToken(false)
	if next.str("access_token") == tok || next.num("expires_in") != 7200 {
		t.Errorf("renewal: %v", next)
	}
	if e.tokenState(tok) != 43101 || e.tokenState(next.str("access_token")) != 43101 {
		t.Error("old and new stable tokens should both work during the overlap")
	}
	// Force refresh replaces it at once; a second within 30 s does not.
	forced := e.stableToken(true)
	if forced.str("access_token") == next.str("access_token") {
		t.Fatal("force refresh kept the token")
	}
	if got := e.tokenState(next.str("access_token")); got != 40001 {
		t.Errorf("token replaced by force refresh: %d", got)
	}
	if again := e.stableToken(true); again.str("access_token") != forced.str("access_token") {
		t.Error("force refresh within 30 s changed the token")
	}
	e.clock.Advance(30 * time.Second)
	if again := e.stableToken(true); again.str("access_token") == forced.str("access_token") {
		t.Error("force refresh after 30 s kept the token")
	}
}

func TestStableTokenErrors(t *testing.T) {
	e := newEnv(t)
	for _, tt := range []struct {
		body any
		want int
	}{
		{"", 44002},
		{"{", 47001},
		{map[string]any{"grant_type": "client_credential", "appid": appID, "secret": "x"}, 40125},
		{map[string]any{"grant_type": "password", "appid": appID, "secret": appSecret}, 40002},
	} {
		resp, body := e.postJSON("/cgi-bin/stable_token", tt.body)
		if r := decode(t, body); resp.StatusCode != 200 || r.errcode() != tt.want {
			t.Errorf("%v: %d %s", tt.body, resp.StatusCode, body)
		}
	}
	resp, body := getPage(t, http.DefaultClient, e.base+"/cgi-bin/stable_token")
	if r := decode(t, body); resp.StatusCode != 200 || r.errcode() != 43002 {
		t.Errorf("GET stable_token: %s", body)
	}
}
