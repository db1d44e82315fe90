package sqlite

import (
	"context"
	"time"

	"github.com/shebao-project/shebao/internal/jobs"
)

func (x q) EnqueueJob(ctx context.Context, j jobs.Job) error {
	_, err := x.db.ExecContext(ctx, `INSERT INTO jobs (kind, ref, run_at, created_at) VALUES (?,?,?,?)`,
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
// attempt in one statement, so two runners never take the same job.
func (x q) ClaimJobs(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]jobs.Job, error) {
	rows, err := x.db.QueryContext(ctx, `UPDATE jobs SET locked_until = ?, attempts = attempts + 1
		WHERE id IN (SELECT id FROM jobs WHERE done_at IS NULL AND run_at <= ? AND locked_until <= ? ORDER BY run_at LIMIT ?)
		RETURNING id, kind, ref, run_at, attempts, last_error, created_at`, ms(now.Add(lease)), ms(now), ms(now), limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []jobs.Job
	for rows.Next() {
		var j jobs.Job
		var runAt, created int64
		if err := rows.Scan(&j.ID, &j.Kind, &j.Ref, &runAt, &j.Attempts, &j.LastError, &created); err != nil {
			return nil, translate(err)
		}
		j.RunAt, j.CreatedAt = fromMS(runAt), fromMS(created)
		out = append(out, j)
	}
	return out, translate(rows.Err())
}

func (x q) CompleteJob(ctx context.Context, id int64, at time.Time) error {
	_, err := x.db.ExecContext(ctx, `UPDATE jobs SET done_at = ?, locked_until = 0 WHERE id = ?`, ms(at), id)
	return translate(err)
}

func (x q) RetryJob(ctx context.Context, id int64, runAt time.Time, lastError string) error {
	_, err := x.db.ExecContext(ctx, `UPDATE jobs SET run_at = ?, locked_until = 0, last_error = ? WHERE id = ?`, ms(runAt), lastError, id)
	return translate(err)
}

// PendingJobs counts jobs not done, by kind, for health and audit.
func (x q) PendingJobs(ctx context.Context) (map[string]int, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT kind, count(*) FROM jobs WHERE done_at IS NULL GROUP BY kind`)
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

// EnqueueJobOnce inserts a job unless one of the same kind and ref exists
// (done or not), for jobs that must be scheduled exactly once per key.
func (x q) EnqueueJobOnce(ctx context.Context, j jobs.Job) error {
	_, err := x.db.ExecContext(ctx, `INSERT INTO jobs (kind, ref, run_at, created_at)
		SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM jobs WHERE kind = ? AND ref = ?)`,
		j.Kind, j.Ref, ms(j.RunAt), ms(j.RunAt), j.Kind, j.Ref)
	return translate(err)
}
