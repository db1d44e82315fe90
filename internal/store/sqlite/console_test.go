package sqlite_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/console"
	"github.com/shebao-project/shebao/internal/console/consoletest"
	"github.com/shebao-project/shebao/internal/operator"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/store"
	"github.com/shebao-project/shebao/internal/store/sqlite"
	"github.com/shebao-project/shebao/internal/ticket"
)

// TestCollections: credited orders count by Beijing day, region, channel
// and insurance; unpaid and refunded ones do not; every created order
// counts as an attempt.
func TestCollections(t *testing.T) {
	w := consoletest.New(t) // 2026-06-01 09:00 Beijing
	a, b := w.Person(t, 1), w.Person(t, 2)
	w.Order(t, a, "2026-04", 80_000, payment.Credited)
	w.Order(t, b, "2026-04", 50_000, payment.Credited)
	w.Order(t, a, "2026-03", 70_000, payment.Closed)
	refunded := w.Order(t, b, "2026-03", 60_000, payment.Credited)
	w.Clock.Advance(16 * time.Hour) // 2026-06-02 01:00 Beijing
	w.Order(t, a, "2026-05", 30_000, payment.Credited)
	err := w.DB.InTx(w.Ctx, func(tx *sqlite.Tx) error {
		o, err := tx.OrderByID(w.Ctx, refunded.ID)
		if err != nil {
			return err
		}
		o.State, o.Version = payment.Refunding, o.Version+1
		return tx.UpdateOrder(w.Ctx, o)
	})
	if err != nil {
		t.Fatal(err)
	}
	cs := w.DB.ConsoleStore()
	from, to := time.Date(2026, 5, 31, 16, 0, 0, 0, time.UTC), time.Date(2026, 6, 2, 16, 0, 0, 0, time.UTC)
	rows, err := cs.Collections(w.Ctx, from, to)
	if err != nil {
		t.Fatal(err)
	}
	want := []console.CollectionRow{
		{Date: "2026-06-01", Region: "110000", Channel: "wechatpay", Insurance: "110", Orders: 2, AmountFen: 130_000},
		{Date: "2026-06-02", Region: "110000", Channel: "wechatpay", Insurance: "110", Orders: 1, AmountFen: 30_000},
	}
	if len(rows) != len(want) {
		t.Fatalf("rows %+v", rows)
	}
	for i := range want {
		if rows[i] != want[i] {
			t.Errorf("row %d = %+v, want %+v", i, rows[i], want[i])
		}
	}
	at, err := cs.PaymentAttempts(w.Ctx, from, to)
	if err != nil || at.Created != 5 || at.Paid != 4 || at.Proxy != 0 || len(at.Handling) != 1 ||
		at.Handling[0].Channel != "wechatpay" || at.Handling[0].Orders != 4 || at.Handling[0].AvgSeconds < 0 {
		t.Fatalf("attempts %+v, %v", at, err)
	}
}

func TestResolveDiff(t *testing.T) {
	w := consoletest.New(t)
	d := payment.Diff{Channel: "wechatpay", Date: "2026-05-31", OutTradeNo: "SB1", Kind: payment.DiffMissingInBill, Detail: "x", Action: "operator: query"}
	if err := w.DB.RecordDiff(w.Ctx, d, w.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	cs := w.DB.ConsoleStore()
	k := console.DiffKey{Channel: d.Channel, Date: d.Date, OutTradeNo: d.OutTradeNo, Kind: d.Kind}
	if err := cs.ResolveDiff(w.Ctx, k, "resolved by li.na: provider confirmed", "li.na", w.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if open, _ := cs.OpenDiffs(w.Ctx, 10); len(open) != 0 {
		t.Fatalf("still open: %v", open)
	}
	if err := cs.ResolveDiff(w.Ctx, k, "again", "li.na", w.Clock.Now()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("resolving twice: %v", err)
	}
}

// TestAuditAppendConcurrent: appenders racing each other still make one
// gap-free chain (the single writer serialises them).
func TestAuditAppendConcurrent(t *testing.T) {
	w := consoletest.New(t)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if err := w.Operators.Record(w.Ctx, operator.Entry{Operator: "li.na", Action: "order.view", Target: string(rune('A' + i))}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	v, err := w.Operators.VerifyAudit(w.Ctx)
	if err != nil || !v.OK || v.Entries != 20 {
		t.Fatalf("%+v, %v", v, err)
	}
}

func TestFAQAndSettings(t *testing.T) {
	w := consoletest.New(t)
	ts := w.DB.TicketStore()
	id, err := ts.PutFAQ(w.Ctx, ticket.Entry{Category: "other", Question: "q", Answer: "a", Active: true, UpdatedAt: w.Clock.Now(), UpdatedBy: "li.na"})
	if err != nil || id == 0 {
		t.Fatal(id, err)
	}
	if _, err := ts.PutFAQ(w.Ctx, ticket.Entry{ID: id + 1, Question: "q", Answer: "a"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("updating a missing entry: %v", err)
	}
	if _, err := ts.PutFAQ(w.Ctx, ticket.Entry{ID: id, Question: "q2", Answer: "a2", Active: false}); err != nil {
		t.Fatal(err)
	}
	if es, _ := ts.FAQEntries(w.Ctx, true); len(es) != 0 {
		t.Fatalf("inactive entry listed: %v", es)
	}
	if _, err := ts.Setting(w.Ctx, "x"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing setting: %v", err)
	}
	for _, v := range []string{"30", "40"} {
		if err := ts.PutSetting(w.Ctx, "x", v, "admin", w.Clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if v, _ := ts.Setting(w.Ctx, "x"); v != "40" {
		t.Fatalf("setting %q", v)
	}
}
