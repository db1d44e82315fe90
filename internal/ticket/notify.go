package ticket

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/shebao-project/shebao/internal/identity"
)

// Recipient is who a notice is for.
type Recipient string

// Recipients.
const (
	Operators   Recipient = "operators"   // the support queue
	Supervisors Recipient = "supervisors" // whoever is on duty for overdue tickets
	TheCitizen  Recipient = "citizen"     // the person who opened the ticket
)

// NoticeKind is what happened.
type NoticeKind string

// Kinds of notice.
const (
	NoticeNew       NoticeKind = "new"       // a ticket was opened or followed up
	NoticeAnswered  NoticeKind = "answered"  // the agency answered or closed it
	NoticeEscalated NoticeKind = "escalated" // the answer is overdue
)

// Notice is one notification. It carries the ticket, never a message body:
// texts and logs must not repeat what a person wrote (it may hold personal data).
type Notice struct {
	Kind   NoticeKind
	To     Recipient
	Ticket Ticket
}

// Notifier delivers notices: a log in demo, SMS to citizens, and whatever
// the agency uses for its staff (e-mail, an IM robot) in production. It runs
// inside a durable job, so a failed delivery is retried.
type Notifier interface {
	Notify(ctx context.Context, n Notice) error
}

// LogNotifier writes notices to the log.
type LogNotifier struct{ Log *slog.Logger }

// Notify implements Notifier.
func (l LogNotifier) Notify(ctx context.Context, n Notice) error {
	if l.Log != nil {
		l.Log.InfoContext(ctx, "ticket notice", "kind", n.Kind, "to", n.To, "ticket", n.Ticket.ID,
			"category", n.Ticket.Category, "due", n.Ticket.DueAt)
	}
	return nil
}

// Persons opens a person to find their phone number.
type Persons interface {
	Person(ctx context.Context, id string) (*identity.Person, error)
}

// SMSNotifier texts the citizen when the agency answers (in demo, into the
// SMS sandbox's outbox) and hands every other notice to Staff.
type SMSNotifier struct {
	Persons Persons
	SMS     identity.SMSSender
	Staff   Notifier
}

// Notify implements Notifier.
func (s SMSNotifier) Notify(ctx context.Context, n Notice) error {
	if n.To != TheCitizen {
		return s.Staff.Notify(ctx, n)
	}
	p, err := s.Persons.Person(ctx, n.Ticket.PersonID)
	if err != nil {
		return fmt.Errorf("ticket: notify %s: %w", n.Ticket.ID, err)
	}
	text := fmt.Sprintf("【社保缴费】您的工单%s已有答复，请登录社保缴费服务查看。", n.Ticket.ID)
	if n.Ticket.Status == Closed {
		text = fmt.Sprintf("【社保缴费】您的工单%s已办结，如仍有疑问可在工单中继续留言。", n.Ticket.ID)
	}
	return s.SMS.SendSMS(ctx, p.Phone, text)
}
