package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/store"
)

// querier is what both *sql.DB and *sql.Tx offer; queries written against it
// run either on the pool or inside a transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// q holds every query; DB uses one on its pool, Tx one on the transaction.
// The method names and meanings are store/sqlite's, one for one.
type q struct {
	db   querier
	jobs *jobs.Inserter // enqueues in db's transaction
}

// Tx is a write transaction. It implements the Tx interfaces of the domain
// packages (payment.Tx, …).
type Tx struct{ q }

// ms stores a time as Unix milliseconds, as the SQLite engine does, so the
// two agree to the millisecond; nullMS stores the zero time as NULL where a
// column allows it.
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

// rowsAffected returns how many rows a statement changed, translating its
// error.
func (x q) rowsAffected(res sql.Result, err error) (int64, error) {
	if err != nil {
		return 0, translate(err)
	}
	return res.RowsAffected()
}

// insert runs an INSERT … ON CONFLICT DO NOTHING and reports a skipped row
// as store.ErrConflict. Used for every insert a unique constraint may
// refuse, rather than letting the server raise unique_violation: in
// PostgreSQL an error aborts the whole transaction, while in SQLite (and in
// the domain's reading of ErrConflict) the transaction goes on and may, say,
// read back the row that won. It also keeps expected duplicates (a provider
// notifying twice) out of the server's error log.
func (x q) insert(ctx context.Context, what, query string, args ...any) error {
	n, err := x.rowsAffected(x.db.ExecContext(ctx, query, args...))
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%w: %s already exists", store.ErrConflict, what)
	}
	return nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

// scanAll reads every row of a query with scan, closing the rows.
func scanAll[T any](rows *sql.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, translate(err)
		}
		out = append(out, v)
	}
	return out, translate(rows.Err())
}

// scanString is scanAll's scan for one text column.
func scanString(rows scanner) (string, error) {
	var s string
	err := rows.Scan(&s)
	return s, err
}
