package notice

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/shebao-project/shebao/internal/jobs"
)

// sweepPage is how many persons the sweep enqueues per transaction.
const sweepPage = 1000

// sweepHour is when, Beijing time, the daily sweep runs: people are
// reminded in the morning, not at midnight.
const sweepHour = 9

// ScheduleReminders makes sure the reminder sweep runs: it enqueues the
// sweep for the period of the next 09:00 Beijing time, at that time, unless
// that period's sweep exists. Call it at start; after that the sweep
// schedules itself.
func (s *Service) ScheduleReminders(ctx context.Context) error {
	return s.scheduleSweep(ctx, nextSweep(s.now()))
}

func (s *Service) scheduleSweep(ctx context.Context, at time.Time) error {
	period := at.In(beijing).Format("2006-01")
	err := s.store.EnqueueReminders(ctx, period, []jobs.Job{{Kind: JobReminders, Ref: period, RunAt: at, CreatedAt: s.now()}})
	return wrap(err, "notice: schedule reminder sweep for %s", period)
}

// sweep enqueues a reminder for everyone with bills due for period who has
// not had one (EnqueueReminders skips them), so bills issued later in the
// month are caught by a later day's sweep. A sweep job is its own daily
// timer: it asks to run again at the next 09:00 while that is still in
// its period (once per period, as its ref is the period, rules out a new
// job each day), then hands over to the next period's sweep.
func (s *Service) sweep(ctx context.Context, period string) error {
	start, err := parsePeriod(period)
	if err != nil {
		return err
	}
	now := s.now()
	if now.Before(periodEnd(start)) {
		if err := s.enqueueReminders(ctx, period, now); err != nil {
			return err
		}
	}
	next := nextSweep(now)
	if next.Before(periodEnd(start)) {
		return jobs.RetryAt{At: next}
	}
	return s.scheduleSweep(ctx, next)
}

func (s *Service) enqueueReminders(ctx context.Context, period string, now time.Time) error {
	after := ""
	for {
		page, err := s.store.PersonsWithDueBills(ctx, period, after, sweepPage)
		if err != nil {
			return fmt.Errorf("notice: reminder sweep %s after %q: %w", period, after, err)
		}
		if len(page) == 0 {
			return nil
		}
		js := make([]jobs.Job, len(page))
		for i, d := range page {
			js[i] = jobs.Job{Kind: JobReminder, Ref: d.PersonID + "@" + period, RunAt: now, CreatedAt: now}
		}
		if err := s.store.EnqueueReminders(ctx, period, js); err != nil {
			return fmt.Errorf("notice: reminder sweep %s: enqueue after %q: %w", period, after, err)
		}
		if len(page) < sweepPage {
			return nil
		}
		after = page[len(page)-1].PersonID
	}
}

// remind sends one person their reminder for a period, unless the period
// is over (a late job must not ask for a payment whose deadline passed) or
// they have paid since the sweep.
func (s *Service) remind(ctx context.Context, j jobs.Job) error {
	i := strings.LastIndexByte(j.Ref, '@')
	if i <= 0 {
		return fmt.Errorf("notice: reminder ref %q is not <person>@<YYYY-MM>", j.Ref)
	}
	personID, period := j.Ref[:i], j.Ref[i+1:]
	start, err := parsePeriod(period)
	if err != nil {
		return err
	}
	if !s.now().Before(periodEnd(start)) {
		s.log.InfoContext(ctx, "notice: reminder after its period, not sent", "ref", j.Ref)
		return nil
	}
	if done, err := s.store.NoticeSent(ctx, KindReminder, j.Ref); err != nil || done {
		return wrap(err, "notice: reminder %s: sent?", j.Ref)
	}
	due, err := s.store.DueSummary(ctx, personID, period)
	if err != nil {
		return fmt.Errorf("notice: reminder %s: due bills: %w", j.Ref, err)
	}
	if due.Bills == 0 {
		return nil
	}
	p, err := s.persons.Person(ctx, personID)
	if err != nil {
		return fmt.Errorf("notice: reminder %s: person: %w", j.Ref, err)
	}
	return s.deliver(ctx, j.Attempts, p, KindReminder, j.Ref, reminderMessage(due, start, deadline(start)))
}

// parsePeriod reads a monthly period "2026-06" as its first instant in
// Beijing.
func parsePeriod(period string) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01", period, beijing)
	if err != nil || t.Format("2006-01") != period {
		return time.Time{}, fmt.Errorf("notice: period %q is not YYYY-MM", period)
	}
	return t, nil
}

// periodEnd is the first instant after the period that starts at start.
func periodEnd(start time.Time) time.Time { return start.AddDate(0, 1, 0) }

// deadline is the last day to pay for the period without arrears: the
// period's last day, since arrears (and a late fee, where a policy has one)
// start on the next month's first day (see lateFee in
// internal/policy/quote_timing.go).
func deadline(start time.Time) time.Time { return periodEnd(start).AddDate(0, 0, -1) }

// nextSweep is the first 09:00 Beijing time after now.
func nextSweep(now time.Time) time.Time {
	t := now.In(beijing)
	at := time.Date(t.Year(), t.Month(), t.Day(), sweepHour, 0, 0, 0, beijing)
	if !at.After(t) {
		at = at.AddDate(0, 0, 1)
	}
	return at
}
