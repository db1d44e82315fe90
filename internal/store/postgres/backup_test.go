package postgres_test

import (
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shebao-project/shebao/internal/store/postgres"
)

// TestBackupRestorable dumps a migrated test schema and asks pg_restore
// what the dump holds: the tables must be there, in that schema only.
func TestBackupRestorable(t *testing.T) {
	dsn := freshSchema(t)
	if _, err := exec.LookPath("pg_restore"); err != nil {
		t.Skip("pg_dump/pg_restore not installed (Debian: postgresql-client)")
	}
	db, err := postgres.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := filepath.Join(t.TempDir(), "shebao.pgdump")
	if err := db.Backup(t.Context(), out); err != nil {
		t.Fatal(err)
	}
	list, err := exec.Command("pg_restore", "--list", out).CombinedOutput()
	if err != nil {
		t.Fatalf("pg_restore --list: %v: %s", err, list)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	schema := u.Query().Get("search_path")
	for _, table := range []string{"schema_migrations", "orders", "ledger_entries"} {
		if !strings.Contains(string(list), "TABLE "+schema+" "+table+" ") {
			t.Errorf("dump has no table %s.%s:\n%s", schema, table, list)
		}
	}
}
