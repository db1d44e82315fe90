package postgres_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, for the admin connection

	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/store"
	"github.com/shebao-project/shebao/internal/store/postgres"
	"github.com/shebao-project/shebao/internal/store/storetest"
)

var _ storetest.Engine = (*postgres.DB)(nil)

// envURL names the variable that turns these tests on.
const envURL = "SHEBAO_TEST_POSTGRES"

// serverURL returns the test server's URL, or skips the test.
func serverURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv(envURL)
	if u == "" {
		t.Skip("PostgreSQL tests are off; to run them, set " + envURL + " to a connection URL, e.g. " +
			envURL + "=postgres://postgres@127.0.0.1:5432/test?sslmode=disable go test ./internal/store/...")
	}
	return u
}

// freshSchema creates an empty schema of its own for the test, drops it
// when the test ends, and returns a URL whose connections use it: tests
// share one server but never each other's rows, and can run in parallel.
func freshSchema(t *testing.T) string {
	t.Helper()
	base := serverURL(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	name := "sbtest_" + strings.ToLower(rand.Text())
	if _, err := admin.ExecContext(t.Context(), `CREATE SCHEMA `+name); err != nil {
		admin.Close()
		t.Fatalf("create schema (is %s right?): %v", envURL, err)
	}
	t.Cleanup(func() {
		// Registered before any Open's Close, so it runs after them. The
		// test's context is already cancelled by now.
		if _, err := admin.ExecContext(context.Background(), `DROP SCHEMA `+name+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", name, err)
		}
		admin.Close()
	})
	return withParam(t, base, "search_path", name)
}

// withParam adds a connection parameter to a URL or key=value string.
func withParam(t *testing.T, base, key, value string) string {
	t.Helper()
	if !strings.Contains(base, "://") {
		return base + " " + key + "=" + value
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", envURL, err)
	}
	v := u.Query()
	v.Set(key, value)
	u.RawQuery = v.Encode()
	return u.String()
}

func open(t *testing.T, url string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(t.Context(), url)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return db
}

// openClosed opens a handle that is closed when the test ends.
func openClosed(t *testing.T, url string) *postgres.DB {
	t.Helper()
	db := open(t, url)
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return db
}

// TestStore runs the shared store suite on a fresh schema per test.
func TestStore(t *testing.T) {
	serverURL(t)
	storetest.Run(t, func(t *testing.T) storetest.Engine { return open(t, freshSchema(t)) })
}

var t0 = time.Date(2026, 11, 3, 9, 30, 0, 0, time.UTC)

func person(id string) identity.PersonRecord {
	return identity.PersonRecord{ID: id, Region: "440300", Type: identity.Flexible,
		NameSealed: []byte{1}, IDSealed: []byte{2}, PhoneSealed: []byte{3},
		IDIndex: []byte("id-" + id), PhoneIndex: []byte("ph-" + id),
		NameMasked: "张*", IDMasked: "4403**", PhoneMasked: "138****0001", CreatedAt: t0}
}

// TestMigrationsConcurrentAndIdempotent starts four app servers on one
// empty schema at once, then a fifth on the migrated one: all come up, and
// every migration is applied exactly once.
func TestMigrationsConcurrentAndIdempotent(t *testing.T) {
	url := freshSchema(t)
	const servers = 4
	dbs := make([]*postgres.DB, servers)
	errs := make([]error, servers)
	var wg sync.WaitGroup
	for i := range servers {
		wg.Go(func() { dbs[i], errs[i] = postgres.Open(t.Context(), url) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("server %d: Open: %v", i, err)
		}
		t.Cleanup(func() { dbs[i].Close() })
	}
	if err := dbs[0].CreatePerson(t.Context(), person("P1")); err != nil {
		t.Fatal(err)
	}
	if _, err := dbs[servers-1].PersonByID(t.Context(), "P1"); err != nil {
		t.Fatalf("another server does not see the first one's rows: %v", err)
	}
	again := openClosed(t, url)
	if n, err := again.CountPersons(t.Context()); err != nil || n != 1 {
		t.Fatalf("CountPersons after reopening = %d, %v; want 1", n, err)
	}
	files, err := filepath.Glob("migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migration files: %v, %v", files, err)
	}
	raw, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var applied, distinct int
	if err := raw.QueryRowContext(t.Context(), `SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&applied, &distinct); err != nil {
		t.Fatal(err)
	}
	if applied != len(files) || distinct != len(files) {
		t.Fatalf("schema_migrations has %d rows (%d versions) after five opens, want %d (one per file)", applied, distinct, len(files))
	}
}

func TestOpenPoolSize(t *testing.T) {
	url := freshSchema(t)
	db := openClosed(t, withParam(t, url, "pool_max_conns", "3"))
	if err := db.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.Open(t.Context(), withParam(t, url, "pool_max_conns", "none")); err == nil {
		t.Fatal("Open with pool_max_conns=none succeeded")
	}
}

// TestConflictKeepsTxUsable: a write refused with store.ErrConflict leaves
// the transaction going, as in SQLite, so the caller can read back the row
// that won and commit. (In PostgreSQL a failed statement would abort the
// whole transaction; the engine avoids raising one for unique conflicts.)
func TestConflictKeepsTxUsable(t *testing.T) {
	db := openClosed(t, freshSchema(t))
	ctx := t.Context()
	err := db.Payments().InTx(ctx, func(tx payment.Tx) error {
		if err := tx.InsertNotification(ctx, "wechatpay", "N1", "TRANSACTION.SUCCESS", "OTN-1", t0); err != nil {
			return err
		}
		if err := tx.InsertNotification(ctx, "wechatpay", "N1", "TRANSACTION.SUCCESS", "OTN-1", t0); !errors.Is(err, store.ErrConflict) {
			t.Errorf("second InsertNotification = %v, want ErrConflict", err)
		}
		return tx.InsertNotification(ctx, "wechatpay", "N2", "TRANSACTION.SUCCESS", "OTN-1", t0)
	})
	if err != nil {
		t.Fatalf("transaction after a conflict: %v", err)
	}
	for _, id := range []string{"N1", "N2"} {
		if seen, err := db.Payments().NotificationSeen(ctx, "wechatpay", id); err != nil || !seen {
			t.Fatalf("NotificationSeen(%s) = %v, %v; want true", id, seen, err)
		}
	}
}
