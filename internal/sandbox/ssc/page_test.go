package ssc_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestConfirmPageIsAccessible(t *testing.T) {
	e := newEnv(t)
	link := e.debit("SSC-page-1", 35640)
	resp, html := get(t, link+"?return="+url.QueryEscape("/orders/42"))
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("page: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{`<html lang="zh-CN">`, `name="viewport"`, "¥356.40", "2026年城乡居民医疗保险", "SSC-page-1",
		`<label for="pin">`, `id="pin" name="pin" type="password" inputmode="numeric" autocomplete="off"`,
		`aria-describedby="pin-help"`, `value="success"`, ">确认付款<", `value="cancel"`, `value="wrong_pin"`,
		`value="insufficient"`, `value="frozen"`, `name="return" value="/orders/42"`, "6217 **** **** "} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	for _, banned := range []string{"<script", " style=", "onclick", "oHolder"} {
		if strings.Contains(html, banned) {
			t.Errorf("page contains %q", banned)
		}
	}
	csp := resp.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
	}
	css := regexp.MustCompile(`href="(` + mount + `/confirm\.css\?v=[0-9a-f]+)"`).FindStringSubmatch(html)
	if css == nil {
		t.Fatal("no versioned stylesheet link")
	}
	resp, body := get(t, e.ts.URL+css[1])
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/css; charset=utf-8" ||
		!strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || !strings.Contains(body, "min-height: 3rem") {
		t.Errorf("stylesheet: %d %v", resp.StatusCode, resp.Header)
	}
}

func TestConfirmFormFlow(t *testing.T) {
	e := newEnv(t)
	link := e.debit("SSC-form-1", 100)

	// A malformed PIN: the page again, with an error tied to the field.
	resp, html := postForm(t, link, url.Values{"outcome": {"success"}, "pin": {"12ab"}, "return": {"/orders/7"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(html, `aria-invalid="true"`) ||
		!strings.Contains(html, `role="alert"`) || !strings.Contains(html, "请输入6位数字交易密码") {
		t.Fatalf("bad PIN: %d\n%s", resp.StatusCode, html)
	}
	// A wrong PIN: the page again, saying how many tries are left.
	resp, html = postForm(t, link, url.Values{"outcome": {"wrong_pin"}, "return": {"/orders/7"}})
	if resp.StatusCode != 200 || !strings.Contains(html, "还可输入2次") || !strings.Contains(html, `value="/orders/7"`) {
		t.Fatalf("wrong PIN: %d\n%s", resp.StatusCode, html)
	}
	// The right one: back to the merchant's page with the outcome.
	resp, _ = postForm(t, link, url.Values{"outcome": {"success"}, "pin": {"864200"}, "return": {"/orders/7?tab=1"}})
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/orders/7?cashier=success&tab=1" {
		t.Fatalf("success: %d %q", resp.StatusCode, loc)
	}
	<-e.hits
	resp, html = get(t, link)
	if resp.StatusCode != 200 || !strings.Contains(html, "该订单已支付") {
		t.Errorf("paid page: %d", resp.StatusCode)
	}
}

func TestReturnMustBeRelative(t *testing.T) {
	e := newEnv(t)
	for i, ret := range []string{"https://evil.example/x", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", "orders/1"} {
		link := e.debit("SSC-ret-"+string(rune('a'+i))+"00000", 100)
		resp, html := postForm(t, link, url.Values{"outcome": {"cancel"}, "return": {ret}})
		if resp.StatusCode != 200 || resp.Header.Get("Location") != "" || !strings.Contains(html, "未扣款") {
			t.Errorf("return %q: %d %q", ret, resp.StatusCode, resp.Header.Get("Location"))
		}
		if _, page := get(t, link+"?return="+url.QueryEscape(ret)); strings.Contains(page, `name="return"`) {
			t.Errorf("return %q kept on the page", ret)
		}
	}
}

func TestConfirmRefusals(t *testing.T) {
	e := newEnv(t)
	link := e.debit("SSC-ref-1", 100)
	if resp, html := get(t, e.ts.URL+mount+"/confirm/nosuchtoken"); resp.StatusCode != 404 || !strings.Contains(html, "支付链接无效") {
		t.Errorf("unknown token: %d", resp.StatusCode)
	}
	// Another site cannot press the holder's buttons.
	resp, _ := postForm(t, link, url.Values{"outcome": {"frozen"}}, "Sec-Fetch-Site", "cross-site")
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site post: %d", resp.StatusCode)
	}
	resp, _ = postForm(t, link, url.Values{"outcome": {"frozen"}, "return": {"/orders/9"}})
	if loc := resp.Header.Get("Location"); loc != "/orders/9?cashier=frozen" {
		t.Errorf("frozen: %d %q", resp.StatusCode, loc)
	}
	if resp, html := get(t, link); resp.StatusCode != http.StatusConflict || !strings.Contains(html, "挂失") {
		t.Errorf("page of a failed debit: %d %s", resp.StatusCode, html)
	}
}
