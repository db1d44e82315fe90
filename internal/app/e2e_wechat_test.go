package app_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/notice"
	"github.com/shebao-project/shebao/internal/payment"
)

// wxApp is the demo mini-program's app id, as the mini-program knows it.
func (e *env) wxApp(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(e.DataDir, "sandbox", "miniprogram", "wechat-app.json"))
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

// TestE2EWeChatMessages: with the person's one-off consents, a reminder and
// a payment result arrive as WeChat subscription messages (in the sandbox),
// each using up one consent; the payment is made the mini-program's way.
func TestE2EWeChatMessages(t *testing.T) {
	// Reminders wait out the night (21:00–08:00 Beijing): the reminder is
	// sent at 10:00 Beijing today, whatever the hour the test runs at; the
	// payment then runs on real time (WeChat Pay's SDK signs with it).
	now := time.Now().In(payment.Beijing())
	ten := time.Date(now.Year(), now.Month(), now.Day(), 10, 0, 0, 0, payment.Beijing())
	clock := &shiftClock{offset: ten.Sub(now)}
	e := startClockedApp(t, clock)
	code, openID := e.jsCode(t, "")
	var unbound struct {
		BindTicket string `json:"bind_ticket"`
	}
	e.call(t, http.MethodPost, "/api/v1/auth/sessions", "", nil,
		map[string]string{"method": "wechat_miniprogram", "code": code}).want(t, http.StatusForbidden).json(t, &unbound)
	phone := "13800000001"
	e.call(t, http.MethodPost, "/api/v1/auth/sms-codes", "", nil, map[string]string{"phone": phone}).want(t, http.StatusAccepted)
	var s struct {
		Token string `json:"token"`
	}
	e.call(t, http.MethodPost, "/api/v1/auth/sessions", "", nil,
		map[string]string{"method": "sms", "phone": phone, "code": e.smsCode(t, phone), "bind_ticket": unbound.BindTicket}).want(t, http.StatusCreated).json(t, &s)

	var cfg struct {
		AppID     string            `json:"appid"`
		Templates map[string]string `json:"subscribe_templates"`
	}
	e.call(t, http.MethodGet, "/api/v1/wechat/config", "", nil, nil).want(t, http.StatusOK).json(t, &cfg)
	tids := []string{cfg.Templates["payment_result"], cfg.Templates["reminder"]}
	// wx.requestSubscribeMessage: the person taps 允许 for both …
	var consent struct {
		Results map[string]string `json:"results"`
	}
	e.raw(t, http.MethodPost, "/sandbox/wechat/control/subscriptions", nil, map[string]any{"appid": cfg.AppID, "openid": openID,
		"template_ids": tids, "decision": "accept"}).want(t, http.StatusOK).json(t, &consent)
	// … and the mini-program tells shebao.
	var subs struct {
		Subscriptions []struct {
			Kind      string `json:"kind"`
			Remaining int    `json:"remaining"`
		} `json:"subscriptions"`
	}
	e.call(t, http.MethodPost, "/api/v1/me/subscriptions", s.Token, nil, map[string]any{"results": consent.Results}).want(t, http.StatusOK).json(t, &subs)
	if len(subs.Subscriptions) != 2 {
		t.Fatalf("subscriptions %+v, want payment_result and reminder", subs)
	}
	wantError(t, e.call(t, http.MethodPost, "/api/v1/me/subscriptions", s.Token, nil,
		map[string]any{"results": map[string]string{"not-a-template": "accept"}}), http.StatusBadRequest, "template_unknown", "results")

	// The day's reminder sweep.
	period := ten.Format("2006-01")
	err := e.run.App.Notices.RunJob(t.Context(), jobs.Job{Kind: notice.JobReminders, Ref: period})
	if err != nil && !errors.As(err, new(jobs.RetryAt)) {
		t.Fatalf("reminder sweep: %v", err)
	}
	e.waitMessage(t, openID, cfg.Templates["reminder"])
	// Back to real time, where the morning's session has ended: sign in
	// again, now the mini-program's way (the WeChat account is bound).
	clock.reset()
	code, _ = e.jsCode(t, openID)
	e.call(t, http.MethodPost, "/api/v1/auth/sessions", "", nil,
		map[string]string{"method": "wechat_miniprogram", "code": code}).want(t, http.StatusCreated).json(t, &s)

	// Pay the mini-program's way: wx.requestPayment with the order's parameters.
	// The order is paid in the mini-program: its app id, its openid.
	bs := e.bills(t, s.Token)
	var o order
	e.call(t, http.MethodPost, "/api/v1/orders", s.Token, keyHeader("mp-1"),
		map[string]any{"bill_ids": ids(bs), "channel": "wechatpay", "wechat_app": "miniprogram"}).want(t, http.StatusCreated).json(t, &o)
	if o.Pay == nil || o.Pay.AppID != cfg.AppID {
		t.Fatalf("mini-program order pays with app %+v, want the mini-program's %s", o.Pay, cfg.AppID)
	}
	var paid struct {
		ErrMsg string `json:"errMsg"`
	}
	e.raw(t, http.MethodPost, "/sandbox/wechatpay/control/request-payment", nil, map[string]string{
		"timeStamp": o.Pay.TimeStamp, "nonceStr": o.Pay.NonceStr, "package": o.Pay.Package, "signType": o.Pay.SignType,
		"paySign": o.Pay.PaySign, "outcome": "success"}).want(t, http.StatusOK).json(t, &paid)
	if paid.ErrMsg != "requestPayment:ok" {
		t.Fatalf("wx.requestPayment: %q", paid.ErrMsg)
	}
	e.waitState(t, s.Token, o.ID, "credited")
	msg := e.waitMessage(t, openID, cfg.Templates["payment_result"])
	if msg.Data["character_string4"] != o.OutTradeNo {
		t.Errorf("payment result message %+v does not name order %s", msg.Data, o.OutTradeNo)
	}
	e.call(t, http.MethodGet, "/api/v1/me/subscriptions", s.Token, nil, nil).want(t, http.StatusOK).json(t, &subs)
	for _, sub := range subs.Subscriptions {
		if sub.Remaining != 0 {
			t.Errorf("%s consents left %d, want 0: each message uses one", sub.Kind, sub.Remaining)
		}
	}
}

