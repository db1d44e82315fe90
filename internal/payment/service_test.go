package payment_test

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/shebao-project/shebao/internal/audit"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/payment"
	wxsandbox "github.com/shebao-project/shebao/internal/sandbox/wechatpay"
	"github.com/shebao-project/shebao/internal/voucher"
)

// credited is the one path a paid order may take to the end.
var credited = []payment.State{payment.Created, payment.AwaitingPayment, payment.Paid, payment.Posting, payment.Credited}

// checkOrder asserts the order's final state, its event path (each event
// continuing from the previous one, at most one paid transition), its bills
// and its vouchers: three of distinct kinds, each verifying, when credited,
// and none otherwise.
func checkOrder(t *testing.T, h *harness, id string, path []payment.State) payment.Order {
	t.Helper()
	o := h.order(t, id)
	if want := path[len(path)-1]; o.State != want {
		t.Errorf("order %s is %s (hold reason %q), want %s", id, o.State, o.HoldReason, want)
	}
	evs, err := h.svc.Events(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var got []payment.State
	paid := 0
	for i, e := range evs {
		if i > 0 && e.From != evs[i-1].To {
			t.Errorf("event %d goes from %s but the previous one ended in %s", i, e.From, evs[i-1].To)
		}
		if e.To == payment.Paid {
			paid++
		}
		got = append(got, e.To)
	}
	if !slices.Equal(got, path) || paid > 1 {
		t.Errorf("order %s events %v, want %v (paid transitions: %d)", id, got, path, paid)
	}
	vs, err := h.svc.OrderVouchers(h.ctx, h.person.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[voucher.Kind]bool{}
	for _, v := range vs {
		kinds[v.Kind] = true
		if r := voucher.Verify(h.signer.Public(), &v, h.clock.Now()); !r.Valid {
			t.Errorf("voucher %s (%s) does not verify: %s", v.ID, v.Kind, r.Reason)
		}
	}
	want := 0
	if o.State == payment.Credited {
		want = 3
	}
	if len(vs) != want || len(kinds) != want {
		t.Errorf("order %s (%s) has %d vouchers of %d kinds, want %d", id, o.State, len(vs), len(kinds), want)
	}
	for _, b := range h.bills(t, o.BillIDs...) {
		if isPaid := b.Status == billing.Paid && b.PaidOrderID == id; isPaid != (o.State == payment.Credited) {
			t.Errorf("bill %s is %s (paid by %q) while order %s is %s", b.ID, b.Status, b.PaidOrderID, id, o.State)
		}
	}
	return o
}

// checkMoney asserts no bill is credited twice: every paid bill belongs to a
// credited order that holds it, and the credited total equals want, the sum
// of the bills paid.
func checkMoney(t *testing.T, h *harness, want money.Fen, postings int) {
	t.Helper()
	orders, err := h.svc.Orders(h.ctx, h.person.ID, 100)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]payment.Order{}
	var creditedFen, billFen money.Fen
	for _, o := range orders {
		byID[o.ID] = o
		if o.State == payment.Credited {
			creditedFen += o.AmountFen
		}
	}
	all, err := h.db.BillsForPerson(h.ctx, h.person.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range all {
		if b.Status != billing.Paid {
			continue
		}
		billFen += b.AmountFen
		if o := byID[b.PaidOrderID]; o.State != payment.Credited || !slices.Contains(o.BillIDs, b.ID) {
			t.Errorf("bill %s paid by order %q in state %s", b.ID, b.PaidOrderID, o.State)
		}
	}
	if creditedFen != want || billFen != want {
		t.Errorf("credited orders total %d fen, paid bills %d fen, want %d", creditedFen, billFen, want)
	}
	if n := h.core.Count(); n != postings {
		t.Errorf("core system accepted %d postings, want %d", n, postings)
	}
	auditClean(t, h)
}

// auditClean runs the same audit as `shebao audit` over the harness's
// database: ledger balanced, each order's movements recorded exactly once.
func auditClean(t *testing.T, h *harness) {
	t.Helper()
	rep, err := audit.Run(h.ctx, h.db)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range rep.Problems {
		t.Errorf("audit: %s", p)
	}
}

func wantCode(t *testing.T, err error, kind apperr.Kind, code string) {
	t.Helper()
	if e, ok := apperr.As(err); !ok || e.Code != code || e.Kind != kind {
		t.Fatalf("error %v, want apperr kind %d code %s", err, kind, code)
	}
}

func wait[T any](t *testing.T, ch <-chan T, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

func lostNotification(t *testing.T, h *harness, o payment.Order) {
	t.Helper()
	h.drain(t)
	if s := h.order(t, o.ID).State; s != payment.AwaitingPayment {
		t.Fatalf("without a notification the order is %s, want awaiting_payment", s)
	}
	h.clock.Advance(time.Minute) // the query job's first run
	h.drain(t)
}

// coreDownFor makes the core system refuse the first n posting attempts and
// checks the job waits out each backoff before trying again.
func coreDownFor(n int) func(*testing.T, *harness, payment.Order) {
	return func(t *testing.T, h *harness, o payment.Order) {
		h.drain(t) // first attempt
		for i := 1; i <= n; i++ {
			if s := h.order(t, o.ID).State; s != payment.Posting {
				t.Fatalf("after failed attempt %d the order is %s, want posting", i, s)
			}
			if p, err := h.db.PendingJobs(h.ctx); err != nil || p[payment.JobPost] != 1 {
				t.Fatalf("pending jobs %v, %v: want one %s", p, err, payment.JobPost)
			}
			h.clock.Advance(jobs.Backoff(i) - time.Second)
			h.drain(t)
			if got := int(h.corePosts.Load()); got != i {
				t.Fatalf("%d posting attempts %s into backoff %d, want %d", got, jobs.Backoff(i)-time.Second, i, i)
			}
			if i == n {
				h.coreDown(t, false)
			}
			h.clock.Advance(time.Second)
			h.drain(t)
		}
		if got := int(h.corePosts.Load()); got != n+1 {
			t.Errorf("%d posting attempts, want %d", got, n+1)
		}
		if resp, err := http.Get(h.coreURL + "/v1/postings/" + o.ID); err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("core system has no posting with the order id %s: %v %v", o.ID, resp, err)
		} else {
			resp.Body.Close()
		}
	}
}

func TestMoneyPaths(t *testing.T) {
	cases := []struct {
		name       string
		arrange    func(*testing.T, *harness)
		deliveries int
		recover    func(*testing.T, *harness, payment.Order)
	}{
		{"happy path", nil, 1, func(t *testing.T, h *harness, _ payment.Order) { h.drain(t) }},
		{"notification lost in transit", func(t *testing.T, h *harness) {
			h.wxFaults(t, wxsandbox.Faults{DropNotifications: 100})
		}, 1, lostNotification},
		{"our notify endpoint failing", func(_ *testing.T, h *harness) { h.notifyMode.Store(notifyFail) }, 1, lostNotification},
		{"duplicate notifications and a resend", func(t *testing.T, h *harness) {
			h.wxFaults(t, wxsandbox.Faults{DuplicateNotifications: 3})
		}, 4, func(t *testing.T, h *harness, o payment.Order) {
			if st := h.post(t, h.wxURL+"/control/notifications/"+o.OutTradeNo+"/resend", nil); st != http.StatusAccepted {
				t.Fatalf("resend: status %d", st)
			}
			h.settle(t, o.OutTradeNo, 5)
			h.drain(t)
		}},
		{"core system down once", func(t *testing.T, h *harness) { h.coreDown(t, true) }, 1, coreDownFor(1)},
		{"core system down three times", func(t *testing.T, h *harness) { h.coreDown(t, true) }, 1, coreDownFor(3)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			if tc.arrange != nil {
				tc.arrange(t, h)
			}
			o := h.mustCreate(t, "k1", h.pension, h.medical)
			h.pay(t, o.Pay.PrepayID)
			h.settle(t, o.Order.OutTradeNo, tc.deliveries)
			tc.recover(t, h, o.Order)
			checkOrder(t, h, o.Order.ID, credited)
			checkMoney(t, h, pensionFen+medicalFen, 1)
			if n := h.notifyErrs.Load(); n != 0 {
				t.Errorf("%d notifications were answered with an error", n)
			}
		})
	}
}

func TestConcurrentNotifications(t *testing.T) {
	h := newHarness(t)
	h.notifyMode.Store(notifyRecord)
	o := h.mustCreate(t, "k1", h.pension, h.medical)
	h.pay(t, o.Pay.PrepayID)
	var n capturedNotify
	select {
	case n = <-h.recorded:
	case <-time.After(5 * time.Second):
		t.Fatal("no notification delivered")
	}
	errs := make([]error, 10)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range errs {
		wg.Go(func() {
			r := httptest.NewRequest(http.MethodPost, "/api/v1/payments/wechatpay/notify", bytes.NewReader(n.body))
			r.Header = n.header.Clone()
			<-start
			errs[i] = h.svc.HandleNotification(h.ctx, "wechatpay", r)
		})
	}
	close(start)
	wg.Wait()
	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
			if errors.Is(err, payment.ErrBadNotification) {
				t.Errorf("a genuine notification was refused: %v", err)
			}
		}
	}
	if failed > 1 {
		t.Errorf("%d of 10 concurrent copies failed: %v", failed, errs)
	}
	h.drain(t)
	checkOrder(t, h, o.Order.ID, credited)
	checkMoney(t, h, pensionFen+medicalFen, 1)
}

