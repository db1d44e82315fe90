package sqlite_test

import (
	"path/filepath"
	"reflect"
	"testing"
)

// TestLegacyJobsMoved: a database from before River keeps its unfinished
// jobs: opening it hands them to River (done ones are not repeated) and
// drops the old table.
func TestLegacyJobsMoved(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	open(t, path).Close()
	db := raw(t, path)
	_, err := db.Exec(`CREATE TABLE jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, ref TEXT NOT NULL,
		run_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '',
		locked_until INTEGER NOT NULL DEFAULT 0, done_at INTEGER, created_at INTEGER NOT NULL);
		INSERT INTO jobs (kind, ref, run_at, done_at, created_at) VALUES
			('payment.post', 'O1', 1790000000000, NULL, 1790000000000),
			('payment.post', 'O2', 1790000000000, 1790000001000, 1790000000000),
			('payment.query', 'O3', 1790000060000, NULL, 1790000000000)`)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	s := open(t, path)
	defer s.Close()
	pending, err := s.PendingJobs(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"payment.post": 1, "payment.query": 1}; !reflect.DeepEqual(pending, want) {
		t.Fatalf("pending after the move = %v, want %v", pending, want)
	}
	var n int
	if err := raw(t, path).QueryRow(`SELECT count(*) FROM sqlite_master WHERE name = 'jobs'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("old jobs table still there (%d, %v)", n, err)
	}
}
