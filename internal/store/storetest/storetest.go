// Package storetest is the storage contract written once and run against
// every engine, after riverqueue/river's driver test suite: each engine's own
// test calls Run with a function that opens a fresh, migrated, empty store.
// The suite tests what the domain interfaces promise in their doc comments
// (sentinel errors, all-or-nothing writes, optimistic versions, leases), never
// how an engine does it, so the same checks hold for SQLite and PostgreSQL.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/notice"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/policyadmin"
	"github.com/shebao-project/shebao/internal/rekey"
	"github.com/shebao-project/shebao/internal/voucher"
)

// Engine is what every storage engine offers the rest of shebao: the domain
// stores plus the few operational methods the app and the CLI call directly.
type Engine interface {
	identity.Store
	billing.Store
	billing.RunStore
	jobs.Store
	// rekey.Store pages through sealed columns for a key rotation.
	rekey.Store
	// Payments adapts the engine to payment.Store; its InTx hands out the
	// payment.Tx every transactional write goes through.
	Payments() payment.Store
	// Grants adapts the engine to identity.GrantStore (family grants, and
	// the identity writes that go with an audit entry).
	Grants() identity.GrantStore
	// Notices adapts the engine to notice.Store.
	Notices() notice.Store
	// PolicyPacks adapts the engine to policyadmin.Store.
	PolicyPacks() policyadmin.Store
	// Deletions adapts the engine to identity.DeletionStore.
	Deletions() identity.DeletionStore
	// Credits adapts the engine to payment.CreditStore (credit pay).
	Credits() payment.CreditStore
	// OutstandingCreditFen and Balances are what `shebao audit` compares.
	OutstandingCreditFen(ctx context.Context) (money.Fen, error)
	Balances(ctx context.Context) (map[string]int64, error)
	DisplayPrefs(ctx context.Context, personID string) (identity.DisplayPrefs, bool, error)
	SetDisplayPrefs(ctx context.Context, personID string, p identity.DisplayPrefs, at time.Time) error
	CountPersons(ctx context.Context) (int, error)
	PersonIDs(ctx context.Context, after string, limit int) ([]string, error)
	PendingJobs(ctx context.Context) (map[string]int, error)
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error)
	Close() error
}

// Opener returns a fresh, migrated and empty engine for one test. The suite
// closes it when the test ends.
type Opener func(t *testing.T) Engine

// Run runs the whole suite. Every leaf test gets its own engine from open,
// so tests never see each other's rows and groups run in parallel.
func Run(t *testing.T, open func(t *testing.T) Engine) {
	fresh := func(t *testing.T) Engine {
		t.Helper()
		e := open(t)
		t.Cleanup(func() {
			if err := e.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
		})
		return e
	}
	groups := []struct {
		name string
		run  func(*testing.T, Opener)
	}{
		{"Persons", testPersons},
		{"WeChatBinding", testWeChatBinding},
		{"DisplayPrefs", testDisplayPrefs},
		{"Enrolments", testEnrolments},
		{"SMSCodes", testSMSCodes},
		{"Sessions", testSessions},
		{"ConfirmSession", testConfirmSession},
		{"OrderAttempts", testOrderAttempts},
		{"UpdatePhone", testUpdatePhone},
		{"Bills", testBills},
		{"LockBills", testLockBills},
		{"BillRun", testBillRun},
		{"Orders", testOrders},
		{"UpdateOrder", testUpdateOrder},
		{"Notifications", testNotifications},
		{"Vouchers", testVouchers},
		{"Sequences", testSequences},
		{"Jobs", testJobs},
		{"Notices", Notices},
		{"PolicyPacks", PolicyPacks},
		{"Transactions", testTransactions},
		{"Rekey", Rekey},
		{"Deletion", testDeletion},
		{"Credits", testCredits},
		{"Offset", testOffset},
		{"RefundAttempts", testRefundAttempts},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			g.run(t, fresh)
		})
	}
}

// t0 is the suite's fixed clock: a millisecond-precise instant, since every
// engine stores times to the millisecond.
var t0 = time.Date(2026, time.November, 3, 9, 30, 15, 123_000_000, time.UTC)

// cst is China Standard Time: vouchers are issued in it, and a stored time
// must come back as the same instant whatever zone it was written in.
var cst = time.FixedZone("CST", 8*60*60)

// errBoom is returned from transactions that must roll back.
var errBoom = errors.New("storetest: boom")

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("err = %v, want errors.Is(err, %v)", err, target)
	}
}

// inTx runs fn in a payment transaction that must commit.
func inTx(t *testing.T, e Engine, fn func(tx payment.Tx) error) {
	t.Helper()
	must(t, e.Payments().InTx(t.Context(), fn))
}

