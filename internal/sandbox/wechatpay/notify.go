package wechatpay

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"fmt"
	"time"
)

// event is one notification as WeChat Pay composes it: the envelope is
// built and encrypted once, so every retry and duplicate carries the same id
// and bytes; only the signature headers are fresh on each attempt.
type event struct {
	id, eventType           string
	outTradeNo, outRefundNo string
	url                     string
	body                    []byte
}

// envelope is the notification body (https://pay.weixin.qq.com/doc/v3/merchant/4012791861).
type envelope struct {
	ID           string   `json:"id"`
	CreateTime   string   `json:"create_time"`
	ResourceType string   `json:"resource_type"`
	EventType    string   `json:"event_type"`
	Summary      string   `json:"summary"`
	Resource     resource `json:"resource"`
}

type resource struct {
	OriginalType   string `json:"original_type"`
	Algorithm      string `json:"algorithm"`
	Ciphertext     string `json:"ciphertext"`
	AssociatedData string `json:"associated_data"`
	Nonce          string `json:"nonce"`
}

// delivery is one copy of an event on its way to the merchant, with its own
// attempts and retry clock: duplicates and resends are separate deliveries
// of the same event.
type delivery struct {
	seq        int
	ev         *event
	copy       bool // a duplicate (fault injection) or a resend
	attempts   int
	delivered  bool
	exhausted  bool
	inFlight   bool
	lastStatus int
	lastError  string
	nextAt     time.Time
}

// newEvent encrypts plaintext into a notification envelope. The resource is
// AES-256-GCM with the APIv3 key as the key, a 12-character nonce and
// associated_data = original_type ("transaction" or "refund"); the
// ciphertext is base64 of the sealed bytes with the 16-byte tag appended
// (https://pay.weixin.qq.com/wiki/doc/apiv3/wechatpay/wechatpay4_2.shtml).
// The nonce must be exactly 12 bytes: the SDK's GCM panics on any other size.
func (s *Server) newEvent(eventType, summary, originalType, url, outTradeNo, outRefundNo string, plaintext any) (*event, error) {
	pt, err := marshalJSON(plaintext)
	if err != nil {
		return nil, err
	}
	nonce, err := s.rnd.String(alnum, 12)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher([]byte(s.creds.APIv3Key))
	if err != nil {
		return nil, fmt.Errorf("wechatpay sandbox: APIv3 key: %w", err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("wechatpay sandbox: gcm: %w", err)
	}
	sealed := gcm.Seal(nil, []byte(nonce), pt, []byte(originalType))
	id, err := s.ids.eventID()
	if err != nil {
		return nil, err
	}
	body, err := marshalJSON(envelope{
		ID: id, CreateTime: s.fmtTime(s.now()), ResourceType: "encrypt-resource",
		EventType: eventType, Summary: summary,
		Resource: resource{
			OriginalType: originalType, Algorithm: "AEAD_AES_256_GCM",
			Ciphertext: base64.StdEncoding.EncodeToString(sealed), AssociatedData: originalType, Nonce: nonce,
		},
	})
	if err != nil {
		return nil, err
	}
	return &event{id: id, eventType: eventType, outTradeNo: outTradeNo, outRefundNo: outRefundNo, url: url, body: body}, nil
}

// enqueueLocked schedules ev for delivery now, plus the extra copies the
// duplicate_notifications fault asks for. The caller holds s.mu and calls
// s.signal after unlocking.
func (s *Server) enqueueLocked(ev *event, now time.Time) {
	for i := 0; i <= s.faults.DuplicateNotifications; i++ {
		s.addDeliveryLocked(ev, now, i > 0)
	}
}

func (s *Server) addDeliveryLocked(ev *event, now time.Time, isCopy bool) *delivery {
	d := &delivery{seq: len(s.deliveries) + 1, ev: ev, copy: isCopy, nextAt: now}
	s.deliveries = append(s.deliveries, d)
	return d
}

// Delivery reports one notification delivery, for GET /control/notifications
// and for tests.
type Delivery struct {
	Seq         int    `json:"seq"`
	ID          string `json:"id"` // the notification id, shared by retries, duplicates and resends
	OutTradeNo  string `json:"out_trade_no"`
	OutRefundNo string `json:"out_refund_no,omitempty"`
	EventType   string `json:"event_type"`
	NotifyURL   string `json:"notify_url"`
	Attempts    int    `json:"attempts"`
	Delivered   bool   `json:"delivered"`
	Exhausted   bool   `json:"exhausted"`
	Copy        bool   `json:"copy"`
	LastStatus  int    `json:"last_status"`
	LastError   string `json:"last_error,omitempty"`
	NextAttempt string `json:"next_attempt,omitempty"`
}

func (s *Server) viewLocked(d *delivery) Delivery {
	v := Delivery{
		Seq: d.seq, ID: d.ev.id, OutTradeNo: d.ev.outTradeNo, OutRefundNo: d.ev.outRefundNo,
		EventType: d.ev.eventType, NotifyURL: d.ev.url, Attempts: d.attempts, Delivered: d.delivered,
		Exhausted: d.exhausted, Copy: d.copy, LastStatus: d.lastStatus, LastError: d.lastError,
	}
	if !d.delivered && !d.exhausted {
		v.NextAttempt = s.fmtTime(d.nextAt)
	}
	return v
}

// Notifications lists every delivery so far, oldest first.
func (s *Server) Notifications() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Delivery, 0, len(s.deliveries))
	for _, d := range s.deliveries {
		out = append(out, s.viewLocked(d))
	}
	return out
}
