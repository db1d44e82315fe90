package notice

import (
	"context"
	"fmt"
	"strconv"
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
		if err := s.enqueueSweep(ctx, period, now); err != nil {
			return err
		}
	}
	next := nextSweep(now)
	if next.Before(periodEnd(start)) {
		return jobs.RetryAt{At: next}
	}
	return s.scheduleSweep(ctx, next)
}

// enqueueSweep enqueues the day's reminders: the month's bills; during the
// resident collection period (September to December) next year's annual
// premiums; and one lapse notice a month for months left unpaid.
func (s *Service) enqueueSweep(ctx context.Context, period string, now time.Time) error {
	err := s.enqueueEach(ctx, period, JobReminder, period, now, func(after string) ([]DueSummary, error) {
		return s.store.PersonsWithDueBills(ctx, period, after, sweepPage)
	})
	if err != nil {
		return err
	}
	if y, ok := collectingFor(now); ok {
		annual := fmt.Sprint(y)
		err := s.enqueueEach(ctx, period, JobReminder, annual, now, func(after string) ([]DueSummary, error) {
			return s.store.PersonsWithDueBills(ctx, annual, after, sweepPage)
		})
		if err != nil {
			return err
		}
	}
	return s.enqueueEach(ctx, period, JobLapse, period, now, func(after string) ([]DueSummary, error) {
		return s.store.PersonsWithArrears(ctx, period, after, sweepPage)
	})
}

// enqueueEach pages through the persons page returns and enqueues one job
// of kind for each, ref "<person>@<suffix>", each at most once.
func (s *Service) enqueueEach(ctx context.Context, period, kind, suffix string, now time.Time, page func(after string) ([]DueSummary, error)) error {
	after := ""
	for {
		ps, err := page(after)
		if err != nil {
			return fmt.Errorf("notice: sweep %s (%s@%s) after %q: %w", period, kind, suffix, after, err)
		}
		if len(ps) == 0 {
			return nil
		}
		js := make([]jobs.Job, len(ps))
		for i, d := range ps {
			js[i] = jobs.Job{Kind: kind, Ref: d.PersonID + "@" + suffix, RunAt: now, CreatedAt: now}
		}
		if err := s.store.EnqueueReminders(ctx, period, js); err != nil {
			return fmt.Errorf("notice: sweep %s (%s@%s): enqueue after %q: %w", period, kind, suffix, after, err)
		}
		if len(ps) < sweepPage {
			return nil
		}
		after = ps[len(ps)-1].PersonID
	}
}

// remind sends one person their reminder for a period (a month, or a
// coverage year's annual premium), unless its window is over (a late job
// must not ask for a payment whose deadline passed), they paid since the
// sweep, or they turned reminders off.
func (s *Service) remind(ctx context.Context, j jobs.Job) error {
	personID, period, err := splitRef(j.Ref)
	if err != nil {
		return err
	}
	w, err := windowOf(period)
	if err != nil {
		return err
	}
	if !s.now().Before(w.end) {
		s.log.InfoContext(ctx, "notice: reminder after its period, not sent", "ref", j.Ref)
		return nil
	}
	due, err := s.store.DueSummary(ctx, personID, period)
	if err != nil {
		return fmt.Errorf("notice: reminder %s: due bills: %w", j.Ref, err)
	}
	return s.sendReminder(ctx, j, KindReminder, personID, due, func() message { return reminderMessage(due, w) })
}

// lapse tells a person of months left unpaid before the period (断缴),
// once a month while any are.
func (s *Service) lapse(ctx context.Context, j jobs.Job) error {
	personID, period, err := splitRef(j.Ref)
	if err != nil {
		return err
	}
	start, err := parsePeriod(period)
	if err != nil {
		return err
	}
	if !s.now().Before(periodEnd(start)) {
		return nil
	}
	due, err := s.store.ArrearsSummary(ctx, personID, period)
	if err != nil {
		return fmt.Errorf("notice: lapse %s: arrears: %w", j.Ref, err)
	}
	return s.sendReminder(ctx, j, KindLapse, personID, due, func() message { return lapseMessage(due, deadline(start)) })
}

