package payment_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/payment"
)

// replayable keeps a notification's bytes and headers so that each
// iteration gets a fresh request with the same content.
func replayable(b *testing.B, r *http.Request) func() *http.Request {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		b.Fatal(err)
	}
	return func() *http.Request {
		c := httptest.NewRequest(http.MethodPost, r.URL.Path, bytes.NewReader(body))
		c.Header = r.Header.Clone()
		return c
	}
}

// BenchmarkNotificationVerifyDecrypt is the SDK's part of a notification:
// signature check (RSA-2048) and AES-256-GCM decryption.
func BenchmarkNotificationVerifyDecrypt(b *testing.B) {
	h := newHarness(b)
	next := replayable(b, h.forgedNotification(b, "SB000000000000000000000001", 100, false))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.provider.ParseNotification(h.ctx, next()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDuplicateNotification measures answering a notification already
// applied: verification plus one read, no write transaction.
func BenchmarkDuplicateNotification(b *testing.B) {
	h := newHarness(b)
	o := h.mustCreate(b, "k1", h.pension, h.medical)
	next := replayable(b, h.forgedNotification(b, o.Order.OutTradeNo, int64(o.Order.AmountFen), false))
	if err := h.svc.HandleNotification(h.ctx, "wechatpay", next()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := h.svc.HandleNotification(h.ctx, "wechatpay", next()); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkNewNotification measures a first notification for an unpaid
// order: verification, the payment transaction (state, events, ledger,
// risk check, posting job). Orders are created outside the timer.
func BenchmarkNewNotification(b *testing.B) {
	benchNewNotifications(b, 1)
}

// BenchmarkNewNotificationsConcurrent is the throughput figure: 32
// notification handlers at once on the two-core machine, as when WeChat Pay
// delivers a busy minute's payments, against a SQLite file with the
// production pragmas (synchronous=FULL). Their writes share commits (group
// commit); each handler returns only once its own write is durable.
func BenchmarkNewNotificationsConcurrent(b *testing.B) {
	benchNewNotifications(b, 32/runtime.GOMAXPROCS(0))
}

// benchNewNotifications handles b.N first notifications for b.N unpaid
// orders with parallelism × GOMAXPROCS goroutines, and reports the rate
// and the CPU time per notification.
func benchNewNotifications(b *testing.B, parallelism int) {
	h := newHarness(b)
	reqs := make([]func() *http.Request, 0, b.N)
	// Many payers with a few orders each, as in life.
	var people []*identity.Person
	for n := 0; n < min(b.N, 400); n++ {
		first17 := fmt.Sprintf("11010519%02d0101%03d", 50+n/900, n%900+100)
		check, _ := identity.IDCheckDigit(first17)
		p, err := h.ids.Register(h.ctx, identity.NewPerson{ID: fmt.Sprintf("per_bench%04d", n), Region: "110000",
			Type: identity.Flexible, Name: "测试", IDNumber: first17 + string(check), Phone: fmt.Sprintf("1370000%04d", n), OpenID: fmt.Sprintf("oSBbench%04d", n)})
		if err != nil {
			b.Fatal(err)
		}
		people = append(people, p)
	}
	for i := 0; i < b.N; i++ {
		p := people[i%len(people)]
		period := fmt.Sprintf("%04d-%02d", 1990+i/144, (i/12)%12+1)
		bill := h.bill(b, p.ID, "110", period, 145400)
		o, err := h.svc.CreateOrder(h.ctx, p, payment.CreateOrderRequest{BillIDs: []string{bill}, Channel: "wechatpay", IdempotencyKey: bill})
		if err != nil {
			b.Fatal(err)
		}
		reqs = append(reqs, replayable(b, h.forgedNotification(b, o.Order.OutTradeNo, 145400, false)))
	}
	b.ReportAllocs()
	b.SetParallelism(parallelism)
	cpu0, cpuOK := processCPU()
	b.ResetTimer()
	var next atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := h.svc.HandleNotification(h.ctx, "wechatpay", reqs[next.Add(1)-1]()); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "notifications/s")
	// The process's CPU per notification (handlers, the posting jobs they
	// wake, the sandbox): what the two cores can sustain whatever else runs.
	if cpu1, ok := processCPU(); ok && cpuOK {
		b.ReportMetric(float64((cpu1-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
	}
}
