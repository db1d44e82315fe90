// Package notice sends the platform's messages to people: contribution
// reminders, payment results, payment holds and refunds. A message goes as
// a WeChat one-off subscription message (一次性订阅消息) when the person has
// an unused consent for its template, and as an SMS otherwise, so nobody
// who agreed to nothing is left uninformed.
//
// Every message is sent from a durable job (see RunJob) and recorded in
// notices_sent under its kind and ref, so a retried job does not send it
// again. Delivery is at least once: a crash or a timeout between sending and
// recording sends the message again on retry, which is better than a person
// never hearing that their money was refunded.
package notice

import (
	"context"
	"errors"
	"time"

	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/money"
)

// Kinds of message. Each kind has its own WeChat template (Deps.Templates)
// and its own consents.
const (
	KindPaymentResult = "payment_result"
	KindReminder      = "reminder"
	// KindLapse tells an active contributor of months left unpaid (断缴);
	// it goes with the reminder template and uses a reminder consent.
	KindLapse = "lapse"
	// KindUnpaid tells a person their payment was not finished and the
	// bills are still due; a reminder to WeChat too.
	KindUnpaid = "unpaid"
	KindHold   = "hold"
	KindRefund = "refund"
)

// Job kinds RunJob handles. The payment code enqueues the first three in the
// transaction that changes the order's state.
const (
	JobPaymentResult = "notice.payment_result" // Ref: order id
	JobHold          = "notice.hold"           // Ref: order id
	JobRefund        = "notice.refund"         // Ref: order id
	JobReminders     = "notice.reminders"      // Ref: "YYYY-MM", the period; the daily sweep
	JobReminder      = "notice.reminder"       // Ref: "<personID>@<YYYY-MM>" or "@<YYYY>" (annual premium); one person's reminder
	JobLapse         = "notice.lapse"          // Ref: "<personID>@<YYYY-MM>": months before it unpaid
	JobUnpaid        = "notice.unpaid"         // Ref: order id; the order expired unpaid
)

// Channels a message went out on.
const (
	ChannelWeChat = "wechat"
	ChannelSMS    = "sms"
)

// ErrNoConsent is what a WeChatSender returns when WeChat refuses a message
// because the user has no consent for its template (errcode 43101, "user
// refuse to accept the msg"): the stored count was wrong, so it is set to 0
// and the message goes by SMS.
var ErrNoConsent = errors.New("notice: the user has no WeChat subscription consent for this template (43101)")

// ErrBadMessage is what a WeChatSender returns when WeChat refuses the
// template id or the data (40037, 47003): retrying cannot help, so the
// message goes by SMS at once, the consent is kept (WeChat checks a message
// before using one up) and the refusal is logged for someone to fix the
// template settings.
var ErrBadMessage = errors.New("notice: WeChat refused the message's template or data (40037, 47003)")

// WeChatSender sends a one-off subscription message
// (subscribeMessage.send): data maps keyword names ("thing1") to values,
// page is the mini-program page a tap opens.
type WeChatSender interface {
	SendSubscribeMessage(ctx context.Context, openID, templateID, page string, data map[string]string) error
}

// Order is what a message says about an order; the message goes to the
// payer, who may be a family proxy paying for PersonID.
type Order struct {
	ID, PersonID, PayerID, OutTradeNo, Description, State string
	AmountFen                                             money.Fen
	PaidAt, UpdatedAt                                     time.Time
	// BillsDue counts the order's bills still due and held by no other
	// order: an unpaid-order notice is pointless once they are paid.
	BillsDue int
}

// OrderFacts reads an order for its messages (an adapter over the payment
// service).
type OrderFacts interface {
	OrderFacts(ctx context.Context, orderID string) (Order, error)
}

// Subscription is a person's consents to one kind of message.
type Subscription struct {
	Kind       string    `json:"kind"`
	TemplateID string    `json:"template_id"`
	Remaining  int       `json:"remaining"` // messages WeChat will still accept
	UpdatedAt  time.Time `json:"updated_at"`
}

// ConsentChange is one answer of a consent dialog, as the store applies it:
// Accepted consents are added to those left for TemplateID; Banned (the
// template was blocked) leaves none. Consents for another template than
// TemplateID are void, since WeChat ties a consent to its template.
type ConsentChange struct {
	Kind, TemplateID string
	Accepted         int
	Banned           bool
}

// Sent is a notice that went out.
type Sent struct {
	PersonID, Kind, Ref, Channel string
	SentAt                       time.Time
}

// DueSummary is what a person still owes for a period.
type DueSummary struct {
	PersonID string
	Bills    int
	TotalFen money.Fen
}

// Store is the storage notices need.
type Store interface {
	// AddConsents applies the changes for the person in one transaction,
	// setting updated_at to at.
	AddConsents(ctx context.Context, personID string, at time.Time, changes []ConsentChange) error
	// Subscriptions lists the person's consents by kind.
	Subscriptions(ctx context.Context, personID string) ([]Subscription, error)
	// UseConsent takes one of the person's consents for kind, atomically:
	// false when none is left, so two messages never share one consent.
	UseConsent(ctx context.Context, personID, kind string) (bool, error)
	// ReturnConsent gives back a consent taken for a message WeChat did
	// not accept.
	ReturnConsent(ctx context.Context, personID, kind string) error
	// ClearConsent sets the consents left for kind to 0.
	ClearConsent(ctx context.Context, personID, kind string) error
	// NoticeSent reports whether the notice kind/ref was recorded.
	NoticeSent(ctx context.Context, kind, ref string) (bool, error)
	// RecordNotice records a notice sent; store.ErrConflict if one was
	// already recorded for its kind and ref.
	RecordNotice(ctx context.Context, s Sent) error
	// PersonsWithDueBills returns up to limit persons after afterPersonID,
	// in id order, who have bills due for period that no order holds (a
	// person paying now, or whose payment is being posted, is not
	// reminded), each with their count and total.
	PersonsWithDueBills(ctx context.Context, period, afterPersonID string, limit int) ([]DueSummary, error)
	// DueSummary is PersonsWithDueBills for one person: zero bills when
	// nothing is due.
	DueSummary(ctx context.Context, personID, period string) (DueSummary, error)
	// PersonsWithArrears is PersonsWithDueBills for the monthly periods
	// before the given one (断缴: months left unpaid).
	PersonsWithArrears(ctx context.Context, before, afterPersonID string, limit int) ([]DueSummary, error)
	// ArrearsSummary is PersonsWithArrears for one person.
	ArrearsSummary(ctx context.Context, personID, before string) (DueSummary, error)
	// RemindersOff tells whether the person asked for no reminders; false
	// when they never chose. True too after the person asked for their
	// data to be deleted, unless they chose again since.
	RemindersOff(ctx context.Context, personID string) (bool, error)
	// SetRemindersOff records the person's choice.
	SetRemindersOff(ctx context.Context, personID string, off bool, at time.Time) error
	// EnqueueReminders enqueues the jobs of a period's reminder sweep in one
	// transaction, each unless a job of the same kind and ref exists (done
	// or not), as jobs' EnqueueJobOnce does.
	EnqueueReminders(ctx context.Context, period string, js []jobs.Job) error
}
