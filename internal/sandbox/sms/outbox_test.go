package sms

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"
)

func TestOutbox(t *testing.T) {
	o := NewOutbox(func() time.Time { return time.Unix(0, 0) })
	o.SendSMS(context.Background(), "13800000001", "【社保缴费】您的验证码为012345，5分钟内有效。")
	for i := 0; i < keep+5; i++ {
		o.SendSMS(context.Background(), "13800000002", "x")
	}
	rec := httptest.NewRecorder()
	o.ServeHTTP(rec, httptest.NewRequest("GET", "/sandbox/sms?phone=13800000001", nil))
	var body struct{ Messages []Message }
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body.Messages) != 1 || body.Messages[0].Code != "012345" {
		t.Fatalf("outbox answer %s (%v)", rec.Body, err)
	}
	if n := len(o.Messages("13800000002")); n != keep {
		t.Fatalf("kept %d messages, want %d", n, keep)
	}
	rec = httptest.NewRecorder()
	o.ServeHTTP(rec, httptest.NewRequest("GET", "/sandbox/sms", nil))
	if rec.Code != 400 {
		t.Fatalf("missing phone answered %d", rec.Code)
	}
}

func TestClientToOutbox(t *testing.T) {
	o := NewOutbox(func() time.Time { return time.Unix(0, 0) })
	srv := httptest.NewServer(o)
	defer srv.Close()
	c := &Client{URL: srv.URL, HTTP: srv.Client()}
	if err := c.SendSMS(context.Background(), "13800000001", "验证码123456"); err != nil {
		t.Fatal(err)
	}
	if m := o.Messages("13800000001"); len(m) != 1 || m[0].Code != "123456" {
		t.Fatalf("outbox holds %+v", m)
	}
}

func TestNewestCode(t *testing.T) {
	for _, tt := range []struct {
		msgs []Message
		want string
	}{
		{nil, ""},
		{[]Message{{Code: "111111"}, {Code: "222222"}}, "222222"},
		{[]Message{{Code: "111111"}, {Text: "【社保缴费】您的订单已缴费成功"}}, "111111"},
		{[]Message{{Text: "reminder"}}, ""},
	} {
		if got := NewestCode(tt.msgs); got != tt.want {
			t.Errorf("NewestCode(%+v) = %q, want %q", tt.msgs, got, tt.want)
		}
	}
}
