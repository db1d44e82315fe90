package app_test

import (
	"crypto/rand"
	"database/sql"
	"net/url"
	"os"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// testDB is the database the end-to-end tests run on: SQLite in the test's
// data directory (""), or, when SHEBAO_TEST_POSTGRES holds a PostgreSQL URL,
// a fresh schema there, dropped when the test ends. .ci/run sets it, so the
// same end-to-end suite runs on both engines.
func testDB(t *testing.T) string {
	base := os.Getenv("SHEBAO_TEST_POSTGRES")
	if base == "" {
		return ""
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	name := "sbe2e_" + strings.ToLower(rand.Text()[:12])
	if _, err := admin.ExecContext(t.Context(), `CREATE SCHEMA `+name); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(`DROP SCHEMA ` + name + ` CASCADE`)
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// sqlDB opens the test server's database directly (to tamper with it, as
// an attacker with database access would): SQLite's file or the schema.
// Queries use $1, $2…, which both drivers accept. One small pool per env,
// kept until the test that opened it ends: tests call this inside
// eventually's 20 ms loop, and a pool per call kept an idle PostgreSQL
// connection each, hundreds within seconds on a slow machine.
func (e *env) sqlDB(t *testing.T) *sql.DB {
	t.Helper()
	e.directMu.Lock()
	defer e.directMu.Unlock()
	if e.direct != nil {
		return e.direct
	}
	driver, dsn := "sqlite", "file:"+e.DataDir+"/shebao.db?_pragma=busy_timeout(10000)"
	if e.DB != "" {
		driver, dsn = "pgx", e.DB
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(2)
	e.direct = db
	t.Cleanup(func() {
		e.directMu.Lock()
		defer e.directMu.Unlock()
		db.Close()
		if e.direct == db {
			e.direct = nil
		}
	})
	return db
}
