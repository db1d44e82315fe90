package wxplatform_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/shebao-project/shebao/internal/sandbox/wxplatform"
)

func TestSendNeedsConsent(t *testing.T) {
	e := newEnv(t)
	tok := e.token()
	pay := tmplIDs[wxplatform.KindPaymentResult]
	if r := e.send(tok, paymentMessage(presetA)); r.errcode() != 43101 || r.str("errmsg") != "user refuse to accept the msg" {
		t.Fatalf("without consent: %v", r)
	}
	// Two taps on 允许 allow two messages, no more.
	e.consent(presetA, "accept", pay)
	e.consent(presetA, "accept", pay, tmplIDs[wxplatform.KindRefund])
	var ids []int64
	for range 2 {
		r := e.send(tok, paymentMessage(presetA))
		if r.errcode() != 0 || r.str("errmsg") != "ok" || r.num("msgid") < 1e18 {
			t.Fatalf("with consent: %v", r)
		}
		ids = append(ids, r.num("msgid"))
	}
	if r := e.send(tok, paymentMessage(presetA)); r.errcode() != 43101 {
		t.Errorf("consent used up: %v", r)
	}
	// The other user's consent is theirs.
	if r := e.send(tok, paymentMessage(presetB)); r.errcode() != 43101 {
		t.Errorf("other user: %v", r)
	}

	msgs := e.srv.Messages(presetA)
	if len(msgs) != 2 || msgs[1].MsgID != ids[1] || msgs[0].Title != "缴费成功通知" || msgs[0].Data["amount2"] != "¥300.00" ||
		msgs[0].Page != "pages/bill/detail?id=1" || msgs[0].TemplateID != pay || msgs[0].ToUser != presetA {
		t.Errorf("messages %+v", msgs)
	}
	resp, body := getPage(t, http.DefaultClient, e.base+"/control/messages?openid="+presetA)
	r := decode(t, body)
	list, _ := r["messages"].([]any)
	if resp.StatusCode != 200 || len(list) != 2 || !strings.Contains(body, `"sent_at":"2025-07-01T17:00:00+08:00"`) ||
		!strings.Contains(body, `"msgid":`+strconv.FormatInt(ids[1], 10)) {
		t.Errorf("control messages: %s", body)
	}
	if resp, _ := getPage(t, http.DefaultClient, e.base+"/control/messages"); resp.StatusCode != 400 {
		t.Errorf("messages without openid: %d", resp.StatusCode)
	}

	// Rejecting turns the template off: unused consents go.
	e.consent(presetB, "accept", pay)
	e.consent(presetB, "reject", pay)
	if r := e.send(tok, paymentMessage(presetB)); r.errcode() != 43101 {
		t.Errorf("after reject: %v", r)
	}
}

