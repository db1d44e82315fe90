package app_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// wxApp is the demo WeChat app id, as a mini-program would know it.
func (e *env) wxApp(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(e.DataDir, "sandbox", "wechat-app.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		AppID string `json:"appid"`
	}
	if err := json.Unmarshal(b, &c); err != nil || c.AppID == "" {
		t.Fatalf("wechat-app.json: %v", err)
	}
	return c.AppID
}

// jsCode is wx.login for a WeChat user ("" = a new one); it returns the
// code and the user's openid.
func (e *env) jsCode(t *testing.T, openID string) (string, string) {
	t.Helper()
	var out struct{ Code, OpenID string }
	e.raw(t, http.MethodPost, "/sandbox/wechat/control/js-codes", nil,
		map[string]string{"appid": e.wxApp(t), "openid": openID}).want(t, http.StatusOK).json(t, &out)
	if out.Code == "" || out.OpenID == "" {
		t.Fatalf("wx.login gave %+v", out)
	}
	return out.Code, out.OpenID
}

// TestE2EWeChatMiniProgramSignIn: a new WeChat user is asked for one
// real-name sign-in, which links them; afterwards wx.login alone signs in.
// Codes work once; a WeChat-only session must step up for personal data.
func TestE2EWeChatMiniProgramSignIn(t *testing.T) {
	e := startApp(t)
	code, openID := e.jsCode(t, "")
	var unbound struct {
		Error      struct{ Code string } `json:"error"`
		BindTicket string                `json:"bind_ticket"`
	}
	e.call(t, http.MethodPost, "/api/v1/auth/sessions", "", nil,
		map[string]string{"method": "wechat_miniprogram", "code": code}).want(t, http.StatusForbidden).json(t, &unbound)
	if unbound.Error.Code != "wechat_not_bound" || unbound.BindTicket == "" {
		t.Fatalf("new WeChat user: %+v, want wechat_not_bound with a bind ticket", unbound)
	}
	wantError(t, e.call(t, http.MethodPost, "/api/v1/auth/sessions", "", nil,
		map[string]string{"method": "wechat_miniprogram", "code": code}), http.StatusUnauthorized, "wechat_code_invalid", "code")

	firstTicket := unbound.BindTicket
	// A forged ticket is refused before the SMS code is used.
	phone := "13800000002"
	e.call(t, http.MethodPost, "/api/v1/auth/sms-codes", "", nil, map[string]string{"phone": phone}).want(t, http.StatusAccepted)
	sms := e.smsCode(t, phone)
	wantError(t, e.call(t, http.MethodPost, "/api/v1/auth/sessions", "", nil,
		map[string]string{"method": "sms", "phone": phone, "code": sms, "bind_ticket": unbound.BindTicket + "x"}), http.StatusBadRequest, "bind_ticket_invalid", "bind_ticket")
	var bound struct {
		Token  string `json:"token"`
		Person person `json:"person"`
	}
	e.call(t, http.MethodPost, "/api/v1/auth/sessions", "", nil,
		map[string]string{"method": "sms", "phone": phone, "code": sms, "bind_ticket": unbound.BindTicket}).want(t, http.StatusCreated).json(t, &bound)

	code, again := e.jsCode(t, openID)
	if again != openID {
		t.Fatalf("wx.login for the same user gave openid %s, want %s", again, openID)
	}
	var wx struct {
		Token  string `json:"token"`
		Person person `json:"person"`
	}
	e.call(t, http.MethodPost, "/api/v1/auth/sessions", "", nil,
		map[string]string{"method": "wechat_miniprogram", "code": code}).want(t, http.StatusCreated).json(t, &wx)
	if wx.Person.ID != bound.Person.ID {
		t.Fatalf("WeChat sign-in reached person %s, want %s", wx.Person.ID, bound.Person.ID)
	}
	// Enough for the record and bills; not for the unmasked export.
	e.bills(t, wx.Token)
	wantError(t, e.call(t, http.MethodGet, "/api/v1/me/export", wx.Token, nil, nil), http.StatusForbidden, "step_up_required", "")
	e.call(t, http.MethodGet, "/api/v1/me/export", bound.Token, nil, nil).want(t, http.StatusOK)

	// The same WeChat user cannot be linked to a second person: replaying
	// the first ticket with another person's sign-in is refused, and that
	// sign-in does not stand.
	other := "13800000003"
	e.call(t, http.MethodPost, "/api/v1/auth/sms-codes", "", nil, map[string]string{"phone": other}).want(t, http.StatusAccepted)
	wantError(t, e.call(t, http.MethodPost, "/api/v1/auth/sessions", "", nil,
		map[string]string{"method": "sms", "phone": other, "code": e.smsCode(t, other), "bind_ticket": firstTicket}), http.StatusConflict, "wechat_bound_elsewhere", "")
	// An OAuth code is not a mini-program code: WeChat refuses it.
	code, _ = e.jsCode(t, openID)
	wantError(t, e.call(t, http.MethodPost, "/api/v1/auth/sessions", "", nil,
		map[string]string{"method": "wechat_oauth", "code": code}), http.StatusUnauthorized, "wechat_code_invalid", "code")
}
