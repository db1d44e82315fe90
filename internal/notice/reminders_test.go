package notice_test

import (
	"errors"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/notice"
)

func refsOf(js []jobs.Job) []string {
	out := []string{}
	for _, j := range js {
		out = append(out, j.Kind+" "+j.Ref)
	}
	slices.Sort(out)
	return out
}

// TestReminderSweep runs the sweep through the real job runner: it reminds
// each person with bills due once per period (by WeChat where they
// consented), tells a person with earlier months unpaid of the lapse once a
// month, reruns daily at 09:00, and catches bills issued later.
func TestReminderSweep(t *testing.T) {
	w := newWorld(t)
	w.now = time.Date(2026, 6, 10, 9, 0, 0, 0, cst)
	w.person(t, "P1", "13800000001", "")
	w.person(t, "P2", "13800000002", "o-2")
	w.person(t, "P3", "13800000003", "")
	w.bill(t, "B1", "P1", "110", "2026-06", 80_000)
	w.bill(t, "B2", "P1", "310", "2026-06", 30_050)
	w.bill(t, "B3", "P2", "110", "2026-06", 80_000)
	w.bill(t, "B4", "P3", "110", "2026-05", 80_000) // another period
	w.consent(t, "P2", map[string]string{tplReminder: "accept"})
	if err := w.svc.ScheduleReminders(t.Context()); err != nil {
		t.Fatal(err)
	}
	runner := jobs.NewRunner(w.db, func() time.Time { return w.now }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for _, k := range []string{notice.JobReminders, notice.JobReminder, notice.JobLapse} {
		runner.Handle(k, w.svc.RunJob)
	}
	if n := runner.RunDue(t.Context()); n != 0 {
		t.Fatalf("ran %d jobs before 09:00 the next day", n)
	}
	w.now = w.now.Add(24 * time.Hour) // 2026-06-11 09:00
	if n := runner.RunDue(t.Context()); n != 1 {
		t.Fatalf("ran %d jobs at 09:00, want the sweep", n)
	}
	if n := runner.RunDue(t.Context()); n != 3 {
		t.Fatalf("ran %d jobs after the sweep, want 2 reminders and P3's lapse notice", n)
	}
	wantSMS := []smsCall{{"13800000001", "【社保缴费】您2026年6月的社会保险费1100.50元（2笔）尚未缴纳，请于2026年6月30日前缴费，逾期可能影响待遇。"},
		{"13800000003", "【社保缴费】您有1笔往月社会保险费（共800.00元）未缴，已断缴。断缴会影响缴费年限和医保待遇，请于2026年6月30日前补缴。"}}
	if got := w.sms.sent(); !reflect.DeepEqual(got, wantSMS) {
		t.Fatalf("SMS:\n got %+v\nwant %+v", got, wantSMS)
	}
	wantWX := []wxCall{{OpenID: "o-2", TemplateID: tplReminder, Page: "pages/bills/index", Data: map[string]string{
		"thing1": "社会保险费", "amount2": "¥800.00", "date3": "2026-06-30", "thing4": "请在截止日前缴费，逾期可能影响待遇"}}}
	if got := w.wx.sent(); !reflect.DeepEqual(got, wantWX) {
		t.Fatalf("WeChat:\n got %+v\nwant %+v", got, wantWX)
	}

	// The next day, P3 has a bill for June too: only P3 is reminded.
	w.bill(t, "B5", "P3", "110", "2026-06", 80_000)
	w.now = w.now.Add(24 * time.Hour)
	if n := runner.RunDue(t.Context()) + runner.RunDue(t.Context()); n != 2 {
		t.Fatalf("ran %d jobs on the third day, want the sweep and one reminder", n)
	}
	if got := w.sms.sent(); len(got) != 3 || got[2].Phone != "13800000003" || len(w.wx.sent()) != 1 {
		t.Fatalf("third day: SMS %+v, WeChat %+v", got, w.wx.sent())
	}
	pending, err := w.db.PendingJobs(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(pending, map[string]int{notice.JobReminders: 1}) {
		t.Fatalf("pending jobs: %v, want only the sweep", pending)
	}
}

// TestSweepHandsOver: on a period's last day the sweep schedules the next
// period's and ends; a sweep run after its period reminds nobody.
func TestSweepHandsOver(t *testing.T) {
	w := newWorld(t)
	w.person(t, "P1", "13800000001", "")
	w.bill(t, "B1", "P1", "110", "2026-06", 80_000)
	w.now = time.Date(2026, 7, 2, 9, 0, 0, 0, cst)
	w.mustRun(t, notice.JobReminders, "2026-06")
	js := w.drain(t, time.Date(2026, 12, 1, 0, 0, 0, 0, cst))
	if got := refsOf(js); !reflect.DeepEqual(got, []string{"notice.reminders 2026-07"}) || !js[0].RunAt.Equal(time.Date(2026, 7, 3, 9, 0, 0, 0, cst)) {
		t.Fatalf("late June sweep enqueued %v (%v)", got, js)
	}

	w.now = time.Date(2026, 6, 30, 9, 0, 0, 0, cst)
	w.mustRun(t, notice.JobReminders, "2026-06")
	js = w.drain(t, time.Date(2026, 12, 1, 0, 0, 0, 0, cst))
	if got := refsOf(js); !reflect.DeepEqual(got, []string{"notice.reminder P1@2026-06"}) {
		t.Fatalf("last-day sweep enqueued %v; want the reminder, and July's sweep already there", got)
	}

	var retry jobs.RetryAt
	w.now = time.Date(2026, 6, 29, 9, 0, 0, 0, cst)
	err := w.run(t, notice.JobReminders, "2026-06", 1)
	if !errors.As(err, &retry) || !retry.At.Equal(time.Date(2026, 6, 30, 9, 0, 0, 0, cst)) {
		t.Fatalf("sweep before the last day: %v, want a retry at 06-30 09:00", err)
	}
	if err := w.run(t, notice.JobReminders, "2026-6", 1); err == nil {
		t.Fatal("a sweep for a malformed period succeeded")
	}
}

// TestReminderSkipped: a reminder is not sent after its period, when
// nothing is due any more, or twice.
func TestReminderSkipped(t *testing.T) {
	w := newWorld(t)
	w.now = time.Date(2026, 6, 15, 9, 0, 0, 0, cst)
	w.person(t, "P1", "13800000001", "")
	w.bill(t, "B1", "P1", "110", "2026-05", 80_000)
	w.bill(t, "B2", "P1", "110", "2026-06", 80_000)
	w.mustRun(t, notice.JobReminder, "P1@2026-05") // May is over
	w.mustRun(t, notice.JobReminder, "P1@2026-07") // nothing due
	w.mustRun(t, notice.JobReminder, "P1@2026-06")
	w.mustRun(t, notice.JobReminder, "P1@2026-06")
	if got := w.sms.sent(); len(got) != 1 {
		t.Fatalf("SMS: %+v, want June's reminder once", got)
	}
	for _, ref := range []string{"P1", "@2026-06", "P1@June"} {
		if err := w.run(t, notice.JobReminder, ref, 1); err == nil {
			t.Errorf("reminder %q succeeded", ref)
		}
	}
}

// TestScheduleReminders: the sweep is scheduled for the next 09:00 Beijing
// time, for that moment's period, once.
func TestScheduleReminders(t *testing.T) {
	tests := []struct {
		now    time.Time
		period string
		at     time.Time
	}{
		{time.Date(2026, 6, 10, 8, 59, 0, 0, cst), "2026-06", time.Date(2026, 6, 10, 9, 0, 0, 0, cst)},
		{time.Date(2026, 6, 10, 9, 0, 0, 0, cst), "2026-06", time.Date(2026, 6, 11, 9, 0, 0, 0, cst)},
		{time.Date(2026, 6, 30, 1, 30, 0, 0, time.UTC), "2026-07", time.Date(2026, 7, 1, 9, 0, 0, 0, cst)},  // 09:30 Beijing
		{time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC), "2027-01", time.Date(2027, 1, 1, 9, 0, 0, 0, cst)}, // 07:00 Beijing
	}
	for _, tt := range tests {
		t.Run(tt.now.Format(time.RFC3339), func(t *testing.T) {
			w := newWorld(t)
			w.now = tt.now
			for range 2 {
				if err := w.svc.ScheduleReminders(t.Context()); err != nil {
					t.Fatal(err)
				}
			}
			js := w.drain(t, tt.at.Add(time.Hour*24*40))
			if len(js) != 1 || js[0].Kind != notice.JobReminders || js[0].Ref != tt.period || !js[0].RunAt.Equal(tt.at) {
				t.Fatalf("scheduled %+v, want one sweep for %s at %v", js, tt.period, tt.at)
			}
		})
	}
}