func TestExpiry(t *testing.T) {
	h := newHarness(t)
	o := h.mustCreate(t, "k1", h.pension, h.medical)
	h.clock.Advance(31 * time.Minute)
	h.drain(t)
	checkOrder(t, h, o.Order.ID, []payment.State{payment.Created, payment.AwaitingPayment, payment.Closed})
	for _, b := range h.bills(t, h.pension, h.medical) {
		if b.Status != billing.Due || b.OrderID != "" {
			t.Errorf("bill %s after expiry: %s held by %q, want due and free", b.ID, b.Status, b.OrderID)
		}
	}
	if st := h.cashier(t, o.Pay.PrepayID, "success"); st == http.StatusOK {
		t.Error("the sandbox still takes payment for the expired order")
	}
	o2 := h.mustCreate(t, "k2", h.pension, h.medical)
	if o2.Order.ID == o.Order.ID {
		t.Fatal("a new key returned the expired order")
	}
	checkMoney(t, h, 0, 0)
}

func TestPaidAfterClose(t *testing.T) {
	h := newHarness(t)
	h.notifyMode.Store(notifyFail) // we never learn of the payment by notification
	o := h.mustCreate(t, "k1", h.pension, h.medical)
	h.pay(t, o.Pay.PrepayID)
	h.settle(t, o.Order.OutTradeNo, 1)
	_, err := h.svc.CloseOrder(h.ctx, h.person.ID, o.Order.ID)
	wantCode(t, err, apperr.Conflict, "order_already_paid")
	// The payment is recorded at once and queued for the core system.
	if s := h.order(t, o.Order.ID).State; s != payment.Posting {
		t.Fatalf("after the provider said ORDERPAID the order is %s, want posting", s)
	}
	h.drain(t)
	checkOrder(t, h, o.Order.ID, credited)
	checkMoney(t, h, pensionFen+medicalFen, 1)
}

