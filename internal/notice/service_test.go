package notice_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/notice"
)

// TestPaymentResultByWeChat: a consent sends one WeChat message to the
// payer (not the insured person), a rerun of the job sends nothing more,
// and the next order, with no consent left, goes by SMS.
func TestPaymentResultByWeChat(t *testing.T) {
	w := newWorld(t)
	payer := w.person(t, "P1", "13800000001", "o-payer")
	w.person(t, "P2", "13800000002", "o-insured")
	subs := w.consent(t, "P1", map[string]string{tplPayment: "accept", tplHold: "reject"})
	if len(subs) != 2 || subs[0].Kind != notice.KindHold || subs[0].Remaining != 0 || subs[1].Kind != notice.KindPaymentResult || subs[1].Remaining != 1 {
		t.Fatalf("subscriptions after accepting one: %+v", subs)
	}
	o := w.order("O1", "P1", 110_000)
	o.PersonID = "P2"
	w.orders["O1"] = o
	w.mustRun(t, notice.JobPaymentResult, "O1")
	want := []wxCall{{OpenID: payer.MiniOpenID, TemplateID: tplPayment, Page: "pages/vouchers/index", Data: map[string]string{
		"character_string4": "SB20260610O1", "amount2": "¥1100.00", "time3": "2026-06-10 18:05", "thing1": "社保缴费 2026-06",
		"thing5": "缴费凭证已生成，可随时查看"}}}
	if got := w.wx.sent(); !reflect.DeepEqual(got, want) {
		t.Fatalf("WeChat messages:\n got %+v\nwant %+v", got, want)
	}
	if n := w.remaining(t, "P1", notice.KindPaymentResult); n != 0 {
		t.Fatalf("consents left after sending: %d", n)
	}
	w.mustRun(t, notice.JobPaymentResult, "O1")
	w.order("O2", "P1", 8_050)
	w.mustRun(t, notice.JobPaymentResult, "O2")
	if got := w.wx.sent(); len(got) != 1 {
		t.Fatalf("WeChat messages after a rerun and a second order: %+v", got)
	}
	wantSMS := []smsCall{{"13800000001", "【社保缴费】您的订单SB20260610O2已缴费成功，金额80.50元，缴费时间2026-06-10 18:05。"}}
	if got := w.sms.sent(); !reflect.DeepEqual(got, wantSMS) {
		t.Fatalf("SMS:\n got %+v\nwant %+v", got, wantSMS)
	}
}

// TestOrderNoticesBySMS: without WeChat, without an openid, or without a
// template for the kind, every notice goes by SMS and no consent is used.
func TestOrderNoticesBySMS(t *testing.T) {
	tests := []struct {
		name   string
		opts   []option
		openID string
	}{
		{"NoWeChat", []option{noWeChat}, "o-1"},
		{"NoOpenID", nil, ""},
		{"NoTemplates", []option{func(d *notice.Deps) { d.Templates = map[string]string{notice.KindReminder: tplReminder} }}, "o-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, tt.opts...)
			w.person(t, "P1", "13800000001", tt.openID)
			if tt.name != "NoTemplates" {
				w.consent(t, "P1", map[string]string{tplHold: "accept", tplRefund: "accept"})
			}
			w.order("O1", "P1", 12_345)
			w.mustRun(t, notice.JobHold, "O1")
			w.mustRun(t, notice.JobRefund, "O1")
			want := []smsCall{
				{"13800000001", "【社保缴费】您的订单SB20260610O1（金额123.45元）支付已暂停审核，款项安全，请留意后续通知。"},
				{"13800000001", "【社保缴费】您的订单SB20260610O1已退款123.45元，原路退回，1-5个工作日到账。"},
			}
			if got := w.sms.sent(); !reflect.DeepEqual(got, want) {
				t.Fatalf("SMS:\n got %+v\nwant %+v", got, want)
			}
			if len(w.wx.sent()) != 0 {
				t.Fatalf("WeChat used: %+v", w.wx.sent())
			}
			if tt.name != "NoTemplates" && (w.remaining(t, "P1", notice.KindHold) != 1 || w.remaining(t, "P1", notice.KindRefund) != 1) {
				t.Fatal("a consent was used for an SMS")
			}
		})
	}
}

