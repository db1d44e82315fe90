package postgres_test

import (
	"database/sql"
	"reflect"
	"testing"
)

// TestLegacyJobsMoved: a database from before River keeps its unfinished
// jobs: opening it hands them to River (done ones are not repeated) and
// drops the old table.
func TestLegacyJobsMoved(t *testing.T) {
	url := freshSchema(t)
	open(t, url).Close()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = db.ExecContext(t.Context(), `CREATE TABLE jobs (id BIGSERIAL PRIMARY KEY, kind TEXT NOT NULL, ref TEXT NOT NULL,
		run_at BIGINT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT NOT NULL DEFAULT '',
		locked_until BIGINT NOT NULL DEFAULT 0, done_at BIGINT, created_at BIGINT NOT NULL);
		INSERT INTO jobs (kind, ref, run_at, done_at, created_at) VALUES
			('payment.post', 'O1', 1790000000000, NULL, 1790000000000),
			('payment.post', 'O2', 1790000000000, 1790000001000, 1790000000000),
			('payment.query', 'O3', 1790000060000, NULL, 1790000000000)`)
	if err != nil {
		t.Fatal(err)
	}
	s := openClosed(t, url)
	pending, err := s.PendingJobs(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"payment.post": 1, "payment.query": 1}; !reflect.DeepEqual(pending, want) {
		t.Fatalf("pending after the move = %v, want %v", pending, want)
	}
	var gone bool
	if err := db.QueryRowContext(t.Context(), `SELECT to_regclass('jobs') IS NULL`).Scan(&gone); err != nil || !gone {
		t.Fatalf("old jobs table still there (%v)", err)
	}
}
