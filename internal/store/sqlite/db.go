// Package sqlite is shebao's embedded storage: SQLite through the pure-Go
// modernc.org/sqlite driver, so `go run` needs no C toolchain and no server.
//
// One writer connection serialises writes (SQLite allows one writer at a
// time; queueing in database/sql is cheaper and fairer than SQLITE_BUSY
// retries), and a pool of read-only connections reads concurrently thanks to
// WAL. Driver errors are translated once, here, into store sentinels.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"runtime"
	"sort"
	"strings"

	"github.com/riverqueue/river/riverdriver"
	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/store"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is an open shebao database.
type DB struct {
	w  *sql.DB // exactly one connection: all writes
	r  *sql.DB // read-only pool
	ws *stmtCache
	rs *stmtCache
	// group batches payment notifications' writes into shared commits
	// (groupcommit.go).
	group groupCommit
	// River: its driver on w, the clock its inserts read, and the
	// inserter the transactions enqueue with (river.go).
	driver riverdriver.Driver[jobs.Tx]
	clock  *jobs.Clock
	jobs   *jobs.Inserter
}

// pragmas, in the order they are applied to every connection:
//   - busy_timeout first, so the others wait instead of failing if another
//     process (a backup, `shebao audit`) holds a lock;
//   - journal_mode=WAL: readers never block the writer nor the writer readers;
//   - synchronous=FULL: a committed payment survives power loss, not only a
//     process crash (NORMAL in WAL mode may lose the last commits on power loss);
//   - foreign_keys=ON: SQLite leaves them off by default;
//   - temp_store=MEMORY: the statement journal that savepoints need (group
//     commit gives every write in a shared transaction its own) is kept in
//     memory instead of being written to a temporary file, which cost a
//     pwrite per page changed and a fifth of a notification's CPU. It only
//     undoes a savepoint inside an open transaction, never a committed one:
//     recovery after a crash does not read it.
var pragmas = []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)", "temp_store(MEMORY)"}

func dsn(path string, readOnly bool) string {
	v := url.Values{}
	for _, p := range pragmas {
		v.Add("_pragma", p)
	}
	if readOnly {
		v.Add("_pragma", "query_only(1)")
	} else {
		// BEGIN IMMEDIATE takes the write lock at the start, so a transaction
		// never fails halfway through on a lock upgrade.
		v.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + v.Encode()
}

// Open opens (creating if needed) the database at path and migrates it.
func Open(ctx context.Context, path string) (*DB, error) {
	w := sql.OpenDB(connector{dsn: dsn(path, false), driver: &sqlite.Driver{}})
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	db := &DB{w: w}
	if err := db.migrate(ctx); err != nil {
		w.Close()
		return nil, err
	}
	if err := db.openJobs(ctx); err != nil {
		w.Close()
		return nil, err
	}
	r := sql.OpenDB(connector{dsn: dsn(path, true), driver: &sqlite.Driver{}})
	n := max(4, runtime.NumCPU()*2)
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	db.r = r
	db.ws, db.rs = newStmtCache(w), newStmtCache(r)
	return db, nil
}

// Close closes both pools.
func (d *DB) Close() error {
	d.ws.close()
	d.rs.close()
	return errors.Join(d.r.Close(), d.w.Close())
}

// Ping checks the database answers, for readiness probes.
func (d *DB) Ping(ctx context.Context) error { return d.r.PingContext(ctx) }

// migrate applies the embedded migrations not yet applied, each in its own
// transaction, recording them in schema_migrations.
func (d *DB) migrate(ctx context.Context) error {
	if _, err := d.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("sqlite: migrations table: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		version := strings.TrimSuffix(strings.TrimPrefix(name, "migrations/"), ".sql")
		var done int
		if err := d.w.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&done); err != nil {
			return fmt.Errorf("sqlite: migration state: %w", err)
		}
		if done > 0 {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		err = d.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, strftime('%s','now') * 1000)`, version)
			return err
		})
		if err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", version, err)
		}
	}
	return nil
}

func (d *DB) inTx(ctx context.Context, fn func(*sql.Tx) error) (err error) {
	tx, err := d.w.BeginTx(ctx, nil)
	if err != nil {
		return translate(fmt.Errorf("sqlite: begin: %w", err))
	}
	defer func() {
		// A panic in fn must not leave the only writer connection inside an
		// open transaction: roll back, then let the panic continue.
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
		return translate(fmt.Errorf("sqlite: commit: %w", err))
	}
	return nil
}

// translate maps driver errors to store sentinels, keeping the original in
// the chain for logs.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %w", store.ErrNotFound, err)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %w", store.ErrConflict, err)
		}
	}
	return err
}

// Backup writes a consistent copy of the database to path while it is in
// use (SQLite's VACUUM INTO reads one snapshot; writers carry on).
func (d *DB) Backup(ctx context.Context, path string) error {
	if _, err := d.w.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("sqlite: backup to %s: %w", path, err)
	}
	return nil
}
