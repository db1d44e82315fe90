package wxplatform_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/shebao-project/shebao/internal/sandbox/wxplatform"
)

const back = "http://localhost:8080/notify/subscribed?bill=7"

func subscribeURL(e *env, ids ...string) string {
	q := url.Values{"appid": {appID}, "template_ids": {strings.Join(ids, ",")}, "redirect_url": {back}, "scene": {"1000"}, "reserved": {"r1"}}
	return e.base + "/subscribe?" + q.Encode()
}

func TestSubscribePage(t *testing.T) {
	e := newEnv(t)
	b := browser(t)
	pay, remind := tmplIDs[wxplatform.KindPaymentResult], tmplIDs[wxplatform.KindReminder]

	resp, html := getPage(t, b, subscribeURL(e, pay, remind))
	for _, want := range []string{"订阅消息（沙箱）", "缴费成功通知", "缴费提醒", "缴费项目、应缴金额、截止日期、温馨提示",
		"你是哪位微信用户？", "张三（已参保）", `value="accept"`, `value="reject"`, `name="template_ids" value="` + pay + "," + remind + `"`} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if resp.StatusCode != 200 || strings.Contains(html, "<script") {
		t.Fatalf("page %d", resp.StatusCode)
	}

	form := url.Values{"appid": {appID}, "template_ids": {pay + "," + remind}, "redirect_url": {back}, "scene": {"1000"},
		"reserved": {"r1"}, "openid": {presetA}, "decision": {"accept"}}
	resp, _ = postForm(t, b, e.base+"/subscribe", form)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	q := loc.Query()
	if resp.StatusCode != http.StatusSeeOther || loc.Host != "localhost:8080" || q.Get("bill") != "7" || q.Get("openid") != presetA ||
		q.Get("action") != "confirm" || q.Get("template_id") != pay+","+remind || q.Get("scene") != "1000" || q.Get("reserved") != "r1" {
		t.Fatalf("redirect %d %s", resp.StatusCode, loc)
	}
	tok := e.token()
	if r := e.send(tok, paymentMessage(presetA)); r.errcode() != 0 {
		t.Errorf("send after page consent: %v", r)
	}

	// The browser is now known: the page names the user and offers no choice.
	_, html = getPage(t, b, subscribeURL(e, pay))
	if !strings.Contains(html, "当前微信用户：张三（已参保）") || strings.Contains(html, "你是哪位微信用户？") {
		t.Errorf("known browser:\n%s", html)
	}
	form.Set("decision", "reject")
	form.Del("openid") // the cookie decides
	resp, _ = postForm(t, b, e.base+"/subscribe", form)
	if loc, _ := url.Parse(resp.Header.Get("Location")); loc.Query().Get("action") != "cancel" {
		t.Errorf("reject redirect %s", loc)
	}
}

func TestSubscribePageRefusals(t *testing.T) {
	e := newEnv(t)
	pay := tmplIDs[wxplatform.KindPaymentResult]
	for _, tt := range []struct{ name, key, value string }{
		{"unknown app", "appid", "wx0000000000000000"},
		{"no templates", "template_ids", ""},
		{"unknown template", "template_ids", pay + ",nope"},
		{"foreign redirect", "redirect_url", "https://evil.example/"},
		{"scene", "scene", "10001"},
		{"reserved", "reserved", strings.Repeat("r", 129)},
	} {
		u, _ := url.Parse(subscribeURL(e, pay))
		q := u.Query()
		q.Set(tt.key, tt.value)
		u.RawQuery = q.Encode()
		if resp, html := getPage(t, browser(t), u.String()); resp.StatusCode != 400 || !strings.Contains(html, "无法订阅") {
			t.Errorf("%s: %d", tt.name, resp.StatusCode)
		}
	}
}