// TestNoConsentAtWeChat: WeChat's 43101 means our count was wrong: it is
// set to 0 and the message goes by SMS in the same run.
func TestNoConsentAtWeChat(t *testing.T) {
	w := newWorld(t)
	w.person(t, "P1", "13800000001", "o-1")
	w.consent(t, "P1", map[string]string{tplRefund: "accept"})
	w.consent(t, "P1", map[string]string{tplRefund: "accept"})
	w.wx.errs = []error{fmt.Errorf("wxplatform: errcode 43101: %w", notice.ErrNoConsent)}
	w.order("O1", "P1", 100)
	w.mustRun(t, notice.JobRefund, "O1")
	if got := w.sms.sent(); len(got) != 1 || !strings.Contains(got[0].Text, "SB20260610O1已退款1.00元") {
		t.Fatalf("SMS after 43101: %+v", got)
	}
	if n := w.remaining(t, "P1", notice.KindRefund); n != 0 {
		t.Fatalf("consents left after 43101: %d, want 0", n)
	}
	w.mustRun(t, notice.JobRefund, "O1")
	if len(w.sms.sent()) != 1 || len(w.wx.sent()) != 1 {
		t.Fatalf("rerun sent again: SMS %+v, WeChat %+v", w.sms.sent(), w.wx.sent())
	}
}

// TestBadMessageAtWeChat: a message WeChat refuses (40037, 47003) goes by
// SMS in the same run, and its consent is kept for a later message.
func TestBadMessageAtWeChat(t *testing.T) {
	w := newWorld(t)
	w.person(t, "P1", "13800000001", "o-1")
	w.consent(t, "P1", map[string]string{tplHold: "accept"})
	w.wx.errs = []error{fmt.Errorf("wechat: errcode 47003: argument invalid! data.thing3.value invalid: %w", notice.ErrBadMessage)}
	w.order("O1", "P1", 100)
	w.mustRun(t, notice.JobHold, "O1")
	if len(w.sms.sent()) != 1 || len(w.wx.sent()) != 1 {
		t.Fatalf("SMS %+v, WeChat %+v; want one of each", w.sms.sent(), w.wx.sent())
	}
	if n := w.remaining(t, "P1", notice.KindHold); n != 1 {
		t.Fatalf("consents left: %d, want 1", n)
	}
}

// TestWeChatFailureRetries: a failed WeChat send fails the job and gives its
// consent back, so the retry uses the same one; from the fourth run the
// message goes by SMS instead, without taking a consent.
func TestWeChatFailureRetries(t *testing.T) {
	w := newWorld(t)
	w.person(t, "P1", "13800000001", "o-1")
	w.consent(t, "P1", map[string]string{tplPayment: "accept"})
	outage := errors.New("wechat: 503")
	w.wx.errs = []error{outage}
	w.order("O1", "P1", 100)
	if err := w.run(t, notice.JobPaymentResult, "O1", 1); !errors.Is(err, outage) {
		t.Fatalf("first run: %v, want the WeChat error", err)
	}
	if n := w.remaining(t, "P1", notice.KindPaymentResult); n != 1 {
		t.Fatalf("consents left after a failed send: %d, want 1", n)
	}
	if err := w.run(t, notice.JobPaymentResult, "O1", 2); err != nil {
		t.Fatal(err)
	}
	if n := w.remaining(t, "P1", notice.KindPaymentResult); n != 0 || len(w.wx.sent()) != 2 || len(w.sms.sent()) != 0 {
		t.Fatalf("after the retry: %d consents left, WeChat %d, SMS %d", n, len(w.wx.sent()), len(w.sms.sent()))
	}

	w.consent(t, "P1", map[string]string{tplPayment: "accept"})
	w.wx.errs = []error{outage, outage, outage}
	w.order("O2", "P1", 100)
	for attempt := 1; attempt <= 3; attempt++ {
		if err := w.run(t, notice.JobPaymentResult, "O2", attempt); err == nil {
			t.Fatalf("run %d succeeded during the outage", attempt)
		}
	}
	if err := w.run(t, notice.JobPaymentResult, "O2", 4); err != nil {
		t.Fatal(err)
	}
	if got := w.sms.sent(); len(got) != 1 || len(w.wx.sent()) != 5 {
		t.Fatalf("fourth run: SMS %+v, WeChat calls %d (want 1 SMS, 5 calls)", got, len(w.wx.sent()))
	}
	if n := w.remaining(t, "P1", notice.KindPaymentResult); n != 1 {
		t.Fatalf("consents left after falling back to SMS: %d, want 1", n)
	}
}

