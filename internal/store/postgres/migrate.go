package postgres

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the first key of the advisory lock migrations run under
// (the second is the schema's); any constant works as long as nothing else
// in the database uses it. It spells "SBMG".
const migrationLock = 0x53424d47

// migrate applies the embedded migrations not yet applied, in name order,
// recording each in schema_migrations, all in one transaction: PostgreSQL
// DDL is transactional, so a failing migration leaves the schema as it was.
//
// Several app servers starting at once must not race (two CREATE TABLE IF
// NOT EXISTS can both pass the check and one fail on the catalog's unique
// index), so the transaction first takes an advisory lock on the schema it
// migrates. The others wait for it, then, reading in a fresh snapshot (READ
// COMMITTED), find the migrations applied and do nothing. The lock is
// transaction-scoped: a server that dies mid-migration releases it with its
// connection, and the work rolls back.
func (d *DB) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	err = d.inTx(ctx, func(tx *sql.Tx) error {
		// The schema the unqualified table names resolve to: one database may
		// hold several shebao schemas (tests do), each migrated on its own.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, hashtext(coalesce(current_schema(), '')))`, migrationLock); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
			return fmt.Errorf("migrations table: %w", err)
		}
		applied, err := appliedVersions(ctx, tx)
		if err != nil {
			return err
		}
		for _, name := range names {
			version := strings.TrimSuffix(strings.TrimPrefix(name, "migrations/"), ".sql")
			if applied[version] {
				continue
			}
			body, err := migrations.ReadFile(name)
			if err != nil {
				return err
			}
			// No arguments: pgx sends the file with the simple protocol, which
			// runs several statements in one call.
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("%s: %w", version, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at)
				VALUES ($1, (extract(epoch FROM clock_timestamp()) * 1000)::bigint)`, version); err != nil {
				return fmt.Errorf("%s: record: %w", version, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	if err := d.migrateJobs(ctx); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	return nil
}

func appliedVersions(ctx context.Context, tx *sql.Tx) (map[string]bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("migration state: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out[v] = true
	}
	return out, rows.Err()
}
