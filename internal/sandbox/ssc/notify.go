package ssc

import "time"

// envelope is a notification body: {id, event_type, create_time, debit |
// refund}, per the protocol brief.
type envelope struct {
	ID         string      `json:"id"`
	EventType  string      `json:"event_type"`
	CreateTime string      `json:"create_time"`
	Debit      *debitView  `json:"debit,omitempty"`
	Refund     *refundView `json:"refund,omitempty"`
}

// event is one notification, its body composed once, so every retry and
// duplicate carries the same id and bytes; only the signature headers are
// fresh on each attempt.
type event struct {
	id, eventType           string
	outTradeNo, outRefundNo string
	url                     string
	body                    []byte
}

// delivery is one copy of an event on its way to the agency, with its own
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

// newEvent gives env an id and time and encodes it.
func (s *Server) newEvent(url string, env envelope, now time.Time) (*event, error) {
	id, err := s.eventID(now)
	if err != nil {
		return nil, err
	}
	env.ID, env.CreateTime = id, fmtTime(now)
	body, err := marshalJSON(env)
	if err != nil {
		return nil, err
	}
	ev := &event{id: id, eventType: env.EventType, url: url, body: body}
	if env.Debit != nil {
		ev.outTradeNo = env.Debit.OutTradeNo
	}
	if env.Refund != nil {
		ev.outTradeNo, ev.outRefundNo = env.Refund.OutTradeNo, env.Refund.OutRefundNo
	}
	return ev, nil
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
	ID          string `json:"id"` // shared by retries, duplicates and resends
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

func (d *delivery) view() Delivery {
	v := Delivery{
		Seq: d.seq, ID: d.ev.id, OutTradeNo: d.ev.outTradeNo, OutRefundNo: d.ev.outRefundNo,
		EventType: d.ev.eventType, NotifyURL: d.ev.url, Attempts: d.attempts, Delivered: d.delivered,
		Exhausted: d.exhausted, Copy: d.copy, LastStatus: d.lastStatus, LastError: d.lastError,
	}
	if !d.delivered && !d.exhausted {
		v.NextAttempt = fmtTime(d.nextAt)
	}
	return v
}

// Notifications lists every delivery so far, oldest first.
func (s *Server) Notifications() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Delivery, 0, len(s.deliveries))
	for _, d := range s.deliveries {
		out = append(out, d.view())
	}
	return out
}
