package browsertest

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// weChatUA is what WeChat's in-app browser on Android sends: the pages key
// on "MicroMessenger".
const weChatUA = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/130.0.0.0 Mobile Safari/537.36 XWEB/1300259 MMWEBSDK/20240301 MMWEBID/1234 MicroMessenger/8.0.50.2600(0x2800323D) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64"

// TestBrowserInWeChat opens the service as WeChat's in-app browser would:
// the sandbox's web authorisation instead of a login screen; the first
// time, one real-name sign-in links the WeChat user; payment goes through
// the JS bridge (getBrandWCPayRequest) with the merchant-signed parameters;
// and the next visit needs no sign-in at all.
func TestBrowserInWeChat(t *testing.T) {
	browser := startBrowser(t)
	srv := startServer(t)
	tb := newTab(t, browser, srv)
	if _, err := chromedp.Call(tb.ctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: weChatUA}); err != nil {
		t.Fatalf("user agent: %v", err)
	}
	click := func(sel string) {
		t.Helper()
		eval[bool](tb, `window.__leaving = true`)
		eval[bool](tb, `(document.querySelector(`+jsString(sel)+`).click(), true)`)
		tb.settle()
	}

	// No session: WeChat's authorisation, where the sandbox asks which
	// WeChat user this is (WeChat itself knows).
	tb.open("/me")
	if p := tb.path(); !strings.HasPrefix(p, "/sandbox/wechat/connect/oauth2/authorize") {
		t.Fatalf("in WeChat /me went to %s, want WeChat's authorisation", p)
	}
	f := &flow{tab: tb, name: "wechat-authorize", lang: "zh-CN", profile: "national", report: &report{}}
	f.audit("wechat-authorize", false)
	eval[bool](tb, `(document.querySelector('input[value="new"]').click(), true)`)
	click(`button[name=decision][value=allow]`)
	if p := tb.path(); p != "/login?wechat=bind" {
		t.Fatalf("a new WeChat user landed on %s, want the one-time real-name step", p)
	}
	if !strings.Contains(tb.text(), "首次从微信进入") {
		t.Errorf("the login page does not explain the one-time step:\n%s", tb.text())
	}
	f.audit("login-bind", true)
	phone := "13800000002"
	eval[bool](tb, `(document.getElementById('phone').value = '`+phone+`', true)`)
	click(`form[action="/login/code"] button[type=submit]`)
	eval[bool](tb, `(document.getElementById('code').value = '`+srv.smsCode(t, phone)+`', true)`)
	click(`form[action="/login"] button[type=submit]`)
	if p := tb.path(); p != "/me" {
		t.Fatalf("after the real-name step the page is %s, want /me", p)
	}
	if eval[bool](tb, `!!document.querySelector('input[value=wechatpay_native]')`) {
		t.Error("inside WeChat the record page offers QR payment")
	}

	// Pay through the bridge: the order page's button invokes
	// getBrandWCPayRequest; the sandbox's sheet stands in for WeChat's.
	click(`form[action="/orders"] button[type=submit]`)
	if !strings.HasPrefix(tb.path(), "/orders/") {
		t.Fatalf("paying led to %s", tb.path())
	}
	f.audit("order-wechat", true)
	if eval[bool](tb, `document.getElementById('wxpay').hidden`) {
		t.Fatal("the WeChat pay button is hidden: wxpay.js did not run")
	}
	eval[bool](tb, `(document.getElementById('wxpay').click(), true)`)
	for i := 0; !eval[bool](tb, `!!document.querySelector('#wx-sandbox-sheet button[data-outcome=success]')`); i++ {
		if i > 100 {
			t.Fatal("the sandbox payment sheet never opened")
		}
		time.Sleep(50 * time.Millisecond)
	}
	eval[bool](tb, `window.__leaving = true`)
	eval[bool](tb, `(document.querySelector('#wx-sandbox-sheet button[data-outcome=success]').click(), true)`)
	tb.settle()
	tb.waitText("缴费成功")
	if errs := eval[[]string](tb, `window.__errors`); len(errs) > 0 {
		t.Errorf("script errors or CSP violations: %v", errs)
	}

	// Next visit from WeChat: signed out, but the link is enough.
	click(`form[action="/logout"] button[type=submit]`)
	tb.open("/me")
	if p := tb.path(); p != "/me" {
		t.Fatalf("a linked WeChat user's next visit landed on %s, want /me without signing in", p)
	}
}

func jsString(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }
