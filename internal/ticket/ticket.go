// Package ticket is the agency's help desk (工单): a citizen opens a ticket
// from an error or an order, an assistant first suggests answers from the
// FAQ, operators answer in a queue ordered by when the answer is due, and a
// ticket nobody answered in time is escalated. Time comes from an injected
// clock; every timer is a durable job, so tests move the clock, not sleep.
package ticket

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"time"

	"github.com/shebao-project/shebao/internal/jobs"
)

// Status is where a ticket stands.
type Status string

// Ticket statuses. Open means the agency owes an answer.
const (
	Open     Status = "open"
	Answered Status = "answered" // the agency answered; the citizen may follow up
	Closed   Status = "closed"
)

// Category is what a ticket is about; the codes are stored.
type Category struct {
	Code, Label, LabelEn string
}

// Categories are the kinds of problem the product brief (seed §5) names.
func Categories() []Category {
	return []Category{
		{"auth", "实名认证/登录", "Identity check / sign-in"},
		{"payment", "缴费支付", "Paying"},
		{"not_credited", "缴费未到账", "Paid but not credited"},
		{"refund", "冻结与退款", "Holds and refunds"},
		{"voucher", "票据与凭证", "Receipts and vouchers"},
		{"registration", "参保登记", "Registration"},
		{"other", "其他", "Other"},
	}
}

// CategoryLabel names a category code in Chinese.
func CategoryLabel(code string) string {
	for _, c := range Categories() {
		if c.Code == code {
			return c.Label
		}
	}
	return code
}

func validCategory(code string) bool {
	return slices.ContainsFunc(Categories(), func(c Category) bool { return c.Code == code })
}

// Ticket is one person's request for help.
type Ticket struct {
	ID              string
	PersonID        string
	Category        string
	Subject         string // the first line of the first message, shortened
	OrderID         string // the order it is about, if any
	ErrorCode       string // the error the person came from, if any
	Status          Status
	CreatedAt       time.Time
	UpdatedAt       time.Time
	DueAt           time.Time // when the agency's answer is due while Open
	FirstResponseAt time.Time // zero until an operator first answers
	EscalatedAt     time.Time // the last escalation; zero if it never went overdue
	ClosedAt        time.Time
	Messages        int
}

// Overdue reports whether the agency's answer is late at now. It is
// computed on read, so a queue is right even before the escalation job ran.
func (t Ticket) Overdue(now time.Time) bool { return t.Status == Open && !now.Before(t.DueAt) }

// escalatedThisWait reports whether the current wait was escalated: an
// escalation happens at or after the due time it was for, and a follow-up
// sets a due time later than any escalation before it.
func (t Ticket) escalatedThisWait() bool {
	return !t.EscalatedAt.IsZero() && !t.EscalatedAt.Before(t.DueAt)
}

// FirstResponse is how long the first answer took; zero if none yet.
func (t Ticket) FirstResponse() time.Duration {
	if t.FirstResponseAt.IsZero() {
		return 0
	}
	return t.FirstResponseAt.Sub(t.CreatedAt)
}

// Author is who wrote a message.
type Author string

// Authors of messages.
const (
	Citizen Author = "citizen"
	Staff   Author = "operator"
	System  Author = "system"
)

// Message is one message in a ticket's thread.
type Message struct {
	TicketID string
	Seq      int
	Author   Author
	Operator string // the operator's name when Author is Staff
	Body     string
	At       time.Time
}

// Stats are the help desk's figures for the dashboard.
type Stats struct {
	Opened           int           // tickets opened in the period
	OpenNow          int           // waiting for the agency now
	OverdueNow       int           // of those, past their due time
	Escalated        int           // escalated in the period
	Responded        int           // first answers given in the period
	AvgFirstResponse time.Duration // their average time to first answer
	WithinTarget     int           // of those, within the current target
	PerDay           []DayCount
}

// DayCount is one Beijing day's tickets.
type DayCount struct {
	Date   string // YYYY-MM-DD
	Opened int
}

// Store is the storage tickets need; drivers translate errors to the
// store sentinels.
type Store interface {
	InTx(ctx context.Context, fn func(Tx) error) error
	Ticket(ctx context.Context, id string) (Ticket, error)
	TicketMessages(ctx context.Context, id string) ([]Message, error)
	// TicketQueue lists tickets in a status, the earliest due first.
	TicketQueue(ctx context.Context, status Status, limit int) ([]Ticket, error)
	TicketsForPerson(ctx context.Context, personID string, limit int) ([]Ticket, error)
	// TicketStats counts over [from, to); "now" figures are at now, and
	// WithinTarget compares first answers with target.
	TicketStats(ctx context.Context, from, to, now time.Time, target time.Duration) (Stats, error)
	FAQEntries(ctx context.Context, activeOnly bool) ([]Entry, error)
	// PutFAQ inserts e (ID 0) or updates it, returning its id.
	PutFAQ(ctx context.Context, e Entry) (int64, error)
	Setting(ctx context.Context, key string) (string, error)
	PutSetting(ctx context.Context, key, value, by string, at time.Time) error
}

// Tx is the storage tickets need inside one transaction: a ticket change,
// its message and the jobs it causes commit together.
type Tx interface {
	Ticket(ctx context.Context, id string) (Ticket, error)
	InsertTicket(ctx context.Context, t Ticket) error
	UpdateTicket(ctx context.Context, t Ticket) error
	InsertTicketMessage(ctx context.Context, m Message) error
	EnqueueJob(ctx context.Context, j jobs.Job) error
}

// DefaultFirstResponse is the first-response target the seed cites (45
// minutes on average); the console's settings change it.
const DefaultFirstResponse = 45 * time.Minute

// SettingFirstResponse is the console setting holding the target in minutes.
const SettingFirstResponse = "ticket.first_response_minutes"

// Service runs the help desk.
type Service struct {
	store    Store
	notifier Notifier
	now      func() time.Time
	random   io.Reader
	log      *slog.Logger
	target   time.Duration
	wake     func()
}

// Deps are the Service's collaborators. FirstResponse defaults to
// DefaultFirstResponse, Notifier to logging, Wake to nothing.
type Deps struct {
	Store         Store
	Notifier      Notifier
	Now           func() time.Time
	Random        io.Reader
	Log           *slog.Logger
	FirstResponse time.Duration
	// Wake is called after a commit that enqueued a job (jobs.Runner.Wake).
	Wake func()
}

// NewService wires a ticket service.
func NewService(d Deps) *Service {
	if d.FirstResponse <= 0 {
		d.FirstResponse = DefaultFirstResponse
	}
	if d.Notifier == nil {
		d.Notifier = LogNotifier{Log: d.Log}
	}
	if d.Wake == nil {
		d.Wake = func() {}
	}
	return &Service{store: d.Store, notifier: d.Notifier, now: d.Now, random: d.Random, log: d.Log, target: d.FirstResponse, wake: d.Wake}
}
