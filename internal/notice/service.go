package notice

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/jobs"
)

// Persons opens a person to reach them (phone, openid).
type Persons interface {
	Person(ctx context.Context, id string) (*identity.Person, error)
}

// Deps are the Service's collaborators. WeChat may be nil (SMS only), Now
// defaults to time.Now and Log to discarding.
type Deps struct {
	Store   Store
	Persons Persons
	Orders  OrderFacts
	SMS     identity.SMSSender
	WeChat  WeChatSender
	// Templates maps each kind to its WeChat template id; a kind without
	// one always goes by SMS. Each template should serve one kind.
	Templates map[string]string
	Now       func() time.Time
	Log       *slog.Logger
}

// Service sends notices and keeps people's consents.
type Service struct {
	store     Store
	persons   Persons
	orders    OrderFacts
	sms       identity.SMSSender
	wechat    WeChatSender
	templates map[string]string // kind → template id
	kinds     map[string]string // template id → kind
	now       func() time.Time
	log       *slog.Logger
}

// NewService wires a notice service.
func NewService(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	s := &Service{store: d.Store, persons: d.Persons, orders: d.Orders, sms: d.SMS, wechat: d.WeChat,
		templates: map[string]string{}, kinds: map[string]string{}, now: d.Now, log: d.Log}
	kinds := make([]string, 0, len(d.Templates))
	for k := range d.Templates {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds) // so a template shared by two kinds always credits the same one
	for _, k := range kinds {
		id := d.Templates[k]
		if id == "" {
			continue
		}
		s.templates[k] = id
		if _, dup := s.kinds[id]; !dup {
			s.kinds[id] = k
		}
	}
	return s
}

// RunJob runs the notice jobs (register it for every Job* kind). A
// returned error makes the runner try again later.
// JobKinds are the job kinds RunJob handles: register each with the runner.
func JobKinds() []string {
	return []string{JobPaymentResult, JobHold, JobRefund, JobReminders, JobReminder, JobLapse, JobUnpaid}
}

func (s *Service) RunJob(ctx context.Context, j jobs.Job) error {
	switch j.Kind {
	case JobPaymentResult:
		return s.orderNotice(ctx, KindPaymentResult, j)
	case JobHold:
		return s.orderNotice(ctx, KindHold, j)
	case JobRefund:
		return s.orderNotice(ctx, KindRefund, j)
	case JobReminders:
		return s.sweep(ctx, j.Ref)
	case JobReminder:
		return s.remind(ctx, j)
	case JobLapse:
		return s.lapse(ctx, j)
	case JobUnpaid:
		return s.unpaid(ctx, j)
	}
	return fmt.Errorf("notice: no handler for job kind %q", j.Kind)
}

// orderNotice tells an order's payer what happened to it.
func (s *Service) orderNotice(ctx context.Context, kind string, j jobs.Job) error {
	if done, err := s.store.NoticeSent(ctx, kind, j.Ref); err != nil || done {
		return wrap(err, "notice: %s %s: sent?", kind, j.Ref)
	}
	o, err := s.orders.OrderFacts(ctx, j.Ref)
	if err != nil {
		return fmt.Errorf("notice: %s %s: order: %w", kind, j.Ref, err)
	}
	p, err := s.persons.Person(ctx, o.PayerID)
	if err != nil {
		return fmt.Errorf("notice: %s %s: payer %s: %w", kind, j.Ref, o.PayerID, err)
	}
	return s.deliver(ctx, j.Attempts, p, kind, j.Ref, orderMessage(kind, o))
}

// wrap wraps a non-nil err with context; nil stays nil.
func wrap(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}
