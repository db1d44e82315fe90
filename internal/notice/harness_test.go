package notice_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/notice"
	"github.com/shebao-project/shebao/internal/store"
	"github.com/shebao-project/shebao/internal/store/sqlite"
)

// The harness runs the service on a real SQLite database; only the outside
// world is faked: persons and orders (other services' reads), and the WeChat
// and SMS senders, which record what they were asked to send.

var cst = time.FixedZone("CST", 8*3600)

// Template ids of the four kinds.
const (
	tplPayment  = "tpl-payment-result"
	tplReminder = "tpl-reminder"
	tplHold     = "tpl-hold"
	tplRefund   = "tpl-refund"
)

type world struct {
	db      *sqlite.DB
	svc     *notice.Service
	wx      *fakeWeChat
	sms     *fakeSMS
	orders  fakeOrders
	persons fakePersons
	now     time.Time
	runner  *jobs.Runner
	jobsAt  time.Time // the runner's clock, while drain runs; else now
}

type option func(*notice.Deps)

// noWeChat wires the service without WeChat: SMS only.
func noWeChat(d *notice.Deps) { d.WeChat = nil }

func newWorld(t *testing.T, opts ...option) *world {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	w := &world{db: db, wx: &fakeWeChat{}, sms: &fakeSMS{}, orders: fakeOrders{}, persons: fakePersons{},
		now: time.Date(2026, 6, 10, 18, 5, 0, 0, cst)}
	w.runner = jobs.NewRunner(db, func() time.Time {
		if !w.jobsAt.IsZero() {
			return w.jobsAt
		}
		return w.now
	}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	d := notice.Deps{Store: db.Notices(), Persons: w.persons, Orders: w.orders, SMS: w.sms, WeChat: w.wx,
		Templates: map[string]string{notice.KindPaymentResult: tplPayment, notice.KindReminder: tplReminder,
			notice.KindHold: tplHold, notice.KindRefund: tplRefund},
		Now: func() time.Time { return w.now }}
	for _, o := range opts {
		o(&d)
	}
	w.svc = notice.NewService(d)
	return w
}

// person stores and registers a person; openID may be empty.
func (w *world) person(t *testing.T, id, phone, openID string) *identity.Person {
	t.Helper()
	rec := identity.PersonRecord{ID: id, Region: "110000", Type: identity.Flexible,
		NameSealed: []byte{1}, IDSealed: []byte{2}, PhoneSealed: []byte{3},
		IDIndex: []byte("id-" + id), PhoneIndex: []byte("ph-" + id),
		NameMasked: "张*", IDMasked: "1101**", PhoneMasked: "138****0001", CreatedAt: w.now}
	if err := w.db.CreatePerson(t.Context(), rec); err != nil {
		t.Fatal(err)
	}
	p := &identity.Person{ID: id, Phone: phone, MiniOpenID: openID, NameMasked: "张*"}
	w.persons[id] = p
	return p
}

// order registers an order paid by payer at w.now.
func (w *world) order(id, payer string, amount money.Fen) notice.Order {
	o := notice.Order{ID: id, PersonID: payer, PayerID: payer, OutTradeNo: "SB20260610" + id, Description: "社保缴费 2026-06",
		State: "paid", AmountFen: amount, PaidAt: w.now, UpdatedAt: w.now}
	w.orders[id] = o
	return o
}

// bill stores a due bill.
func (w *world) bill(t *testing.T, id, personID, insurance, period string, amount money.Fen) {
	t.Helper()
	err := w.db.InsertBill(t.Context(), billing.Bill{ID: id, PersonID: personID, Insurance: insurance, Period: period,
		Kind: billing.Current, BaseFen: amount * 5, Rate: "0.2", AmountFen: amount, Policy: "110000@2026-01",
		Status: billing.Due, CreatedAt: w.now})
	if err != nil {
		t.Fatal(err)
	}
}

// run runs a job as the runner would on its attempts-th try.
func (w *world) run(t *testing.T, kind, ref string, attempts int) error {
	t.Helper()
	return w.svc.RunJob(t.Context(), jobs.Job{Kind: kind, Ref: ref, RunAt: w.now, Attempts: attempts})
}

func (w *world) mustRun(t *testing.T, kind, ref string) {
	t.Helper()
	if err := w.run(t, kind, ref, 1); err != nil {
		t.Fatalf("%s %s: %v", kind, ref, err)
	}
}

func (w *world) consent(t *testing.T, personID string, results map[string]string) []notice.Subscription {
	t.Helper()
	subs, err := w.svc.RecordConsents(t.Context(), personID, results)
	if err != nil {
		t.Fatal(err)
	}
	return subs
}

// remaining is the person's consents left for kind.
func (w *world) remaining(t *testing.T, personID, kind string) int {
	t.Helper()
	subs, err := w.svc.Subscriptions(t.Context(), personID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		if s.Kind == kind {
			return s.Remaining
		}
	}
	return 0
}

// drain claims every job due by at and marks it done, returning them.
func (w *world) drain(t *testing.T, at time.Time) []jobs.Job {
	t.Helper()
	w.jobsAt = at
	defer func() { w.jobsAt = time.Time{} }()
	js, err := w.runner.Claim(t.Context(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range js {
		if err := w.runner.Record(t.Context(), j, nil); err != nil {
			t.Fatal(err)
		}
	}
	return js
}

type wxCall struct {
	OpenID, TemplateID, Page string
	Data                     map[string]string
}

// fakeWeChat records messages; errs are returned by the next calls, in order.
type fakeWeChat struct {
	mu    sync.Mutex
	calls []wxCall
	errs  []error
}

func (f *fakeWeChat) SendSubscribeMessage(ctx context.Context, openID, templateID, page string, data map[string]string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, wxCall{openID, templateID, page, data})
	if len(f.errs) > 0 {
		err := f.errs[0]
		f.errs = f.errs[1:]
		return err
	}
	return nil
}

func (f *fakeWeChat) sent() []wxCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]wxCall(nil), f.calls...)
}

type smsCall struct{ Phone, Text string }

// fakeSMS records texts; while err is set, it fails.
type fakeSMS struct {
	mu    sync.Mutex
	calls []smsCall
	err   error
}

func (f *fakeSMS) SendSMS(ctx context.Context, phone, text string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	f.calls = append(f.calls, smsCall{phone, text})
	return nil
}

func (f *fakeSMS) sent() []smsCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]smsCall(nil), f.calls...)
}

type fakeOrders map[string]notice.Order

func (f fakeOrders) OrderFacts(ctx context.Context, id string) (notice.Order, error) {
	o, ok := f[id]
	if !ok {
		return o, fmt.Errorf("order %s: %w", id, store.ErrNotFound)
	}
	return o, nil
}

type fakePersons map[string]*identity.Person

func (f fakePersons) Person(ctx context.Context, id string) (*identity.Person, error) {
	p, ok := f[id]
	if !ok {
		return nil, fmt.Errorf("person %s: %w", id, store.ErrNotFound)
	}
	return p, nil
}
