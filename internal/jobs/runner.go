package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"
)

// Runner works jobs: Run starts a River client that claims and runs them
// until its context ends; RunDue (and Claim with Record) step through the
// jobs due now, one call at a time, for tests and simulations that move the
// clock themselves.
type Runner struct {
	driver   riverdriver.Driver[Tx]
	clock    *Clock
	log      *slog.Logger
	handlers map[string]Handler
	lease    time.Duration
	workers  int
	poll     time.Duration
	wake     chan struct{}
}

// NewRunner builds a runner on a storage engine's River driver, and makes
// the engine's job inserts read the same clock (so a job due now by a test's
// moved clock is due for the runner too). Register handlers before Run.
func NewRunner(s Store, now func() time.Time, log *slog.Logger) *Runner {
	s.UseClock(now)
	return &Runner{driver: s.JobDriver(), clock: NewClock(now), log: log, handlers: map[string]Handler{},
		lease: 2 * time.Minute, workers: 8, poll: 50 * time.Millisecond, wake: make(chan struct{}, 1)}
}

// SetLease changes how long a job may stay running before it is taken for
// dead and run again (River's stuck-job rescue): a job claimed by a process
// that died is run again when its lease ends.
func (r *Runner) SetLease(d time.Duration) { r.lease = d }

// Handle registers the handler for a job kind.
func (r *Runner) Handle(kind string, h Handler) { r.handlers[kind] = h }

// Wake asks for due jobs to be looked at now, after a commit that inserted
// one. River polls for available jobs every 50 ms (SQLite has no LISTEN),
// and a job due now is inserted available, so what Wake adds is making jobs
// scheduled for a time now past available at once rather than on the
// scheduler's next round (5 s): after a test moves its clock, say. Wakes
// are coalesced; the caller never waits on the database.
func (r *Runner) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// wakeEvery is the least time between two scheduling steps run by Wake.
const wakeEvery = 250 * time.Millisecond

// scheduleOnWake runs River's scheduling step when woken, until ctx ends.
func (r *Runner) scheduleOnWake(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.wake:
			now := r.clock.Now().UTC()
			if _, err := r.driver.GetExecutor().JobSchedule(ctx, &riverdriver.JobScheduleParams{Max: 1000, Now: &now}); err != nil && ctx.Err() == nil {
				r.log.WarnContext(ctx, "schedule due jobs", "err", err)
			}
			// At most a few times a second: under load every commit
			// wakes, and the step is a query on the one SQLite writer.
			select {
			case <-ctx.Done():
				return
			case <-time.After(wakeEvery):
			}
		}
	}
}

// Run works jobs until ctx is done, up to workers at once: jobs wait mostly
// on outside parties (the core system, the provider). Several processes on
// one database share the jobs: River locks each claimed job for one of them.
// If River cannot start (the database unreachable at boot), Run logs it and
// tries again every few seconds: the jobs wait in the database meanwhile.
func (r *Runner) Run(ctx context.Context) {
	go r.scheduleOnWake(ctx)
	for {
		c, err := r.start(ctx)
		if err == nil {
			<-ctx.Done()
			stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if err := c.Stop(stop); err != nil {
				r.log.ErrorContext(stop, "stop job runner", "err", err)
			}
			return
		}
		r.log.ErrorContext(ctx, "start job runner; trying again", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Second):
		}
	}
}

func (r *Runner) start(ctx context.Context) (*river.Client[Tx], error) {
	workers := river.NewWorkers()
	for kind := range r.handlers {
		// One Go type carries every kind; River keys workers by the
		// args' Kind(), which AddWorkerArgs takes from the value.
		river.AddWorkerArgs(workers, args{kind: kind}, &worker{r: r})
	}
	c, err := river.NewClient(r.driver, &river.Config{
		Queues:      map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: r.workers}},
		Workers:     workers,
		MaxAttempts: maxAttempts,
		RetryPolicy: retryPolicy{r.clock},
		// A job still running when its lease ends is taken for dead and
		// run again; cancelling it then keeps the two runs from overlapping.
		JobTimeout:                  r.lease,
		RescueStuckJobsAfter:        r.lease,
		CompletedJobRetentionPeriod: completedRetention,
		FetchPollInterval:           r.poll,
		FetchCooldown:               5 * time.Millisecond,
		PollOnly:                    true,
		Logger:                      r.log,
		Test:                        river.TestConfig{Time: r.clock},
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: river client: %w", err)
	}
	if err := c.Start(ctx); err != nil {
		return nil, fmt.Errorf("jobs: start river: %w", err)
	}
	return c, nil
}

// worker runs River's jobs through the registered handlers.
type worker struct {
	river.WorkerDefaults[args]
	r *Runner
}

func (w *worker) Work(ctx context.Context, job *river.Job[args]) error {
	j := fromRow(job.JobRow, job.Args.Ref)
	err := w.r.run(ctx, j)
	var retry RetryAt
	if errors.As(err, &retry) {
		return river.JobSnooze(max(retry.At.Sub(w.r.clock.Now()), 0))
	}
	return err
}

func (r *Runner) run(ctx context.Context, j Job) error {
	h, ok := r.handlers[j.Kind]
	if !ok {
		return fmt.Errorf("jobs: no handler for kind %q", j.Kind)
	}
	err := h(ctx, j)
	var retry RetryAt
	if err != nil && !errors.As(err, &retry) {
		r.log.WarnContext(ctx, "job failed", "kind", j.Kind, "ref", j.Ref, "attempt", j.Attempts, "err", err)
	}
	return err
}

// retryPolicy waits Backoff(attempt) after a failure, by the app's clock.
type retryPolicy struct{ clock *Clock }

func (p retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	return p.clock.Now().Add(Backoff(job.Attempt))
}

func fromRow(row *rivertype.JobRow, ref string) Job {
	j := Job{ID: row.ID, Kind: row.Kind, Ref: ref, RunAt: row.ScheduledAt, Attempts: row.Attempt, CreatedAt: row.CreatedAt}
	var m struct {
		Snoozes int64 `json:"snoozes"`
	}
	if json.Unmarshal(row.Metadata, &m) == nil {
		j.snoozes = m.Snoozes
	}
	if n := len(row.Errors); n > 0 {
		j.LastError = row.Errors[n-1].Error
	}
	return j
}
