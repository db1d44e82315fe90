package storetest

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/notice"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/store"
)

// Notices is the group for notice.Store, the engine's Notices(): consents
// added, used at most once each even under concurrency, given back and
// cleared; a notice recorded once per kind and ref; the reminder sweep's
// reads of due bills; and its enqueueing, once per job key. Run lists it as
// {"Notices", Notices}.
func Notices(t *testing.T, open Opener) {
	t.Run("Consents", func(t *testing.T) { testConsents(t, open) })
	t.Run("UseConsentConcurrently", func(t *testing.T) {
		e := open(t)
		seedPersons(t, e, 1)
		n := noticesOf(t, e)
		must(t, n.AddConsents(t.Context(), "P0001", t0, []notice.ConsentChange{{Kind: notice.KindRefund, TemplateID: "T3", Accepted: 5}}))
		var used atomic.Int32
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				ok, err := n.UseConsent(t.Context(), "P0001", notice.KindRefund)
				if err != nil {
					t.Error(err)
				}
				if ok {
					used.Add(1)
				}
			})
		}
		wg.Wait()
		if used.Load() != 5 {
			t.Fatalf("16 concurrent UseConsent on 5 consents: %d succeeded, want 5", used.Load())
		}
	})
	t.Run("Sent", func(t *testing.T) {
		e := open(t)
		seedPersons(t, e, 1)
		n := noticesOf(t, e)
		sent := func(kind, ref string, want bool) {
			t.Helper()
			got, err := n.NoticeSent(t.Context(), kind, ref)
			must(t, err)
			if got != want {
				t.Fatalf("NoticeSent(%s, %s) = %v, want %v", kind, ref, got, want)
			}
		}
		s := notice.Sent{PersonID: "P0001", Kind: notice.KindPaymentResult, Ref: "O1", Channel: notice.ChannelWeChat, SentAt: t0}
		sent(s.Kind, s.Ref, false)
		must(t, n.RecordNotice(t.Context(), s))
		sent(s.Kind, s.Ref, true)
		again := s
		again.Channel = notice.ChannelSMS
		wantErr(t, n.RecordNotice(t.Context(), again), store.ErrConflict)
		must(t, n.RecordNotice(t.Context(), notice.Sent{PersonID: "P0001", Kind: notice.KindRefund, Ref: "O1", Channel: notice.ChannelSMS, SentAt: t0}))
		sent(notice.KindRefund, "O1", true)
		sent(notice.KindHold, "O1", false)
	})
	t.Run("DueBills", func(t *testing.T) { testDueBills(t, open) })
	t.Run("Arrears", func(t *testing.T) { testArrears(t, open) })
	t.Run("RemindersOff", func(t *testing.T) { testRemindersOff(t, open) })
	t.Run("EnqueueReminders", func(t *testing.T) { testEnqueueReminders(t, open) })
}

// noticesOf is e's notice store. It asks for the method itself, so the
// group compiles whether or not Engine lists Notices().
func noticesOf(t *testing.T, e Engine) notice.Store {
	t.Helper()
	n, ok := any(e).(interface{ Notices() notice.Store })
	if !ok {
		t.Fatalf("%T has no Notices() notice.Store", e)
	}
	return n.Notices()
}

func subscriptions(t *testing.T, n notice.Store, personID string) []notice.Subscription {
	t.Helper()
	subs, err := n.Subscriptions(t.Context(), personID)
	must(t, err)
	for i := range subs {
		subs[i].UpdatedAt = subs[i].UpdatedAt.UTC()
	}
	return subs
}

