package browsertest

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp/kb"
)

// TestBrowserNationalLogin signs in with the national government-service
// platform's unified login in Chromium, by keyboard, in care mode: Hangzhou's
// login page offers it first, the sandbox platform's page chooses the
// person, and the browser comes back signed in.
func TestBrowserNationalLogin(t *testing.T) {
	browser := startBrowser(t)
	srv := startServer(t)
	tb := newTab(t, browser, srv)
	f := &flow{tab: tb, name: "national-login", lang: "zh-CN", profile: "national", care: true, report: &report{}}

	tb.open("/")
	tb.tabTo(`button[name=care]`)
	tb.press(kb.Enter, true)
	tb.open("/login?region=330100")
	if !strings.Contains(tb.text(), "国家政务服务平台统一认证") {
		t.Fatalf("Hangzhou's login page does not offer the national login:\n%s", tb.text())
	}
	f.audit("login-national", true)
	tb.tabTo(`a[href^="/auth/national"]`)
	tb.press(kb.Enter, true)
	if p := tb.path(); !strings.HasPrefix(p, "/sandbox/govlogin/oidc/authorize") {
		t.Fatalf("the national login went to %s, want the platform's sign-in", p)
	}
	f.audit("national-platform", false)
	tb.tabTo(`button[name=sandbox_person][value="0"]`)
	tb.press(kb.Enter, true)
	if p := tb.path(); p != "/me" {
		t.Fatalf("after the platform the page is %s, want /me:\n%s", p, tb.text())
	}
	if !strings.Contains(tb.text(), "110***********") { // 张伟's masked ID number
		t.Errorf("the record page is not the chosen person's:\n%s", tb.text())
	}
}
