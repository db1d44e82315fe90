package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"
)

// Inserter writes jobs through River, inside the caller's transaction. Each
// storage engine holds one, built on its River driver.
type Inserter struct {
	client *river.Client[Tx]
	clock  *Clock
}

// NewInserter builds an insert-only River client on driver.
func NewInserter(driver riverdriver.Driver[Tx], clock *Clock) (*Inserter, error) {
	c, err := river.NewClient(driver, &river.Config{
		MaxAttempts: maxAttempts,
		Middleware:  []rivertype.Middleware{&dueSoon{clock: clock}},
		Test:        river.TestConfig{Time: clock},
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: river insert client: %w", err)
	}
	return &Inserter{client: c, clock: clock}, nil
}

// Insert adds j in tx (or on its own when tx is nil). once makes it unique
// by kind and ref against every job ever kept, done or not: inserting a key
// that exists does nothing.
func (in *Inserter) Insert(ctx context.Context, tx Tx, j Job, once bool) error {
	return in.InsertMany(ctx, tx, []Job{j}, once)
}

// InsertMany adds js in tx (or on its own when tx is nil).
func (in *Inserter) InsertMany(ctx context.Context, tx Tx, js []Job, once bool) error {
	if len(js) == 0 {
		return nil
	}
	now := in.clock.Now()
	ps := make([]river.InsertManyParams, 0, len(js))
	seen := map[[2]string]bool{}
	for _, j := range js {
		if once {
			// A key twice in one batch would conflict with itself
			// in PostgreSQL's single INSERT … ON CONFLICT.
			k := [2]string{j.Kind, j.Ref}
			if seen[k] {
				continue
			}
			seen[k] = true
		}
		ps = append(ps, river.InsertManyParams{Args: args{kind: j.Kind, Ref: j.Ref}, InsertOpts: insertOpts(j, now, once)})
	}
	var err error
	switch {
	case once && tx != nil:
		_, err = in.client.InsertManyTx(ctx, tx, ps)
	case once:
		_, err = in.client.InsertMany(ctx, ps)
	case tx != nil:
		// River's fast path: no unique key to settle, so no returned rows
		// to read back (on SQLite, no nonce per row). Most jobs, among them
		// every notification's posting job, are inserted here.
		_, err = in.client.InsertManyFastTx(ctx, tx, ps)
	default:
		_, err = in.client.InsertManyFast(ctx, ps)
	}
	if err != nil {
		return fmt.Errorf("jobs: insert %s %s: %w", js[0].Kind, js[0].Ref, err)
	}
	return nil
}

// insertOpts schedules j at its RunAt (now if it has none).
func insertOpts(j Job, now time.Time, once bool) *river.InsertOpts {
	o := &river.InsertOpts{MaxAttempts: maxAttempts, ScheduledAt: j.RunAt}
	if o.ScheduledAt.IsZero() {
		o.ScheduledAt = now
	}
	if once {
		o.UniqueOpts = river.UniqueOpts{ByArgs: true, ByState: everyState}
	}
	return o
}

// schedulerRound is how often River's scheduler makes scheduled jobs
// available (its default interval).
const schedulerRound = 5 * time.Second

// dueSoon inserts a job due within one scheduler round as available rather
// than scheduled, as River's executor does for a short snooze: River claims
// an available job only once its scheduled_at has passed, and a job due
// now (or overdue, moved over from an older table) should not wait for the
// scheduler's next round.
type dueSoon struct {
	river.MiddlewareDefaults
	clock *Clock
}

func (m *dueSoon) InsertMany(ctx context.Context, ps []*rivertype.JobInsertParams, doInner func(context.Context) ([]*rivertype.JobInsertResult, error)) ([]*rivertype.JobInsertResult, error) {
	soon := m.clock.Now().Add(schedulerRound)
	for _, p := range ps {
		if p.State == rivertype.JobStateScheduled && p.ScheduledAt != nil && !p.ScheduledAt.After(soon) {
			p.State = rivertype.JobStateAvailable
		}
	}
	return doInner(ctx)
}