func testConsents(t *testing.T, open Opener) {
	e := open(t)
	seedPersons(t, e, 1, 2)
	n, ctx := noticesOf(t, e), t.Context()
	t1, t2 := t0.Add(time.Minute), t0.Add(2*time.Minute)
	must(t, n.AddConsents(ctx, "P0001", t0.In(cst), []notice.ConsentChange{
		{Kind: notice.KindPaymentResult, TemplateID: "T1", Accepted: 1}, {Kind: notice.KindHold, TemplateID: "T2"}}))
	must(t, n.AddConsents(ctx, "P0001", t1, []notice.ConsentChange{
		{Kind: notice.KindPaymentResult, TemplateID: "T1", Accepted: 1}, {Kind: notice.KindRefund, TemplateID: "T3", Accepted: 1}}))
	same(t, "after two dialogs", subscriptions(t, n, "P0001"), []notice.Subscription{
		{Kind: notice.KindHold, TemplateID: "T2", Remaining: 0, UpdatedAt: t0},
		{Kind: notice.KindPaymentResult, TemplateID: "T1", Remaining: 2, UpdatedAt: t1},
		{Kind: notice.KindRefund, TemplateID: "T3", Remaining: 1, UpdatedAt: t1},
	}, nil)
	// Another template for a kind voids the old one's consents; a ban
	// leaves none.
	must(t, n.AddConsents(ctx, "P0001", t2, []notice.ConsentChange{
		{Kind: notice.KindPaymentResult, TemplateID: "T9", Accepted: 1}, {Kind: notice.KindRefund, TemplateID: "T3", Banned: true}}))
	same(t, "after a new template and a ban", subscriptions(t, n, "P0001"), []notice.Subscription{
		{Kind: notice.KindHold, TemplateID: "T2", Remaining: 0, UpdatedAt: t0},
		{Kind: notice.KindPaymentResult, TemplateID: "T9", Remaining: 1, UpdatedAt: t2},
		{Kind: notice.KindRefund, TemplateID: "T3", Remaining: 0, UpdatedAt: t2},
	}, nil)
	// All or nothing: the second change breaks remaining >= 0.
	if err := n.AddConsents(ctx, "P0002", t0, []notice.ConsentChange{
		{Kind: notice.KindPaymentResult, TemplateID: "T1", Accepted: 1}, {Kind: notice.KindHold, TemplateID: "T2", Accepted: -1}}); err == nil {
		t.Fatal("AddConsents with a negative count succeeded")
	}
	if subs := subscriptions(t, n, "P0002"); len(subs) != 0 {
		t.Fatalf("failed AddConsents left %+v", subs)
	}

	use := func(personID, kind string, want bool) {
		t.Helper()
		ok, err := n.UseConsent(ctx, personID, kind)
		must(t, err)
		if ok != want {
			t.Fatalf("UseConsent(%s, %s) = %v, want %v", personID, kind, ok, want)
		}
	}
	use("P0001", notice.KindPaymentResult, true)
	use("P0001", notice.KindPaymentResult, false)
	use("P0001", notice.KindHold, false)
	use("P0002", notice.KindPaymentResult, false) // no row at all
	must(t, n.ReturnConsent(ctx, "P0001", notice.KindPaymentResult))
	use("P0001", notice.KindPaymentResult, true)
	must(t, n.ReturnConsent(ctx, "P0001", notice.KindPaymentResult))
	must(t, n.ReturnConsent(ctx, "P0001", notice.KindPaymentResult))
	must(t, n.ClearConsent(ctx, "P0001", notice.KindPaymentResult))
	use("P0001", notice.KindPaymentResult, false)
	must(t, n.ReturnConsent(ctx, "P0002", notice.KindRefund)) // no row: nothing to do
	must(t, n.ClearConsent(ctx, "P0002", notice.KindRefund))
	if subs := subscriptions(t, n, "P0002"); len(subs) != 0 {
		t.Fatalf("ReturnConsent or ClearConsent without a row created %+v", subs)
	}
}

func testDueBills(t *testing.T, open Opener) {
	e := open(t)
	seedPersons(t, e, 1, 2, 3, 4)
	second := bill("B2", "P0001", "310", "2026-11")
	second.AmountFen = 30_000
	seedBills(t, e, bill("B1", "P0001", "110", "2026-11"), second, bill("B3", "P0001", "110", "2026-10"),
		bill("B4", "P0002", "110", "2026-11"), bill("B5", "P0003", "110", "2026-11"), bill("B6", "P0004", "110", "2026-11"))
	// P0002's bill is held by an order being paid, P0003's is paid.
	seedOrders(t, e, order("O1", "P0002", "P0002", "B4"), order("O2", "P0003", "P0003", "B5"))
	inTx(t, e, func(tx payment.Tx) error {
		if err := tx.LockBills(t.Context(), "O1", []string{"B4"}); err != nil {
			return err
		}
		if err := tx.LockBills(t.Context(), "O2", []string{"B5"}); err != nil {
			return err
		}
		return tx.MarkBillsPaid(t.Context(), "O2")
	})
	n := noticesOf(t, e)
	page := func(period, after string, limit int, want ...notice.DueSummary) {
		t.Helper()
		got, err := n.PersonsWithDueBills(t.Context(), period, after, limit)
		must(t, err)
		if want == nil {
			want = []notice.DueSummary{}
		}
		if got == nil {
			got = []notice.DueSummary{}
		}
		same(t, "PersonsWithDueBills("+period+", "+after+")", got, want, nil)
	}
	p1 := notice.DueSummary{PersonID: "P0001", Bills: 2, TotalFen: 81_968 + 30_000}
	p4 := notice.DueSummary{PersonID: "P0004", Bills: 1, TotalFen: 81_968}
	page("2026-11", "", 10, p1, p4)
	page("2026-11", "", 1, p1)
	page("2026-11", "P0001", 1, p4)
	page("2026-11", "P0004", 1)
	page("2026-10", "", 10, notice.DueSummary{PersonID: "P0001", Bills: 1, TotalFen: 81_968})
	page("2026-12", "", 10)
	for _, want := range []notice.DueSummary{p1, {PersonID: "P0002"}, {PersonID: "P0003"}, p4, {PersonID: "P0009"}} {
		got, err := n.DueSummary(t.Context(), want.PersonID, "2026-11")
		must(t, err)
		same(t, "DueSummary("+want.PersonID+")", got, want, nil)
	}
}

