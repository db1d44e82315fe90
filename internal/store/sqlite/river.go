package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/shebao-project/shebao/internal/jobs"
)

// Background jobs live in River's tables (river_job, …) in the same
// database file, written through River's SQLite driver on the one writer
// connection, so a job is inserted in the transaction of the change that
// needs it.

// openJobs brings River's schema up to date, moves jobs left in the table
// shebao used before River, and makes the inserter the store's
// transactions enqueue with.
func (d *DB) openJobs(ctx context.Context) error {
	d.driver = riversqlite.New(d.w)
	d.clock = jobs.NewClock(time.Now)
	m, err := rivermigrate.New(d.driver, &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return fmt.Errorf("sqlite: river migrator: %w", err)
	}
	if d.jobs, err = jobs.NewInserter(d.driver, d.clock); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *sql.Tx) error {
		// SQLite takes every River migration in one transaction (its
		// DDL has no enum step to split), which keeps a second process
		// opening the file at the same moment from applying one twice.
		//lint:ignore SA1019 all of River's SQLite migrations run in one transaction.
		if _, err := m.MigrateTx(ctx, tx, rivermigrate.DirectionUp, nil); err != nil {
			return fmt.Errorf("sqlite: river migrations: %w", err)
		}
		return d.moveLegacyJobs(ctx, tx)
	})
}

// moveLegacyJobs hands the jobs not yet done in the old jobs table to
// River, keeping their due times, and drops the table, in the migration's
// transaction: an upgrade neither loses nor repeats them.
func (d *DB) moveLegacyJobs(ctx context.Context, tx *sql.Tx) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'jobs'`).Scan(&n); err != nil || n == 0 {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT kind, ref, run_at FROM jobs WHERE done_at IS NULL ORDER BY id`)
	if err != nil {
		return fmt.Errorf("sqlite: legacy jobs: %w", err)
	}
	var js []jobs.Job
	for rows.Next() {
		var j jobs.Job
		var runAt int64
		if err := rows.Scan(&j.Kind, &j.Ref, &runAt); err != nil {
			rows.Close()
			return err
		}
		j.RunAt = fromMS(runAt)
		js = append(js, j)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, j := range js {
		if err := d.jobs.Insert(ctx, tx, j, false); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, `DROP TABLE jobs`)
	return err
}

// JobDriver is River's driver on this database, for the job runner.
func (d *DB) JobDriver() riverdriver.Driver[jobs.Tx] { return d.driver }

// UseClock makes the store's job inserts read the application's clock, so
// a job due "now" by a test's moved clock is available at once.
func (d *DB) UseClock(now func() time.Time) { d.clock.Set(now) }

// sqlTx is the transaction a q runs in, nil outside one.
func (x q) sqlTx() *sql.Tx {
	if c, ok := x.db.(cached); ok {
		return c.tx
	}
	return nil
}

func (x q) EnqueueJob(ctx context.Context, j jobs.Job) error {
	if x.held != nil {
		x.held.jobs = append(x.held.jobs, j) // inserted by applyGroup, in this transaction
		return nil
	}
	return x.jobs.Insert(ctx, x.sqlTx(), j, false)
}

// heldJobs are the plain jobs of a group commit's writes, inserted together
// at the end of its transaction. Unique jobs are not held: whether one was
// inserted depends on what the table holds when it is.
type heldJobs struct{ jobs []jobs.Job }

// EnqueueJobOnce inserts a job unless one of the same kind and ref exists
// (done or not), for jobs that must be scheduled exactly once per key:
// River's unique jobs, by args, over every state.
func (x q) EnqueueJobOnce(ctx context.Context, j jobs.Job) error {
	return x.jobs.Insert(ctx, x.sqlTx(), j, true)
}

// PendingJobs counts jobs not done, by kind, for health and audit.
func (x q) PendingJobs(ctx context.Context) (map[string]int, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT kind, count(*) FROM river_job
		WHERE state NOT IN ('completed', 'cancelled', 'discarded') GROUP BY kind`)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, translate(err)
		}
		out[k] = n
	}
	return out, translate(rows.Err())
}

// riverTime reads a time River's SQLite driver wrote (UTC text).
func riverTime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("sqlite: river time %q", s)
}

// riverTimeText writes a time as River's SQLite driver does.
func riverTimeText(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000") }
