// Package postgres is shebao's storage for scale: PostgreSQL through pgx v5,
// for several app servers sharing one database. It implements the same
// methods, with the same documented behaviour, as store/sqlite, and passes
// the same suite (store/storetest); only the SQL dialect and the way
// concurrent writers are kept apart differ.
//
// pgx is used through database/sql (pgx/v5/stdlib) rather than pgxpool: the
// queries are then written against the same small querier interface as the
// SQLite engine's, line for line, which keeps the two dialects easy to
// compare, and pgx still prepares and caches every statement per connection
// (its default exec mode), which is all the SQLite engine's statement cache
// does by hand.
//
// Isolation is READ COMMITTED with explicit locks. SQLite's single writer
// makes every write transaction serial; here each place where that mattered
// takes a lock instead, named in its doc comment:
//   - UPDATE … WHERE re-checks its condition on the newest row after waiting
//     for another writer (order versions, SMS and PIN attempts, TOTP steps);
//   - LockBills locks its bills in id order before counting them;
//   - jobs are River's: its fetch skips, with FOR UPDATE SKIP LOCKED, jobs
//     another server is claiming, and its unique index keeps a "once" job
//     once (river.go);
//   - NextSequence and ReserveEvidence hold their counter's row until commit;
//   - rows read to be rewritten without a version (a grant in a consent
//     attempt, a ticket being answered) are read FOR NO KEY UPDATE;
//   - read-then-insert checks with no row to lock (the risk rules'
//     PayerActivity, the two audit hash chains) take a
//     transaction-scoped advisory lock on their key.
//
// REPEATABLE READ or SERIALIZABLE would turn each of those ordinary races
// into a serialization failure that reruns the whole transaction; READ
// COMMITTED lets them wait a moment and then answer as SQLite does.
//
// Inserts that a unique constraint may refuse use ON CONFLICT DO NOTHING
// and report store.ErrConflict themselves (q.insert): a raised
// unique_violation would abort the whole PostgreSQL transaction, where in
// SQLite the transaction goes on.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river/riverdriver"

	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/store"
)

// DB is an open shebao database on a PostgreSQL server.
type DB struct {
	db  *sql.DB
	url string // as given, for pg_dump (Backup)
	// River: its driver on db, the clock its inserts read, and the
	// inserter the transactions enqueue with (river.go).
	driver riverdriver.Driver[jobs.Tx]
	clock  *jobs.Clock
	jobs   *jobs.Inserter
}

// Open connects to the database at url (a postgres:// URL or key=value
// connection string, as pgx parses it) and migrates it. Besides pgx's own
// parameters it accepts pool_max_conns, as pgxpool does, to size the pool;
// search_path and other server settings pass through as runtime parameters.
func Open(ctx context.Context, url string) (*DB, error) {
	d, err := connect(url, nil)
	if err != nil {
		return nil, err
	}
	if err := d.migrate(ctx); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// OpenReadOnly opens an existing, migrated database for reading only,
// without migrating it, for offline tools (`shebao verify`, `shebao log
// verify`) that must not change what they check. Every transaction is read
// only (default_transaction_read_only), so every write fails.
func OpenReadOnly(ctx context.Context, url string) (*DB, error) {
	d, err := connect(url, map[string]string{"default_transaction_read_only": "on"})
	if err != nil {
		return nil, err
	}
	var migrated bool
	if err := d.db.QueryRowContext(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&migrated); err != nil {
		d.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if !migrated {
		d.Close()
		return nil, errors.New("postgres: not a shebao database: no schema_migrations in the search path")
	}
	return d, nil
}

// connect parses url, adds the server settings in params, and opens a pool.
func connect(url string, params map[string]string) (*DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	// Every app server has its own pool, and PostgreSQL's connection limit
	// (100 by default) is shared by all of them: stay well under it.
	conns := max(4, 2*runtime.NumCPU())
	if v, ok := cfg.RuntimeParams["pool_max_conns"]; ok {
		// Not a server setting: sent on, the server would refuse to connect.
		delete(cfg.RuntimeParams, "pool_max_conns")
		if conns, err = strconv.Atoi(v); err != nil || conns < 1 {
			return nil, fmt.Errorf("postgres: pool_max_conns=%q: want a positive integer", v)
		}
	}
	for k, v := range params {
		cfg.RuntimeParams[k] = v
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	d := &DB{db: db, url: url}
	if err := d.initJobs(); err != nil {
		db.Close()
		return nil, err
	}
	return d, nil
}

// Close closes the pool.
func (d *DB) Close() error { return d.db.Close() }

// Ping checks the database answers, for readiness probes.
func (d *DB) Ping(ctx context.Context) error { return d.db.PingContext(ctx) }

// maxTxAttempts bounds how often InTx runs a transaction that PostgreSQL
// aborted to break a deadlock or a serialization conflict.
const maxTxAttempts = 4

// inTx runs fn in a READ COMMITTED transaction (see the package comment),
// running it again, after a short randomised wait, when the server aborted
// it for a deadlock or serialization failure: then nothing of it was
// committed, and fn starts over on a fresh transaction. fn must therefore
// not have effects outside the transaction, which the domain code's rule
// (state changes and their jobs in one transaction) already gives.
func (d *DB) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := d.tryTx(ctx, fn)
		if err == nil || !retryable(err) || attempt == maxTxAttempts {
			return err
		}
		// Exponential backoff with jitter, so the two transactions that
		// deadlocked do not meet again at the same instant.
		wait := time.Duration(5<<attempt)*time.Millisecond + rand.N(5*time.Millisecond)
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(wait):
		}
	}
}

func (d *DB) tryTx(ctx context.Context, fn func(*sql.Tx) error) error {
	// Explicit, so a server or role default of another level does not
	// silently change the semantics described in the package comment.
	tx, err := d.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return translate(fmt.Errorf("postgres: begin: %w", err))
	}
	defer func() {
		// A panic in fn must not return a connection inside an open
		// transaction to the pool: roll back, then let the panic continue.
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return translate(err)
	}
	if err := tx.Commit(); err != nil {
		return translate(fmt.Errorf("postgres: commit: %w", err))
	}
	return nil
}

// SQLSTATE codes acted on (PostgreSQL manual, appendix A).
const (
	uniqueViolation      = "23505"
	serializationFailure = "40001"
	deadlockDetected     = "40P01"
)

// translate maps driver errors to store sentinels, keeping the original in
// the chain for logs. Errors already translated pass through unchanged.
func translate(err error) error {
	if err == nil || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) || errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%w: %w", store.ErrNotFound, err)
	}
	if pgCode(err) == uniqueViolation {
		return fmt.Errorf("%w: %w", store.ErrConflict, err)
	}
	return err
}

// retryable reports whether the server aborted the transaction so that
// running it again may succeed.
func retryable(err error) bool {
	c := pgCode(err)
	return c == serializationFailure || c == deadlockDetected
}

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}