func testEnqueueReminders(t *testing.T, open Opener) {
	e := open(t)
	n, ctx, st := noticesOf(t, e), t.Context(), newStepper(e)
	r := func(ref string, at time.Time) jobs.Job { return job(notice.JobReminder, ref, at) }
	must(t, n.EnqueueReminders(ctx, "2026-11", nil))
	must(t, n.EnqueueReminders(ctx, "2026-11", []jobs.Job{r("A@2026-11", t0), r("B@2026-11", t0)}))
	must(t, n.EnqueueReminders(ctx, "2026-11", []jobs.Job{r("B@2026-11", t0), r("C@2026-11", t0), r("C@2026-11", t0),
		r("D@2026-11", t0.Add(time.Hour))}))
	// A job with the same kind and ref written by EnqueueJobOnce counts too.
	inTx(t, e, func(tx payment.Tx) error { return tx.EnqueueJobOnce(ctx, r("D@2026-11", t0)) })
	got := st.claim(t, t0, 10)
	same(t, "claimed", refs(got), []string{"A@2026-11", "B@2026-11", "C@2026-11"}, nil)
	for _, j := range got {
		if j.Kind != notice.JobReminder || !j.RunAt.Equal(t0) {
			t.Fatalf("claimed %+v, want kind %s at %v", j, notice.JobReminder, t0)
		}
		st.record(t, t0, j, nil)
	}
	// Done jobs count as well: a person is reminded once per period.
	must(t, n.EnqueueReminders(ctx, "2026-11", []jobs.Job{r("A@2026-11", t0), r("E@2026-11", t0)}))
	pending, err := e.PendingJobs(ctx)
	must(t, err)
	same(t, "pending", pending, map[string]int{notice.JobReminder: 2}, nil)
	same(t, "claimed later", refs(st.claim(t, t0.Add(time.Hour), 10)), []string{"D@2026-11", "E@2026-11"}, nil)
}

// testArrears: months before a period left due and not held by an order
// (断缴); annual premiums and the period itself are not arrears.
func testArrears(t *testing.T, open Opener) {
	e := open(t)
	seedPersons(t, e, 1, 2, 3)
	seedBills(t, e, bill("B1", "P0001", "110", "2026-09"), bill("B2", "P0001", "110", "2026-10"), bill("B3", "P0001", "110", "2026-11"),
		bill("B4", "P0002", "390", "2027"), bill("B5", "P0002", "110", "2026-11"), bill("B6", "P0003", "110", "2026-10"))
	seedOrders(t, e, order("O1", "P0003", "P0003", "B6"))
	inTx(t, e, func(tx payment.Tx) error { return tx.LockBills(t.Context(), "O1", []string{"B6"}) })
	n := noticesOf(t, e)
	got, err := n.PersonsWithArrears(t.Context(), "2026-11", "", 10)
	must(t, err)
	p1 := notice.DueSummary{PersonID: "P0001", Bills: 2, TotalFen: 2 * 81_968}
	same(t, "PersonsWithArrears(2026-11)", got, []notice.DueSummary{p1}, nil)
	got, err = n.PersonsWithArrears(t.Context(), "2026-11", "P0001", 10)
	must(t, err)
	if len(got) != 0 {
		t.Errorf("PersonsWithArrears after P0001 = %+v, want none", got)
	}
	for _, want := range []notice.DueSummary{p1, {PersonID: "P0002"}, {PersonID: "P0003"}} {
		got, err := n.ArrearsSummary(t.Context(), want.PersonID, "2026-11")
		must(t, err)
		same(t, "ArrearsSummary("+want.PersonID+")", got, want, nil)
	}
}

func testRemindersOff(t *testing.T, open Opener) {
	e := open(t)
	seedPersons(t, e, 1)
	n, ctx := noticesOf(t, e), t.Context()
	off, err := n.RemindersOff(ctx, "P0001")
	must(t, err)
	if off {
		t.Fatal("reminders off before any choice")
	}
	must(t, n.SetRemindersOff(ctx, "P0001", true, t0))
	if off, err = n.RemindersOff(ctx, "P0001"); err != nil || !off {
		t.Fatalf("after turning off: %v, %v", off, err)
	}
	must(t, n.SetRemindersOff(ctx, "P0001", false, t0.Add(time.Hour)))
	if off, err = n.RemindersOff(ctx, "P0001"); err != nil || off {
		t.Fatalf("after turning on again: %v, %v", off, err)
	}
}