// same compares after normalising times to UTC (engines may hand back
// another zone) and reports a readable diff.
func same[T any](t *testing.T, what string, got, want T, norm func(T) T) {
	t.Helper()
	if norm != nil {
		got, want = norm(got), norm(want)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

// Fixtures. Each takes what varies between rows; everything else is fixed.

func person(n int) identity.PersonRecord {
	id := fmt.Sprintf("P%04d", n)
	return identity.PersonRecord{
		ID: id, Region: "440300", Type: identity.Flexible,
		// Sealed bytes and indexes hold NULs and high bytes on purpose.
		NameSealed:  []byte{0x00, 0x01, byte(n), 0xff, 0x00},
		IDSealed:    []byte{0xfe, 0x00, byte(n), 0x7f},
		PhoneSealed: []byte{0x80, byte(n), 0x00},
		IDIndex:     []byte("id\x00" + id),
		PhoneIndex:  []byte("ph\x00" + id),
		NameMasked:  "张*", IDMasked: "4403**********123X", PhoneMasked: "138****0001",
		OpenID: "o-" + id, MiniOpenID: "m-" + id, CreatedAt: t0,
	}
}

func normPerson(p identity.PersonRecord) identity.PersonRecord {
	p.CreatedAt = p.CreatedAt.UTC()
	return p
}

func bill(id, personID, insurance, period string) billing.Bill {
	return billing.Bill{
		ID: id, PersonID: personID, Insurance: insurance, Period: period, Kind: billing.Current,
		BaseFen: 512_300, Rate: "0.16", AmountFen: 81_968, PersonalAccountFen: 0,
		Policy: "440300@2026-07", Status: billing.Due, CreatedAt: t0,
	}
}

func normBill(b billing.Bill) billing.Bill {
	b.CreatedAt = b.CreatedAt.UTC()
	return b
}

func order(id, personID, payerID string, billIDs ...string) payment.Order {
	return payment.Order{
		ID: id, PersonID: personID, PayerID: payerID, Region: "440300", Channel: "wechat_jsapi",
		State: payment.Created, AmountFen: 81_968, Description: "社保缴费 2026-11",
		OutTradeNo: "OTN-" + id, IdempotencyKey: "key-" + id, RequestHash: []byte{0x00, 0xab, 0xcd},
		BillIDs: billIDs, CreatedAt: t0, UpdatedAt: t0, ExpiresAt: t0.Add(15 * time.Minute), Version: 1,
	}
}

func normOrder(o payment.Order) payment.Order {
	o.CreatedAt, o.UpdatedAt, o.ExpiresAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC(), o.ExpiresAt.UTC()
	o.PaidAt, o.CreditedAt = o.PaidAt.UTC(), o.CreditedAt.UTC()
	return o
}

func voucherFor(id, orderID string, kind voucher.Kind) voucher.Voucher {
	return voucher.Voucher{
		ID: id, OrderID: orderID, Kind: kind, Code: "CODE-" + id, IssuedAt: t0.In(cst),
		Payload: []byte("payload\x00" + id), Signature: []byte{0x30, 0x45, 0x00, 0x21}, KeyID: "k1",
	}
}

func normVoucher(v voucher.Voucher) voucher.Voucher {
	v.IssuedAt = v.IssuedAt.UTC()
	if v.RetainUntil != nil {
		r := v.RetainUntil.UTC()
		v.RetainUntil = &r
	}
	return v
}

// Seeding helpers: write fixtures the test is not about, failing fast.

func seedPersons(t *testing.T, e Engine, ns ...int) {
	t.Helper()
	for _, n := range ns {
		must(t, e.CreatePerson(t.Context(), person(n)))
	}
}

func seedBills(t *testing.T, e Engine, bs ...billing.Bill) {
	t.Helper()
	for _, b := range bs {
		must(t, e.InsertBill(t.Context(), b))
	}
}

func seedOrders(t *testing.T, e Engine, os ...payment.Order) {
	t.Helper()
	inTx(t, e, func(tx payment.Tx) error {
		for _, o := range os {
			if err := tx.InsertOrder(t.Context(), o); err != nil {
				return err
			}
		}
		return nil
	})
}

// billsByID reads bills back keyed by id.
func billsByID(t *testing.T, e Engine, ids ...string) map[string]billing.Bill {
	t.Helper()
	bs, err := e.Payments().BillsByIDs(t.Context(), ids)
	must(t, err)
	out := map[string]billing.Bill{}
	for _, b := range bs {
		out[b.ID] = b
	}
	return out
}
