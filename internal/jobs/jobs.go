// Package jobs runs durable background work on River (riverqueue/river), a
// maintained job queue with drivers for both SQLite and PostgreSQL. A job is
// inserted in the same transaction as the state change that needs it (an
// order paid needs posting), so a crash between the two cannot forget the
// work; River claims due jobs, runs them, retries failures with backoff and
// rescues jobs whose worker died.
//
// The domain speaks of a Job (a kind and the reference of what it works on,
// usually an order id) and of handlers returning nil, RetryAt or an error;
// this package maps them onto River's jobs, snoozes and retries, so the
// domain packages do not import River.
package jobs

import (
	"context"
	"database/sql"
	"sync/atomic"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"
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

	snoozes int64 // times River put it off (RetryAt), from its metadata
}

// Handler does the work of one job kind. It must be idempotent: a job whose
// worker died while it was still working is run again.
type Handler func(ctx context.Context, j Job) error

// RetryAt is returned by a handler that is not finished and wants to run
// again at a given time without it counting as a failure (polling a provider
// for an order still unpaid, say). It becomes a River snooze.
type RetryAt struct{ At time.Time }

func (r RetryAt) Error() string { return "retry at " + r.At.Format(time.RFC3339) }

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

// maxAttempts is River's attempt limit for our jobs. Handlers decide when
// work is over (posting gives up after 72 hours and refunds), so River must
// not discard a job first: at the 1-hour backoff cap this is over a year.
// River stores the count in a smallint on PostgreSQL.
const maxAttempts = 10000

// completedRetention is how long River keeps completed jobs. A job inserted
// "once" (a period's reminders, a day's reconciliation) is unique against
// completed jobs only while they are kept, so they are kept longer than any
// such key is ever asked for again: a contribution year and a half.
const completedRetention = 550 * 24 * time.Hour

// everyState makes a "once" job unique against jobs in every state, done or
// not, cancelled or discarded included.
var everyState = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStateCancelled, rivertype.JobStateCompleted,
	rivertype.JobStateDiscarded, rivertype.JobStatePending, rivertype.JobStateRetryable,
	rivertype.JobStateRunning, rivertype.JobStateScheduled,
}

// args is what River stores of a job: the kind is River's job kind, the
// reference goes into the args JSON.
type args struct {
	kind string
	Ref  string `json:"ref"`
}

func (a args) Kind() string { return a.kind }

// Clock is River's time source: the application's clock, so jobs scheduled
// by a moved test clock come due by that clock, and River's own SQL uses it
// instead of the database's now().
type Clock struct {
	now atomic.Pointer[func() time.Time]
}

// NewClock returns a clock reading now.
func NewClock(now func() time.Time) *Clock {
	c := &Clock{}
	c.Set(now)
	return c
}

// Set changes where the clock reads the time (stores are opened before the
// application's clock is known).
func (c *Clock) Set(now func() time.Time) { c.now.Store(&now) }

func (c *Clock) Now() time.Time { return (*c.now.Load())() }

func (c *Clock) NowOrNil() *time.Time { t := c.Now().UTC(); return &t }

var _ rivertype.TimeGenerator = (*Clock)(nil)

// Store is what a storage engine offers the runner: River's driver on its
// database, a way to make its job inserts read the runner's clock, and a
// count of the jobs not done.
type Store interface {
	JobDriver() riverdriver.Driver[Tx]
	UseClock(now func() time.Time)
	PendingJobs(ctx context.Context) (map[string]int, error)
}

// Tx is the transaction type of both drivers (riversqlite and
// riverdatabasesql): database/sql's.
type Tx = *sql.Tx

// compile-time check that args is a River job.
var _ river.JobArgs = args{}