type wxMessage struct {
	TemplateID string            `json:"template_id"`
	Data       map[string]string `json:"data"`
}

// waitMessage waits for a subscription message of template to reach openID
// in the sandbox.
func (e *env) waitMessage(t *testing.T, openID, template string) wxMessage {
	t.Helper()
	var found wxMessage
	eventually(t, "subscription message "+template, func() bool {
		var out struct {
			Messages []wxMessage `json:"messages"`
		}
		e.raw(t, http.MethodGet, "/sandbox/wechat/control/messages?openid="+openID, nil, nil).want(t, http.StatusOK).json(t, &out)
		for _, m := range out.Messages {
			if m.TemplateID == template {
				found = m
				return true
			}
		}
		return false
	})
	return found
}

// TestE2ENoticePreferences: a person turns reminders off and on again.
func TestE2ENoticePreferences(t *testing.T) {
	e := startApp(t)
	token, _ := e.login(t, "13800000003")
	var p struct {
		Reminders bool `json:"reminders"`
	}
	e.call(t, http.MethodGet, "/api/v1/me/notice-preferences", token, nil, nil).want(t, http.StatusOK).json(t, &p)
	if !p.Reminders {
		t.Fatal("reminders are off before the person chose")
	}
	e.call(t, http.MethodPut, "/api/v1/me/notice-preferences", token, nil, map[string]bool{"reminders": false}).want(t, http.StatusOK)
	e.call(t, http.MethodGet, "/api/v1/me/notice-preferences", token, nil, nil).want(t, http.StatusOK).json(t, &p)
	if p.Reminders {
		t.Fatal("reminders still on after turning them off")
	}
	wantError(t, e.call(t, http.MethodPut, "/api/v1/me/notice-preferences", token, nil, map[string]any{"reminders": "no"}),
		http.StatusBadRequest, "invalid_json", "reminders")
}

// TestE2EBridgeFailureSaysSo: WeChat's JS bridge answers a failed payment
// with ":fail" and no reason; the result page says the payment did not go
// through, without claiming why, and the order stays payable.
func TestE2EBridgeFailureSaysSo(t *testing.T) {
	t.Parallel()
	e := startApp(t)
	b := newBrowser(t, e)
	b.signIn(t, "13800000002")
	pay := b.get(t, "/me").want(t, http.StatusOK).form(t, "/orders").values("")
	r := b.post(t, "/orders", pay, sameOrigin(e)).want(t, http.StatusSeeOther)
	token, _ := e.login(t, "13800000002")
	var os struct {
		Orders []order `json:"orders"`
	}
	e.call(t, http.MethodGet, "/api/v1/me/orders", token, nil, nil).want(t, http.StatusOK).json(t, &os)
	if len(os.Orders) == 0 {
		t.Fatalf("no order after paying from the page (sent to %q)", r.Header.Get("Location"))
	}
	p := b.get(t, "/orders/"+os.Orders[0].ID+"?cashier=failed").want(t, http.StatusOK)
	if !strings.Contains(p.html, "微信没有说明原因") || strings.Contains(p.html, "支付未完成：余额不足") {
		t.Errorf("the result page after a bridge failure does not say it plainly, or claims a reason:\n%s", p.html)
	}
	if o := e.getOrder(t, token, os.Orders[0].ID); o.State != "awaiting_payment" {
		t.Errorf("after a failure at the bridge the order is %s, want awaiting_payment", o.State)
	}
}
