package postgres

import (
	"context"
	"time"

	"github.com/shebao-project/shebao/internal/jobs"
)

func (x q) EnqueueJob(ctx context.Context, j jobs.Job) error {
	_, err := x.db.ExecContext(ctx, `INSERT INTO jobs (kind, ref, run_at, created_at) VALUES ($1,$2,$3,$4)`,
		j.Kind, j.Ref, ms(j.RunAt), ms(createdAt(j)))
	return translate(err)
}

// createdAt is when the job was written, if the caller said so; otherwise
// the time it was scheduled for (the store has no clock of its own).
func createdAt(j jobs.Job) time.Time {
	if !j.CreatedAt.IsZero() {
		return j.CreatedAt
	}
	return j.RunAt
}

// ClaimJobs leases due jobs by pushing locked_until forward and counting the
// attempt in one statement, so two runners never take the same job. With
// several app servers, FOR UPDATE SKIP LOCKED makes each claimer pass over
// the jobs another one is claiming right now instead of queueing behind it
// (and then finding them leased): claims from many servers proceed in
// parallel over disjoint jobs. A job whose lease was just taken by a
// committed claim is re-checked on its newest row and left out.
// MATERIALIZED keeps the locking subquery a separate step, run once.
func (x q) ClaimJobs(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]jobs.Job, error) {
	rows, err := x.db.QueryContext(ctx, `WITH due AS MATERIALIZED (
			SELECT id FROM jobs WHERE done_at IS NULL AND run_at <= $2 AND locked_until <= $2
			ORDER BY run_at LIMIT $3 FOR UPDATE SKIP LOCKED)
		UPDATE jobs SET locked_until = $1, attempts = jobs.attempts + 1 FROM due WHERE jobs.id = due.id
		RETURNING jobs.id, jobs.kind, jobs.ref, jobs.run_at, jobs.attempts, jobs.last_error, jobs.created_at`,
		ms(now.Add(lease)), ms(now), limit)
	return scanAll(rows, err, func(rows scanner) (jobs.Job, error) {
		var j jobs.Job
		var runAt, created int64
		err := rows.Scan(&j.ID, &j.Kind, &j.Ref, &runAt, &j.Attempts, &j.LastError, &created)
		j.RunAt, j.CreatedAt = fromMS(runAt), fromMS(created)
		return j, err
	})
}

func (x q) CompleteJob(ctx context.Context, id int64, at time.Time) error {
	_, err := x.db.ExecContext(ctx, `UPDATE jobs SET done_at = $1, locked_until = 0 WHERE id = $2`, ms(at), id)
	return translate(err)
}

func (x q) RetryJob(ctx context.Context, id int64, runAt time.Time, lastError string) error {
	_, err := x.db.ExecContext(ctx, `UPDATE jobs SET run_at = $1, locked_until = 0, last_error = $2 WHERE id = $3`, ms(runAt), lastError, id)
	return translate(err)
}

// PendingJobs counts jobs not done, by kind, for health and audit.
func (x q) PendingJobs(ctx context.Context) (map[string]int, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT kind, count(*) FROM jobs WHERE done_at IS NULL GROUP BY kind`)
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

// enqueueOnceLock is the first key of the advisory lock EnqueueJobOnce
// takes on (kind, ref); it spells "SBJO".
const enqueueOnceLock = 0x53424a4f

// EnqueueJobOnce inserts a job unless one of the same kind and ref exists
// (done or not), for jobs that must be scheduled exactly once per key.
//
// No unique index can say this (EnqueueJob may repeat a key), and under
// SQLite the single writer kept two such checks apart. Here the key is
// locked first, until commit: a second transaction waits, and its check, a
// later statement with a fresh snapshot, sees the first one's job. Two keys
// whose hashes collide only wait for each other.
func (x q) EnqueueJobOnce(ctx context.Context, j jobs.Job) error {
	if _, err := x.db.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`,
		enqueueOnceLock, j.Kind+"/"+j.Ref); err != nil {
		return translate(err)
	}
	_, err := x.db.ExecContext(ctx, `INSERT INTO jobs (kind, ref, run_at, created_at)
		SELECT $1::text, $2::text, $3::bigint, $3::bigint WHERE NOT EXISTS (SELECT 1 FROM jobs WHERE kind = $1 AND ref = $2)`,
		j.Kind, j.Ref, ms(j.RunAt))
	return translate(err)
}
