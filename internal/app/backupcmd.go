package app

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/shebao-project/shebao/internal/store/postgres"
	"github.com/shebao-project/shebao/internal/store/sqlite"
)

// runBackup implements `shebao backup --data DIR --to OUT`: a consistent
// online copy of the database and the keys without which it cannot be read
// (the personal-data key, the agency's SM2 key, the evidence log's key).
// Restoring is starting `shebao serve --data OUT`. On PostgreSQL it runs
// pg_dump (custom format) for the database; restore it with pg_restore.
func runBackup(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", envOrDefault("SHEBAO_DATA", "data"), "data directory (SHEBAO_DATA)")
	db := fs.String("db", os.Getenv("SHEBAO_DB"), "database URL; empty for SQLite in the data directory (SHEBAO_DB)")
	to := fs.String("to", "", "directory to write the backup to (must not exist)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *to == "" {
		fmt.Fprintln(stderr, "shebao backup: give --to DIR, a directory that does not exist yet")
		return 2
	}
	if _, err := os.Stat(*to); err == nil {
		fmt.Fprintf(stderr, "shebao backup: %s exists; choose a new directory\n", *to)
		return 2
	}
	if err := os.MkdirAll(filepath.Join(*to, "keys"), 0o700); err != nil {
		fmt.Fprintln(stderr, "shebao backup:", err)
		return 1
	}
	if err := backupDatabase(*data, *db, *to); err != nil {
		fmt.Fprintln(stderr, "shebao backup:", err)
		return 1
	}
	n, err := copyKeys(filepath.Join(*data, "keys"), filepath.Join(*to, "keys"))
	if err != nil {
		fmt.Fprintln(stderr, "shebao backup:", err)
		return 1
	}
	fmt.Fprintf(stdout, "backup written to %s (database and %d key files); restore with: shebao serve --data %s\n", *to, n, *to)
	return 0
}

func backupDatabase(data, db, to string) error {
	if isPostgres(db) {
		// Read only: a backup must not migrate or change what it copies.
		src, err := postgres.OpenReadOnly(context.Background(), db)
		if err != nil {
			return err
		}
		defer src.Close()
		return src.Backup(context.Background(), filepath.Join(to, "shebao.pgdump"))
	}
	path := filepath.Join(data, "shebao.db")
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("no database at %s: %w", path, err)
	}
	// Opened like the server opens it: VACUUM INTO needs a connection that
	// may write (the copy), and reads one consistent snapshot of the source.
	src, err := sqlite.Open(context.Background(), path)
	if err != nil {
		return err
	}
	defer src.Close()
	return src.Backup(context.Background(), filepath.Join(to, "shebao.db"))
}

func copyKeys(from, to string) (int, error) {
	entries, err := os.ReadDir(from)
	if err != nil {
		return 0, fmt.Errorf("keys: %w", err)
	}
	n := 0
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			return n, err
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o600); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
