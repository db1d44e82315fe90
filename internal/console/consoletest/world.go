// Package consoletest builds, for tests, the agency's side over a real
// SQLite database in a temporary directory: operators, tickets, the
// identity and payment services, a job runner, and a clock the test moves.
// Orders are written through the payment store as the payment service
// would have left them, so a test of the console needs no payment provider.
package consoletest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/operator"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/pii"
	"github.com/shebao-project/shebao/internal/sandbox/sms"
	"github.com/shebao-project/shebao/internal/store/sqlite"
	"github.com/shebao-project/shebao/internal/ticket"
)

// Clock is a clock the test moves.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now implements the injected clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Notices records ticket notices.
type Notices struct {
	mu  sync.Mutex
	got []ticket.Notice
}

// Notify implements ticket.Notifier.
func (n *Notices) Notify(_ context.Context, x ticket.Notice) error {
	n.mu.Lock()
	n.got = append(n.got, x)
	n.mu.Unlock()
	return nil
}

// Take returns the notices so far and forgets them.
func (n *Notices) Take() []ticket.Notice {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := n.got
	n.got = nil
	return out
}

// World is the agency's side, wired as internal/app wires it.
type World struct {
	Ctx       context.Context
	Path      string
	DB        *sqlite.DB
	Clock     *Clock
	Log       *slog.Logger
	Identity  *identity.Service
	Payments  *payment.Service
	Tickets   *ticket.Service
	Operators *operator.Service
	Runner    *jobs.Runner
	Notices   *Notices
	SMS       *sms.Outbox
}

// Password is every test operator's password.
const Password = "correct horse battery staple"

// New builds a World at 2026-06-01 09:00 Beijing time.
func New(t testing.TB) *World {
	t.Helper()
	w := &World{Ctx: t.Context(), Path: filepath.Join(t.TempDir(), "shebao.db"), Log: slog.New(slog.DiscardHandler),
		Clock: &Clock{t: time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC)}, Notices: &Notices{}}
	var err error
	if w.DB, err = sqlite.Open(w.Ctx, w.Path); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.DB.Close() })
	sealer, err := pii.NewSealer(bytes.Repeat([]byte{9}, pii.KeySize), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	w.SMS = sms.NewOutbox(w.Clock.Now)
	w.Identity = identity.NewService(identity.Deps{Store: w.DB, Sealer: sealer, SMS: w.SMS, Now: w.Clock.Now, Random: rand.Reader, Log: w.Log})
	w.Runner = jobs.NewRunner(w.DB, w.Clock.Now, w.Log)
	w.Payments = payment.NewService(payment.Deps{Store: w.DB.Payments(), Providers: map[string]payment.Provider{},
		Persons: w.Identity, Now: w.Clock.Now, Random: rand.Reader, Log: w.Log, Wake: w.Runner.Wake})
	w.Tickets = ticket.NewService(ticket.Deps{Store: w.DB.TicketStore(), Notifier: w.Notices, Now: w.Clock.Now,
		Random: rand.Reader, Log: w.Log, Wake: w.Runner.Wake})
	w.Runner.Handle(ticket.JobEscalate, w.Tickets.RunJob)
	w.Runner.Handle(ticket.JobNotify, w.Tickets.RunJob)
	w.Operators = operator.NewService(operator.Deps{Store: w.DB.OperatorStore(), Sealer: sealer, Now: w.Clock.Now,
		Random: rand.Reader, Log: w.Log})
	return w
}

// Person registers insured person n (Beijing, flexible worker).
func (w *World) Person(t testing.TB, n int) *identity.Person {
	t.Helper()
	first17 := fmt.Sprintf("110105198503%02d451", n)
	check, _ := identity.IDCheckDigit(first17)
	p, err := w.Identity.Register(w.Ctx, identity.NewPerson{ID: fmt.Sprintf("per_c%02d", n), Region: "110000",
		Type: identity.Flexible, Name: "张伟", IDNumber: first17 + string(check), Phone: fmt.Sprintf("139000000%02d", n)})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Order writes an order of p's for one pension bill of period in state,
// as the payment service would have left it: paid ones paid now, held ones
// held for 24 hours, credited ones with their bill marked paid.
func (w *World) Order(t testing.TB, p *identity.Person, period string, amount money.Fen, state payment.State) payment.Order {
	t.Helper()
	now := w.Clock.Now()
	suffix := fmt.Sprintf("%s%s", p.ID[len(p.ID)-2:], period[:4]+period[5:])
	bill := billing.Bill{ID: "bil_" + suffix, PersonID: p.ID, Insurance: "110", Period: period, Kind: billing.Current,
		BaseFen: 500_000, Rate: "0.16", AmountFen: amount, Policy: "110000@2026-01", Status: billing.Due, CreatedAt: now}
	if err := w.DB.InsertBill(w.Ctx, bill); err != nil {
		t.Fatal(err)
	}
	o := payment.Order{ID: "ord_" + suffix, PersonID: p.ID, PayerID: p.ID, Region: p.Region, Channel: "wechatpay", State: state,
		AmountFen: amount, Description: "社保缴费", OutTradeNo: "SB" + now.Format("20060102150405") + suffix,
		IdempotencyKey: "k" + suffix, RequestHash: []byte{1}, BillIDs: []string{bill.ID},
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(30 * time.Minute), Version: 1}
	if !state.Unpaid() {
		o.PaidAt, o.TransactionID = now, "4200"+suffix
	}
	if state == payment.Held {
		o.HoldReason, o.HoldUntil = "risk review: amount far above this payer's usual", now.Add(24*time.Hour)
	}
	if state == payment.Credited {
		o.CreditedAt, o.CoreRef = now, "CORE"+suffix
	}
	err := w.DB.InTx(w.Ctx, func(tx *sqlite.Tx) error {
		if err := tx.InsertOrder(w.Ctx, o); err != nil {
			return err
		}
		if state.Unpaid() && state != payment.AwaitingPayment {
			return nil
		}
		if err := tx.LockBills(w.Ctx, o.ID, o.BillIDs); err != nil {
			return err
		}
		if state == payment.Credited {
			return tx.MarkBillsPaid(w.Ctx, o.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// Operator creates an operator with role and returns it with its secret.
func (w *World) Operator(t testing.TB, name string, role operator.Role) *operator.Created {
	t.Helper()
	c, err := w.Operators.Create(w.Ctx, operator.NewOperator{Name: name, Role: role, Password: Password, By: "cli", Reason: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Code is the operator's authenticator code at the clock's time.
func (w *World) Code(t testing.TB, c *operator.Created) string {
	t.Helper()
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(c.Secret)
	if err != nil {
		t.Fatal(err)
	}
	return operator.TOTP{Secret: secret, Digits: 6, Period: 30 * time.Second}.At(w.Clock.Now())
}

// Login signs the operator in and returns the session token. Each login
// uses a new time step (a code is accepted once), so the clock moves 30 s.
func (w *World) Login(t testing.TB, c *operator.Created) string {
	t.Helper()
	w.Clock.Advance(30 * time.Second)
	token, _, err := w.Operators.Login(w.Ctx, operator.Credentials{Name: c.Operator.Name, Password: Password, Code: w.Code(t, c)})
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// RunJobs runs every job due at the clock's time, including those the jobs
// themselves enqueue for now.
func (w *World) RunJobs() {
	for i := 0; i < 10 && w.Runner.RunDue(w.Ctx) > 0; i++ {
	}
}