func TestSupersede(t *testing.T) {
	both := pensionFen + medicalFen
	closedPath := []payment.State{payment.Created, payment.AwaitingPayment, payment.Closed}
	t.Run("A paid unknown to us: B refused, A credited", func(t *testing.T) {
		h := newHarness(t)
		h.notifyMode.Store(notifyFail)
		a := h.mustCreate(t, "kA", h.pension, h.medical)
		h.pay(t, a.Pay.PrepayID)
		h.settle(t, a.Order.OutTradeNo, 1)
		_, err := h.create("kB", h.pension, h.medical)
		wantCode(t, err, apperr.Conflict, "bills_in_other_order")
		h.drain(t)
		checkOrder(t, h, a.Order.ID, credited)
		if os, _ := h.svc.Orders(h.ctx, h.person.ID, 10); len(os) != 1 {
			t.Errorf("%d orders, want only A", len(os))
		}
		checkMoney(t, h, both, 1)
	})
	for _, late := range []string{"cashier", "notification before B is paid", "notification after B is credited"} {
		t.Run("A superseded by B, A paid late by "+late, func(t *testing.T) {
			h := newHarness(t)
			a := h.mustCreate(t, "kA", h.pension, h.medical)
			b := h.mustCreate(t, "kB", h.pension, h.medical)
			evs, _ := h.svc.Events(h.ctx, a.Order.ID)
			if len(evs) == 0 || !strings.HasPrefix(evs[len(evs)-1].Reason, "superseded") {
				t.Errorf("A's last event %+v, want reason superseded…", evs)
			}
			// A late success for a superseded order whose bills B took is
			// refunded by itself (the forged notification has no payment at
			// the sandbox behind it, so the refund stays pending there).
			aPath := []payment.State{payment.Created, payment.AwaitingPayment, payment.Closed, payment.Paid, payment.Refunding}
			lateSuccess := func() {
				r := h.forgedNotification(t, a.Order.OutTradeNo, int64(a.Order.AmountFen), false)
				if err := h.svc.HandleNotification(h.ctx, "wechatpay", r); err != nil {
					t.Fatalf("A's late notification: %v", err)
				}
			}
			switch late {
			case "cashier":
				if st := h.cashier(t, a.Pay.PrepayID, "success"); st == http.StatusOK {
					t.Error("the sandbox took payment for superseded order A")
				}
				aPath = closedPath
			case "notification before B is paid":
				lateSuccess()
			}
			h.pay(t, b.Pay.PrepayID)
			h.settle(t, b.Order.OutTradeNo, 1)
			h.drain(t)
			if late == "notification after B is credited" {
				lateSuccess()
				h.drain(t)
			}
			checkOrder(t, h, a.Order.ID, aPath)
			checkOrder(t, h, b.Order.ID, credited)
			checkMoney(t, h, both, 1)
		})
	}
}

