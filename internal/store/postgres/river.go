package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/shebao-project/shebao/internal/jobs"
)

// Background jobs live in River's tables (river_job, …) in the schema the
// connection's search_path names, written through River's database/sql
// driver, so a job is inserted in the transaction of the change that needs
// it. With several app servers River's fetch locks each job for one of them
// (FOR UPDATE SKIP LOCKED).

// initJobs makes River's driver and the inserter the store's transactions
// enqueue with.
func (d *DB) initJobs() error {
	d.driver = riverdatabasesql.New(d.db)
	d.clock = jobs.NewClock(time.Now)
	var err error
	d.jobs, err = jobs.NewInserter(d.driver, d.clock)
	return err
}

// migrateJobs brings River's schema up to date and moves jobs left in the
// table shebao used before River. River's migrations add enum values that
// later ones use, which PostgreSQL allows only in a later transaction, so
// they are applied one per transaction, each under the migration lock, so
// two servers starting at once apply each once; the move goes with the last.
func (d *DB) migrateJobs(ctx context.Context) error {
	m, err := rivermigrate.New(d.driver, &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return fmt.Errorf("river migrator: %w", err)
	}
	for done := false; !done; {
		err := d.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, hashtext(coalesce(current_schema(), '')))`, migrationLock); err != nil {
				return fmt.Errorf("lock: %w", err)
			}
			// Migrate would apply each step in its own transaction but
			// under no lock: two servers starting at once would race.
			//lint:ignore SA1019 one step per transaction, as Migrate does, but under our lock.
			res, err := m.MigrateTx(ctx, tx, rivermigrate.DirectionUp, &rivermigrate.MigrateOpts{MaxSteps: 1})
			if err != nil {
				return fmt.Errorf("river migrations: %w", err)
			}
			if done = len(res.Versions) == 0; done {
				return d.moveLegacyJobs(ctx, tx)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// moveLegacyJobs hands the jobs not yet done in the old jobs table to
// River, keeping their due times, and drops the table: an upgrade neither
// loses nor repeats them.
func (d *DB) moveLegacyJobs(ctx context.Context, tx *sql.Tx) error {
	var exists bool
	if err := tx.QueryRowContext(ctx, `SELECT to_regclass('jobs') IS NOT NULL`).Scan(&exists); err != nil || !exists {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT kind, ref, run_at FROM jobs WHERE done_at IS NULL ORDER BY id`)
	js, err := scanAll(rows, err, func(r scanner) (jobs.Job, error) {
		var j jobs.Job
		var runAt int64
		err := r.Scan(&j.Kind, &j.Ref, &runAt)
		j.RunAt = fromMS(runAt)
		return j, err
	})
	if err != nil {
		return fmt.Errorf("legacy jobs: %w", err)
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
	tx, _ := x.db.(*sql.Tx)
	return tx
}

func (x q) EnqueueJob(ctx context.Context, j jobs.Job) error {
	return x.jobs.Insert(ctx, x.sqlTx(), j, false)
}

// EnqueueJobOnce inserts a job unless one of the same kind and ref exists
// (done or not), for jobs that must be scheduled exactly once per key:
// River's unique jobs, by args, over every state, kept apart by River's
// unique index.
func (x q) EnqueueJobOnce(ctx context.Context, j jobs.Job) error {
	return x.jobs.Insert(ctx, x.sqlTx(), j, true)
}

// PendingJobs counts jobs not done, by kind, for health and audit.
func (x q) PendingJobs(ctx context.Context) (map[string]int, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT kind, count(*) FROM river_job
		WHERE state NOT IN ('completed', 'cancelled', 'discarded') GROUP BY kind`)
	type kindCount struct {
		kind string
		n    int
	}
	counts, err := scanAll(rows, err, func(rows scanner) (kindCount, error) {
		var c kindCount
		err := rows.Scan(&c.kind, &c.n)
		return c, err
	})
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, c := range counts {
		out[c.kind] = c.n
	}
	return out, nil
}