// TestSMSFailureRetries: a failed SMS fails the job and records nothing, so
// the retry sends it.
func TestSMSFailureRetries(t *testing.T) {
	w := newWorld(t)
	w.person(t, "P1", "13800000001", "")
	w.order("O1", "P1", 100)
	w.sms.err = errors.New("gateway down")
	if err := w.run(t, notice.JobHold, "O1", 1); err == nil {
		t.Fatal("run succeeded with the SMS gateway down")
	}
	w.sms.err = nil
	w.mustRun(t, notice.JobHold, "O1")
	w.mustRun(t, notice.JobHold, "O1")
	if got := w.sms.sent(); len(got) != 1 {
		t.Fatalf("SMS: %+v, want one", got)
	}
	if err := w.run(t, notice.JobHold, "nope", 1); err == nil {
		t.Fatal("a notice for an unknown order succeeded")
	}
	if err := w.run(t, "notice.unknown", "x", 1); err == nil {
		t.Fatal("an unknown job kind succeeded")
	}
}

// TestRecordConsents: accepts add up, a ban leaves none, reject and filter
// change nothing, and an unknown template or result is refused whole.
func TestRecordConsents(t *testing.T) {
	w := newWorld(t)
	w.person(t, "P1", "13800000001", "o-1")
	w.consent(t, "P1", map[string]string{tplPayment: "accept", tplHold: "accept", tplRefund: "accept"})
	w.consent(t, "P1", map[string]string{tplPayment: "accept", tplHold: "ban", tplRefund: "reject", tplReminder: "filter"})
	subs := w.consent(t, "P1", map[string]string{tplRefund: "accept"})
	got := map[string]int{}
	for _, s := range subs {
		got[s.Kind] = s.Remaining
		if !s.UpdatedAt.Equal(w.now) {
			t.Errorf("%s updated at %v, want %v", s.Kind, s.UpdatedAt, w.now)
		}
	}
	want := map[string]int{notice.KindPaymentResult: 2, notice.KindHold: 0, notice.KindRefund: 2, notice.KindReminder: 0}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("remaining: %v, want %v", got, want)
	}
	js, err := json.Marshal(subs[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(js), `{"kind":"hold","template_id":"tpl-hold","remaining":0,"updated_at":"2026-06-10T10:05:00Z"}`) {
		t.Fatalf("JSON: %s", js)
	}

	refused := []struct {
		name    string
		results map[string]string
		code    string
	}{
		{"UnknownTemplate", map[string]string{tplPayment: "accept", "tpl-other": "accept"}, "template_unknown"},
		{"UnknownResult", map[string]string{tplPayment: "yes"}, "subscribe_result_invalid"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			_, err := w.svc.RecordConsents(t.Context(), "P1", tt.results)
			e, ok := apperr.As(err)
			if !ok || e.Kind != apperr.Invalid || e.Code != tt.code || e.Field != "results" || e.Message == "" || e.MessageEn == "" {
				t.Fatalf("err = %#v, want Invalid %s on results", err, tt.code)
			}
			if w.remaining(t, "P1", notice.KindPaymentResult) != 2 {
				t.Fatal("a refused dialog changed the consents")
			}
		})
	}
	_, err = w.svc.RecordConsents(t.Context(), "P1", map[string]string{"tpl-other": "accept"})
	e, _ := apperr.As(err)
	if allowed := []string{tplHold, tplPayment, tplRefund, tplReminder}; !reflect.DeepEqual(e.Allowed, allowed) || !strings.Contains(e.Message, tplReminder) {
		t.Fatalf("allowed %v, message %q; want %v listed", e.Allowed, e.Message, allowed)
	}
}
