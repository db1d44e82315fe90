package wechatpay_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/sandbox/wechatpay"
)

func get(t *testing.T, link string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// postForm submits the cashier form like a browser, without following the
// redirect, so the test sees the 303 itself.
func postForm(t *testing.T, link string, form url.Values) (*http.Response, string) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(link, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestCashierPage(t *testing.T) {
	e := newEnv(t)
	id := *e.prepay("SB-page-1", 1454, "https://merchant.example/notify").PrepayId
	resp, html := get(t, e.ts.URL+mount+"/cashier/"+id+"?return=/pay/done%3Fbill%3D42")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("page: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{`<html lang="zh-CN">`, "社保缴费（沙箱）", "¥14.54", "2025年7月城乡居民养老保险", "SB-page-1",
		`<form method="post" action="` + mount + `/cashier/` + id + `"`, `name="outcome" value="success"`, ">确认支付<",
		`value="cancel"`, ">取消<", `value="insufficient"`, ">模拟余额不足<", `name="return" value="/pay/done?bill=42"`,
		`name="viewport"`} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(html, "<script") || strings.Contains(html, "<style") || regexp.MustCompile(`(src|href)="(https?:)?//`).MatchString(html) {
		t.Errorf("page has script, inline style or external assets:\n%s", html)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
	css := regexp.MustCompile(`href="([^"]+\.css[^"]*)"`).FindStringSubmatch(html)
	if css == nil {
		t.Fatal("no stylesheet link")
	}
	if r, body := get(t, e.ts.URL+css[1]); r.StatusCode != 200 || r.Header.Get("Content-Type") != "text/css; charset=utf-8" || !strings.Contains(body, ".primary") {
		t.Errorf("stylesheet: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	for _, bad := range []string{"//evil.example/x", "https://evil.example/", "/\\evil.example", "pay/done"} {
		if _, html := get(t, e.ts.URL+mount+"/cashier/"+id+"?return="+url.QueryEscape(bad)); strings.Contains(html, `name="return"`) {
			t.Errorf("return %q was carried", bad)
		}
	}
	if r, _ := get(t, e.ts.URL+mount+"/cashier/wx-unknown"); r.StatusCode != http.StatusNotFound {
		t.Errorf("unknown prepay page: %d", r.StatusCode)
	}
}

func TestCashierForm(t *testing.T) {
	e := newEnv(t)
	id := *e.prepay("SB-form-1", 100, "https://merchant.example/notify").PrepayId
	link := e.ts.URL + mount + "/cashier/" + id

	resp, _ := postForm(t, link, url.Values{"outcome": {"cancel"}, "return": {"/pay/done?bill=42"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/pay/done?bill=42&cashier=cancel" {
		t.Errorf("cancel: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, html := postForm(t, link, url.Values{"outcome": {"insufficient"}, "return": {"https://evil.example/"}})
	if resp.StatusCode != 200 || !strings.Contains(html, "余额不足") || resp.Header.Get("Location") != "" {
		t.Errorf("insufficient without a usable return: %d %q", resp.StatusCode, html)
	}
	txn, _, _ := e.jsapi.QueryOrderByOutTradeNo(context.Background(), queryReq("SB-form-1"))
	if *txn.TradeState != "NOTPAY" || !strings.Contains(*txn.TradeStateDesc, "余额不足") {
		t.Errorf("after insufficient: %s %s", *txn.TradeState, *txn.TradeStateDesc)
	}
	resp, html = postForm(t, link, url.Values{"outcome": {"success"}})
	if resp.StatusCode != 200 || !strings.Contains(html, "支付成功") {
		t.Errorf("success page: %d %q", resp.StatusCode, html)
	}
	resp, _ = postForm(t, link, url.Values{"outcome": {"bogus"}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bogus outcome: %d", resp.StatusCode)
	}

	// Browsers' cross-site form posts are refused.
	req, _ := http.NewRequest("POST", link, strings.NewReader("outcome=success"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site post: %d", r.StatusCode)
	}
}

func TestCashierOutcomes(t *testing.T) {
	e := newEnv(t)
	rc := newReceiver(t)
	id := *e.prepay("SB-json-1", 100, rc.url()).PrepayId
	if status, res := e.cashier(id, "insufficient"); status != 200 || res.TradeState != "NOTPAY" || res.Outcome != "insufficient" {
		t.Errorf("insufficient: %d %+v", status, res)
	}
	if status, res := e.cashier(id, "cancel"); status != 200 || res.TradeState != "NOTPAY" {
		t.Errorf("cancel: %d %+v", status, res)
	}
	if status, res := e.cashier(id, "success"); status != 200 || res.TradeState != "SUCCESS" {
		t.Errorf("success: %d %+v", status, res)
	}
	if status, res := e.cashier(id, "success"); status != 200 || res.TradeState != "SUCCESS" {
		t.Errorf("paying twice: %d %+v", status, res)
	}
	rc.next(t)
	rc.none(t) // paying twice notified once
	if n := len(deliveriesFor(e, "SB-json-1")); n != 1 {
		t.Errorf("%d deliveries", n)
	}

	if err := e.srv.SetFaults(wechatpay.Faults{InsufficientLimitFen: 1000}); err != nil {
		t.Fatal(err)
	}
	big := *e.prepay("SB-json-2", 1454, rc.url()).PrepayId
	if status, res := e.cashier(big, "success"); status != 200 || res.Outcome != "insufficient" || res.TradeState != "NOTPAY" {
		t.Errorf("over the balance: %d %+v", status, res)
	}

	if status, res := e.cashier("wx-unknown", "success"); status != http.StatusNotFound || res.Code != "PREPAY_NOT_EXIST" {
		t.Errorf("unknown prepay: %d %+v", status, res)
	}
	e.clock.Advance(2*time.Hour + time.Minute) // the SDK is not used after this
	if status, res := e.cashier(big, "success"); status != http.StatusNotFound || res.Code != "PREPAY_EXPIRED" {
		t.Errorf("expired prepay: %d %+v", status, res)
	}
}
