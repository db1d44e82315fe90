// Package jobs runs durable background work: a job row is written in the same
// transaction as the state change that needs it (an order paid needs posting),
// so a crash between the two cannot forget the work. A runner claims due jobs
// with a lease, runs them, and retries failures with backoff.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Job is one unit of durable work, identified by kind and the reference of
// what it works on (an order id).
type Job struct {
	ID        int64
	Kind      string
	Ref       string
	RunAt     time.Time
	Attempts  int
	LastError string
	CreatedAt time.Time
}

// Store is the storage the runner needs. Enqueueing is done by domain
// transactions through their own Tx interfaces.
type Store interface {
	// ClaimJobs leases up to limit due jobs until now+lease and returns them.
	ClaimJobs(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Job, error)
	CompleteJob(ctx context.Context, id int64, at time.Time) error
	RetryJob(ctx context.Context, id int64, runAt time.Time, lastError string) error
}

// Handler does the work of one job kind. It must be idempotent: a job whose
// lease ran out while it was still working can be run again.
type Handler func(ctx context.Context, j Job) error

// RetryAt is returned by a handler that is not finished and wants to run
// again at a given time without it counting as a failure (polling a provider
// for an order still unpaid, say).
type RetryAt struct{ At time.Time }

func (r RetryAt) Error() string { return "retry at " + r.At.Format(time.RFC3339) }

// Runner claims and runs due jobs.
type Runner struct {
	store    Store
	handlers map[string]Handler
	now      func() time.Time
	log      *slog.Logger
	wake     chan struct{}
	poll     time.Duration
	lease    time.Duration
	workers  int
}

// NewRunner builds a runner; register handlers before Run.
func NewRunner(s Store, now func() time.Time, log *slog.Logger) *Runner {
	return &Runner{store: s, handlers: map[string]Handler{}, now: now, log: log,
		wake: make(chan struct{}, 1), poll: time.Second, lease: 2 * time.Minute, workers: 8}
}

// SetLease changes how long a claimed job is reserved: a job claimed by a
// process that died is run again when its lease ends.
func (r *Runner) SetLease(d time.Duration) { r.lease = d }

// Handle registers the handler for a job kind.
func (r *Runner) Handle(kind string, h Handler) { r.handlers[kind] = h }

// Wake asks the runner to look for due jobs now, e.g. right after a commit
// that enqueued one, instead of waiting for the next poll.
func (r *Runner) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run works until ctx is done, running up to workers jobs at once: jobs
// wait mostly on outside parties (the core system, the provider), so one at
// a time would leave the machine idle.
func (r *Runner) Run(ctx context.Context) {
	t := time.NewTicker(r.poll)
	defer t.Stop()
	slots := make(chan struct{}, r.workers)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		for free := r.workers - len(slots); free > 0 && ctx.Err() == nil; free = r.workers - len(slots) {
			jobs, err := r.store.ClaimJobs(ctx, r.now(), r.lease, free)
			if err != nil {
				if ctx.Err() == nil {
					r.log.ErrorContext(ctx, "claim jobs", "err", err)
				}
				break
			}
			for _, j := range jobs {
				slots <- struct{}{}
				wg.Add(1)
				go func() {
					defer wg.Done()
					r.runOne(ctx, j)
					<-slots
					r.Wake() // a slot is free: look for more
				}()
			}
			if len(jobs) < free {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-r.wake:
		}
	}
}

// RunDue runs the jobs due now once and returns how many it ran. Tests call
// it directly with a controlled clock instead of sleeping.
func (r *Runner) RunDue(ctx context.Context) int {
	jobs, err := r.store.ClaimJobs(ctx, r.now(), r.lease, 32)
	if err != nil {
		if ctx.Err() == nil {
			r.log.ErrorContext(ctx, "claim jobs", "err", err)
		}
		return 0
	}
	for _, j := range jobs {
		r.runOne(ctx, j)
	}
	return len(jobs)
}

func (r *Runner) runOne(ctx context.Context, j Job) {
	h, ok := r.handlers[j.Kind]
	var err error
	if !ok {
		err = fmt.Errorf("jobs: no handler for kind %q", j.Kind)
	} else {
		err = h(ctx, j)
	}
	now := r.now()
	var retry RetryAt
	switch {
	case err == nil:
		err = r.store.CompleteJob(ctx, j.ID, now)
	case errors.As(err, &retry):
		err = r.store.RetryJob(ctx, j.ID, retry.At, "")
	default:
		r.log.WarnContext(ctx, "job failed", "kind", j.Kind, "ref", j.Ref, "attempt", j.Attempts, "err", err)
		err = r.store.RetryJob(ctx, j.ID, now.Add(Backoff(j.Attempts)), err.Error())
	}
	if err != nil && ctx.Err() == nil {
		r.log.ErrorContext(ctx, "record job outcome", "kind", j.Kind, "ref", j.Ref, "err", err)
	}
}

// Backoff is the wait before the next attempt after attempts failures:
// 10 s doubling up to 1 h, so an outage of the core system is retried
// steadily without hammering it.
func Backoff(attempts int) time.Duration {
	d := 10 * time.Second
	for i := 1; i < attempts && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}
