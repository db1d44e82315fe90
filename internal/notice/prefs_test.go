package notice_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/notice"
)

// TestRemindersOff: a person who turned reminders off gets no reminder or
// lapse notice, but still their payment's result; turning them on again
// restores reminders.
func TestRemindersOff(t *testing.T) {
	w := newWorld(t)
	w.now = time.Date(2026, 6, 15, 10, 0, 0, 0, cst)
	w.person(t, "P1", "13800000001", "")
	w.bill(t, "B1", "P1", "110", "2026-05", 80_000)
	w.bill(t, "B2", "P1", "110", "2026-06", 80_000)
	if p, err := w.svc.Preferences(t.Context(), "P1"); err != nil || !p.Reminders {
		t.Fatalf("default preferences %+v, %v: want reminders on", p, err)
	}
	if _, err := w.svc.SetPreferences(t.Context(), "P1", notice.Preferences{Reminders: false}); err != nil {
		t.Fatal(err)
	}
	w.mustRun(t, notice.JobReminder, "P1@2026-06")
	w.mustRun(t, notice.JobLapse, "P1@2026-06")
	w.orders["O1"] = w.order("O1", "P1", 80_000)
	w.mustRun(t, notice.JobPaymentResult, "O1")
	if got := w.sms.sent(); len(got) != 1 || !strings.Contains(got[0].Text, "缴费成功") {
		t.Fatalf("with reminders off: SMS %+v, want only the payment result", got)
	}
	if _, err := w.svc.SetPreferences(t.Context(), "P1", notice.Preferences{Reminders: true}); err != nil {
		t.Fatal(err)
	}
	w.mustRun(t, notice.JobReminder, "P1@2026-06")
	if got := w.sms.sent(); len(got) != 2 || !strings.Contains(got[1].Text, "2026年6月") {
		t.Fatalf("reminders on again: SMS %+v", got)
	}
}

// TestQuietHours: a reminder that comes due at night waits for 09:00.
func TestQuietHours(t *testing.T) {
	for _, at := range []time.Time{time.Date(2026, 6, 15, 21, 0, 0, 0, cst), time.Date(2026, 6, 16, 7, 59, 0, 0, cst)} {
		w := newWorld(t)
		w.now = at
		w.person(t, "P1", "13800000001", "")
		w.bill(t, "B1", "P1", "110", "2026-06", 80_000)
		var retry jobs.RetryAt
		err := w.run(t, notice.JobReminder, "P1@2026-06", 1)
		want := time.Date(2026, 6, 16, 9, 0, 0, 0, cst)
		if !errors.As(err, &retry) || !retry.At.Equal(want) || len(w.sms.sent()) != 0 {
			t.Fatalf("at %v: %v, SMS %+v; want a retry at %v and nothing sent", at, err, w.sms.sent(), want)
		}
	}
}

// TestAnnualPremiumReminder: during the resident collection period
// (September to December) the sweep reminds of next year's annual premium,
// with the 31 December deadline; outside it, not.
func TestAnnualPremiumReminder(t *testing.T) {
	w := newWorld(t)
	w.person(t, "P4", "13800000004", "")
	w.bill(t, "B1", "P4", "390", "2027", 40_000)
	w.now = time.Date(2026, 6, 10, 9, 0, 0, 0, cst)
	w.run(t, notice.JobReminders, "2026-06", 1)
	if js := w.drain(t, time.Date(2026, 6, 10, 9, 0, 0, 0, cst)); len(js) != 0 {
		t.Fatalf("June sweep enqueued %v; the 2027 premium is collected from September", refsOf(js))
	}
	w.now = time.Date(2026, 10, 10, 9, 0, 0, 0, cst)
	w.run(t, notice.JobReminders, "2026-10", 1)
	js := w.drain(t, w.now)
	if got := refsOf(js); !reflect.DeepEqual(got, []string{"notice.reminder P4@2027"}) {
		t.Fatalf("October sweep enqueued %v, want P4's 2027 reminder", got)
	}
	w.mustRun(t, notice.JobReminder, "P4@2027")
	want := "【社保缴费】您2027年度的社会保险费400.00元（1笔）尚未缴纳，请于2026年12月31日前缴费，逾期可能影响待遇。"
	if got := w.sms.sent(); len(got) != 1 || got[0].Text != want {
		t.Fatalf("SMS %+v, want %q", got, want)
	}
	// After the collection period the reminder is not sent.
	w.now = time.Date(2027, 1, 2, 9, 0, 0, 0, cst)
	w.mustRun(t, notice.JobReminder, "P4@2027")
	if len(w.sms.sent()) != 1 {
		t.Fatal("a 2027 premium reminder went out after the collection period")
	}
}

// TestUnpaidNotice: a payment left unfinished is followed up once, in the
// daytime, only while its bills are still due.
func TestUnpaidNotice(t *testing.T) {
	w := newWorld(t)
	w.now = time.Date(2026, 6, 15, 10, 0, 0, 0, cst)
	w.person(t, "P1", "13800000001", "")
	o := w.order("O1", "P1", 80_000)
	o.BillsDue = 1
	w.orders["O1"] = o
	paid := w.order("O2", "P1", 30_000) // its bills were paid by a later order
	w.orders["O2"] = paid
	w.mustRun(t, notice.JobUnpaid, "O1")
	w.mustRun(t, notice.JobUnpaid, "O1")
	w.mustRun(t, notice.JobUnpaid, "O2")
	want := "【社保缴费】您发起的缴费（订单" + o.OutTradeNo + "，800.00元）未完成支付，未扣款，账单仍待缴。请于2026年6月30日前重新缴费。"
	if got := w.sms.sent(); len(got) != 1 || got[0].Text != want {
		t.Fatalf("SMS %+v, want once %q", got, want)
	}
}
