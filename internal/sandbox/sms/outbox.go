// Package sms is the sandbox's SMS gateway: messages are kept in memory and
// shown at GET /sandbox/sms?phone=…, so a demo or a test can read the code a
// person would receive. It exists only in demo mode.
package sms

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Message is one text message sent.
type Message struct {
	Phone  string    `json:"phone"`
	Text   string    `json:"text"`
	Code   string    `json:"code,omitempty"` // the digits of a verification code, for scripts
	SentAt time.Time `json:"sent_at"`
}

// keep bounds memory: only the newest messages per phone are kept.
const keep = 20

// Outbox records messages instead of sending them.
type Outbox struct {
	mu   sync.Mutex
	now  func() time.Time
	sent map[string][]Message
}

// NewOutbox returns an empty outbox.
func NewOutbox(now func() time.Time) *Outbox {
	return &Outbox{now: now, sent: map[string][]Message{}}
}

// SendSMS implements identity.SMSSender.
func (o *Outbox) SendSMS(_ context.Context, phone, text string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	msgs := append(o.sent[phone], Message{Phone: phone, Text: text, Code: codeIn(text), SentAt: o.now()})
	if len(msgs) > keep {
		msgs = msgs[len(msgs)-keep:]
	}
	o.sent[phone] = msgs
	return nil
}

// Messages returns the messages sent to phone, newest last.
func (o *Outbox) Messages(phone string) []Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]Message(nil), o.sent[phone]...)
}

// ServeHTTP answers GET ?phone=… with {"messages":[…]}, and takes POST
// {"phone","text"} from a platform running apart from the sandbox (Client).
func (o *Outbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		var m Message
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10)).Decode(&m); err != nil || m.Phone == "" {
			http.Error(w, `{"error":{"code":"invalid","message":"需要 phone 与 text","message_en":"phone and text are required"}}`, http.StatusBadRequest)
			return
		}
		_ = o.SendSMS(r.Context(), m.Phone, m.Text)
		w.WriteHeader(http.StatusAccepted)
		return
	}
	phone := r.URL.Query().Get("phone")
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if phone == "" {
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{
			"code": "phone_required", "message": "请在查询参数中提供 phone。", "message_en": "Give the phone number as the phone query parameter.", "field": "phone"}})
		return
	}
	msgs := o.Messages(phone)
	if msgs == nil {
		msgs = []Message{}
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"messages": msgs})
}

// firstDigits returns the first run of exactly n digits in text.
// NewestCode is the code of the newest message that carries one: payment
// results and reminders go to the same phone as verification codes.
func NewestCode(msgs []Message) string {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Code != "" {
			return msgs[i].Code
		}
	}
	return ""
}

// codeIn is the verification code of a code message ("验证码" followed by
// six digits); other messages (payment results, reminders) have none.
func codeIn(text string) string {
	_, after, ok := strings.Cut(text, "验证码")
	if !ok {
		return ""
	}
	return firstDigits(after, 6)
}

func firstDigits(text string, n int) string {
	run := []rune{}
	for _, r := range text + " " {
		if r >= '0' && r <= '9' {
			run = append(run, r)
			continue
		}
		if len(run) == n {
			return string(run)
		}
		run = run[:0]
	}
	return ""
}