func TestSendBadMessages(t *testing.T) {
	e := newEnv(t)
	tok := e.token()
	pay := tmplIDs[wxplatform.KindPaymentResult]
	e.consent(presetA, "accept", pay)
	with := func(edit func(m map[string]any)) map[string]any {
		m := paymentMessage(presetA)
		edit(m)
		return m
	}
	setValue := func(key, v string) func(map[string]any) {
		return func(m map[string]any) { m["data"].(map[string]any)[key] = map[string]string{"value": v} }
	}
	tests := []struct {
		name    string
		msg     any
		want    int
		wantMsg string
	}{
		{"empty body", "", 44002, "empty post data"},
		{"not json", "{", 47001, "data format error"},
		{"no touser", with(func(m map[string]any) { delete(m, "touser") }), 40003, "invalid openid"},
		{"unknown touser", with(func(m map[string]any) { m["touser"] = "oQQQQQ0123456789abcdefghijkl" }), 40003, "invalid openid"},
		{"unknown template", with(func(m map[string]any) { m["template_id"] = strings.Repeat("A", 43) }), 40037, "invalid template_id"},
		{"thing too long", with(setValue("thing1", strings.Repeat("养", 21))), 47003, "argument invalid! data.thing1.value invalid"},
		{"empty thing", with(setValue("thing5", "")), 47003, "argument invalid! data.thing5.value invalid"},
		{"amount with separator", with(setValue("amount2", "¥1,454.00")), 47003, "argument invalid! data.amount2.value invalid"},
		{"amount in words", with(setValue("amount2", "三百元")), 47003, "argument invalid! data.amount2.value invalid"},
		{"bad time", with(setValue("time3", "2025年13月1日 09:30")), 47003, "argument invalid! data.time3.value invalid"},
		{"chinese in character_string", with(setValue("character_string4", "订单001")), 47003, "argument invalid! data.character_string4.value invalid"},
		{"missing keyword", with(func(m map[string]any) { delete(m["data"].(map[string]any), "time3") }), 47003, "argument invalid! data.time3.value invalid"},
		{"extra keyword", with(setValue("thing9", "多余")), 47003, "argument invalid! data.thing9 invalid"},
		{"object value", with(func(m map[string]any) {
			m["data"].(map[string]any)["thing1"] = map[string]any{"value": map[string]int{}}
		}), 47003, "argument invalid! data.thing1.value invalid"},
		{"miniprogram_state", with(func(m map[string]any) { m["miniprogram_state"] = "release" }), 47003, "argument invalid! miniprogram_state invalid"},
		{"lang", with(func(m map[string]any) { m["lang"] = "fr_FR" }), 47003, "argument invalid! lang invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.postJSON("/cgi-bin/message/subscribe/send?access_token="+url.QueryEscape(tok), tt.msg)
			r := decode(t, body)
			if resp.StatusCode != 200 || r.errcode() != tt.want || r.str("errmsg") != tt.wantMsg {
				t.Errorf("got %s, want %d %s", body, tt.want, tt.wantMsg)
			}
		})
	}
	// None of those used the consent up; a number value is taken as text.
	ok := with(func(m map[string]any) {
		m["data"].(map[string]any)["character_string4"] = map[string]any{"value": 20250701}
	})
	if r := e.send(tok, ok); r.errcode() != 0 {
		t.Errorf("valid message after refusals: %v", r)
	}
	if got := e.srv.Messages(presetA)[0].Data["character_string4"]; got != "20250701" {
		t.Errorf("number value filed as %q", got)
	}
	resp, body := getPage(t, http.DefaultClient, e.base+"/cgi-bin/message/subscribe/send?access_token="+url.QueryEscape(tok))
	if r := decode(t, body); resp.StatusCode != 200 || r.errcode() != 43002 {
		t.Errorf("GET send: %s", body)
	}
}

func TestMessagesBounded(t *testing.T) {
	e := newEnv(t)
	tok := e.token()
	pay := tmplIDs[wxplatform.KindPaymentResult]
	for range 55 {
		if _, err := e.srv.Consent(appID, presetA, []string{pay}, true); err != nil {
			t.Fatal(err)
		}
		if r := e.send(tok, paymentMessage(presetA)); r.errcode() != 0 {
			t.Fatal(r)
		}
	}
	if n := len(e.srv.Messages(presetA)); n != 50 {
		t.Errorf("kept %d messages", n)
	}
}

func TestConsentControl(t *testing.T) {
	e := newEnv(t)
	pay, refund := tmplIDs[wxplatform.KindPaymentResult], tmplIDs[wxplatform.KindRefund]
	resp, body := e.postJSON("/control/subscriptions", map[string]any{"appid": appID, "openid": presetA, "template_ids": []string{pay, refund}, "decision": "accept"})
	res, _ := decode(t, body)["results"].(map[string]any)
	if resp.StatusCode != 200 || len(res) != 2 || res[pay] != "accept" || res[refund] != "accept" {
		t.Errorf("accept: %d %s", resp.StatusCode, body)
	}
	six := []string{pay, pay, pay, pay, pay, pay}
	for _, tt := range []struct {
		name string
		body map[string]any
		code string
	}{
		{"decision", map[string]any{"appid": appID, "openid": presetA, "template_ids": []string{pay}, "decision": "maybe"}, "invalid_decision"},
		{"no templates", map[string]any{"appid": appID, "openid": presetA, "template_ids": []string{}, "decision": "accept"}, "too_many_template_ids"},
		{"six templates", map[string]any{"appid": appID, "openid": presetA, "template_ids": six, "decision": "accept"}, "too_many_template_ids"},
		{"unknown template", map[string]any{"appid": appID, "openid": presetA, "template_ids": []string{"x"}, "decision": "accept"}, "unknown_template_id"},
		{"unknown user", map[string]any{"appid": appID, "openid": "oQQQQQ0123456789abcdefghijkl", "template_ids": []string{pay}, "decision": "accept"}, "unknown_openid"},
		{"unknown app", map[string]any{"appid": "wx0000000000000000", "openid": presetA, "template_ids": []string{pay}, "decision": "accept"}, "unknown_appid"},
	} {
		resp, body := e.postJSON("/control/subscriptions", tt.body)
		if resp.StatusCode != 400 || !strings.Contains(body, `"code":"`+tt.code+`"`) {
			t.Errorf("%s: %d %s", tt.name, resp.StatusCode, body)
		}
	}
}
