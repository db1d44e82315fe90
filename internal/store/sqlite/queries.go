package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/shebao-project/shebao/internal/jobs"
)

// querier is what both *sql.DB and *sql.Tx offer; queries written against it
// run either on a pool or inside a transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// q holds every query; DB uses one on its read pool and one on its writer,
// Tx one on the transaction.
type q struct {
	db   querier
	jobs *jobs.Inserter // enqueues in db's transaction
	// held, in a group commit, collects the plain jobs of its writes, so
	// that the group inserts them with one statement before it commits
	// rather than one River insert per write; nil elsewhere.
	held *heldJobs
}

// Tx is a write transaction. It implements the Tx interfaces of the domain
// packages (payment.Tx, …).
type Tx struct{ q }

// ms stores a time as Unix milliseconds; the zero time is stored as NULL by
// nullMS where a column allows it.
func ms(t time.Time) int64 { return t.UnixMilli() }

func nullMS(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func fromNullMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMS(v.Int64)
}

// execOne runs a statement that must change exactly one row; zero rows is
// reported as errZeroRows for the caller to translate.
func (x q) rowsAffected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, translate(err)
	}
	return res.RowsAffected()
}