func TestIdempotency(t *testing.T) {
	h := newHarness(t)
	o1 := h.mustCreate(t, "k1", h.pension, h.medical)
	o2 := h.mustCreate(t, "k1", h.medical, h.pension)
	if o2.Order.ID != o1.Order.ID || o2.Pay.PrepayID != o1.Pay.PrepayID {
		t.Errorf("repeat gave order %s prepay %s, want %s %s", o2.Order.ID, o2.Pay.PrepayID, o1.Order.ID, o1.Pay.PrepayID)
	}
	_, err := h.create("k1", h.pension)
	wantCode(t, err, apperr.Conflict, "idempotency_key_reused")

	t.Run("20 concurrent requests with one key", func(t *testing.T) {
		h := newHarness(t)
		// A schedule a free-running race hits about one run in three, made
		// deterministic: all 20 look the key up and find nothing; one goes on
		// to store its order and is held at the provider; then the other 19.
		entered, release := h.holdFirstPrepay()
		var lookups atomic.Int32
		looked, gate := make(chan struct{}, 20), make(chan struct{}, 20)
		h.lookupHook = func() {
			if lookups.Add(1) <= 20 { // later lookups are replays after the insert conflict
				looked <- struct{}{}
				<-gate
			}
		}
		outcomes := make([]string, 20)
		var wg sync.WaitGroup
		for i := range outcomes {
			wg.Go(func() {
				o, err := h.create("same", h.pension, h.medical)
				if e, ok := apperr.As(err); ok && e.Kind == apperr.Conflict {
					outcomes[i] = "conflict"
				} else if err != nil {
					outcomes[i] = fmt.Sprintf("error %.60v…", err)
				} else {
					outcomes[i] = fmt.Sprintf("%s %s pay=%v", o.Order.ID, o.Order.State, o.Pay != nil)
				}
			})
		}
		for range 20 {
			wait(t, looked, "the idempotency lookups")
		}
		gate <- struct{}{}
		wait(t, entered, "the first prepay")
		for range 19 {
			gate <- struct{}{}
		}
		release()
		wg.Wait()
		stored, err := h.db.OrderByIdempotencyKey(h.ctx, h.person.ID, "same")
		if err != nil {
			t.Fatal(err)
		}
		if os, _ := h.svc.Orders(h.ctx, h.person.ID, 100); len(os) != 1 {
			t.Errorf("%d orders exist, want 1", len(os))
		}
		// Each call answers the stored order, open (created: its prepay is
		// still in flight; awaiting_payment: with pay params), or a conflict.
		counts := map[string]int{}
		for _, o := range outcomes {
			switch o {
			case "conflict", stored.ID + " created pay=false", stored.ID + " awaiting_payment pay=true":
			default:
				counts[o]++
			}
		}
		if len(counts) > 0 {
			t.Errorf("wrong answers (answer: how many): %v", counts)
		}
		checkOrder(t, h, stored.ID, []payment.State{payment.Created, payment.AwaitingPayment})
	})
}