// unpaid tells the payer of an order that expired unpaid that its bills are
// still due, unless they have been paid (or are being paid) since.
func (s *Service) unpaid(ctx context.Context, j jobs.Job) error {
	o, err := s.orders.OrderFacts(ctx, j.Ref)
	if err != nil {
		return fmt.Errorf("notice: unpaid %s: order: %w", j.Ref, err)
	}
	due := DueSummary{PersonID: o.PayerID, Bills: o.BillsDue, TotalFen: o.AmountFen}
	by := deadline(time.Date(s.now().In(beijing).Year(), s.now().In(beijing).Month(), 1, 0, 0, 0, 0, beijing))
	return s.sendReminder(ctx, j, KindUnpaid, o.PayerID, due, func() message { return unpaidMessage(o, by) })
}

// sendReminder is what reminders and lapse notices share: nothing owed,
// already sent or turned off sends nothing; at night it waits for the
// morning (these are not urgent, unlike a payment's result).
func (s *Service) sendReminder(ctx context.Context, j jobs.Job, kind, personID string, due DueSummary, build func() message) error {
	if due.Bills == 0 {
		return nil
	}
	if done, err := s.store.NoticeSent(ctx, kind, j.Ref); err != nil || done {
		return wrap(err, "notice: %s %s: sent?", kind, j.Ref)
	}
	if off, err := s.store.RemindersOff(ctx, personID); err != nil || off {
		return wrap(err, "notice: %s %s: preferences", kind, j.Ref)
	}
	if quiet(s.now()) {
		return jobs.RetryAt{At: nextSweep(s.now())}
	}
	p, err := s.persons.Person(ctx, personID)
	if err != nil {
		return fmt.Errorf("notice: %s %s: person: %w", kind, j.Ref, err)
	}
	return s.deliver(ctx, j.Attempts, p, kind, j.Ref, build())
}

// quiet hours: no reminder between 21:00 and 08:00 Beijing time.
func quiet(now time.Time) bool {
	h := now.In(beijing).Hour()
	return h >= 21 || h < 8
}

func splitRef(ref string) (personID, period string, err error) {
	i := strings.LastIndexByte(ref, '@')
	if i <= 0 {
		return "", "", fmt.Errorf("notice: reminder ref %q is not <person>@<period>", ref)
	}
	return ref[:i], ref[i+1:], nil
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

// window is when a period's reminder may go out and what it says.
type window struct {
	label    string    // 2026年6月, or 2027年度
	end      time.Time // no reminder from then on
	deadline time.Time // the last day to pay without arrears
}

// windowOf is a monthly period's month, or for an annual premium (period
// "2027") the resident collection period before its coverage year
// (集中参保期): September to December of the year before, deadline 31
// December. The end of that period varies by region (some run into
// February); the policy packs do not carry it yet, so the common end is used.
func windowOf(period string) (window, error) {
	if len(period) == 4 {
		y, err := strconv.Atoi(period)
		if err != nil {
			return window{}, fmt.Errorf("notice: period %q is not YYYY or YYYY-MM", period)
		}
		end := time.Date(y, time.January, 1, 0, 0, 0, 0, beijing)
		return window{label: period + "年度", end: end, deadline: end.AddDate(0, 0, -1)}, nil
	}
	start, err := parsePeriod(period)
	if err != nil {
		return window{}, err
	}
	return window{label: start.Format("2006年1月"), end: periodEnd(start), deadline: deadline(start)}, nil
}

// collectingFor tells whether now is in a collection period and for which
// coverage year.
func collectingFor(now time.Time) (int, bool) {
	t := now.In(beijing)
	return t.Year() + 1, t.Month() >= time.September
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