func TestBinding(t *testing.T) {
	cases := []struct {
		name        string
		payPension  bool
		pick        func(h *harness) []string
		wantErrCode string
	}{
		{"medical without the due pension", false, func(h *harness) []string { return []string{h.medical} }, "medical_requires_pension"},
		{"pension alone", false, func(h *harness) []string { return []string{h.pension} }, ""},
		{"medical with pension", false, func(h *harness) []string { return []string{h.medical, h.pension} }, ""},
		{"medical after the pension was paid", true, func(h *harness) []string { return []string{h.medical} }, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			if tc.payPension {
				p := h.mustCreate(t, "pension", h.pension)
				h.pay(t, p.Pay.PrepayID)
				h.settle(t, p.Order.OutTradeNo, 1)
				h.drain(t)
				checkOrder(t, h, p.Order.ID, credited)
			}
			_, err := h.create("k", tc.pick(h)...)
			if tc.wantErrCode != "" {
				wantCode(t, err, apperr.Invalid, tc.wantErrCode)
			} else if err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestSomeoneElsesBill(t *testing.T) {
	h := newHarness(t)
	other := h.register(t, 2)
	theirs := h.bill(t, other.ID, "110", period, 50_000)
	for _, ids := range [][]string{{theirs}, {h.pension, theirs}} {
		_, err := h.create("k", ids...)
		wantCode(t, err, apperr.NotFound, "bill_not_found")
	}
	if b := h.bills(t, theirs)[0]; b.OrderID != "" {
		t.Errorf("their bill was locked by %s", b.OrderID)
	}
}

// TestForgedNotifications uses notifications built with the sandbox's keys:
// the sandbox itself always notifies the amount of the prepay, so an amount
// mismatch cannot be provoked through its cashier.
func TestForgedNotifications(t *testing.T) {
	cases := []struct {
		name    string
		delta   int64
		badSig  bool
		wantErr error
		path    []payment.State
	}{
		{"amount differs from the order", -1, false, nil,
			[]payment.State{payment.Created, payment.AwaitingPayment, payment.Held}},
		{"signature does not match", 0, true, payment.ErrBadNotification,
			[]payment.State{payment.Created, payment.AwaitingPayment}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			o := h.mustCreate(t, "k1", h.pension, h.medical)
			r := h.forgedNotification(t, o.Order.OutTradeNo, int64(o.Order.AmountFen)+tc.delta, tc.badSig)
			if err := h.svc.HandleNotification(h.ctx, "wechatpay", r); !errors.Is(err, tc.wantErr) || (err == nil) != (tc.wantErr == nil) {
				t.Fatalf("HandleNotification: %v, want %v", err, tc.wantErr)
			}
			h.drain(t)
			checkOrder(t, h, o.Order.ID, tc.path)
			checkMoney(t, h, 0, 0)
		})
	}
}

// TestSupersedeDuringPrepay holds order A's prepay in flight while order B
// for the same bills supersedes it, then lets the prepay finish: A must not
// come back payable, and the payer must not be charged twice.
func TestSupersedeDuringPrepay(t *testing.T) {
	h := newHarness(t)
	entered, release := h.holdFirstPrepay()
	var a *payment.OrderWithPay
	var aErr error
	done := make(chan struct{})
	go func() { defer close(done); a, aErr = h.create("kA", h.pension, h.medical) }()
	<-entered
	b := h.mustCreate(t, "kB", h.pension, h.medical)
	release()
	<-done
	if aErr == nil && a.Pay != nil && a.Order.State != payment.AwaitingPayment {
		t.Errorf("CreateOrder A returned order %s in state %s with pay params", a.Order.ID, a.Order.State)
		if st := h.cashier(t, a.Pay.PrepayID, "success"); st == http.StatusOK {
			t.Errorf("the provider took payment for closed order A: the payer is charged for A and B")
		}
		h.settle(t, a.Order.OutTradeNo, 0)
	}
	h.pay(t, b.Pay.PrepayID)
	h.settle(t, b.Order.OutTradeNo, 1)
	h.drain(t)
	checkOrder(t, h, b.Order.ID, credited)
	checkMoney(t, h, pensionFen+medicalFen, 1)
	if aErr == nil {
		o := h.order(t, a.Order.ID)
		if o.State != payment.Closed {
			t.Errorf("order A ended %s (%s), want closed", o.State, o.HoldReason)
		}
	}
}
