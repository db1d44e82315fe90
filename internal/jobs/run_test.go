package jobs_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/store/sqlite"
)

// TestRunWorksJobs runs River's client itself (Run, not the stepping the
// other tests use) on an SQLite store: a job inserted in a transaction is
// worked, RetryAt puts a job off and it runs again, a failing job is
// retried after its backoff by the app's clock, and nothing is left.
func TestRunWorksJobs(t *testing.T) {
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// The failing job's 10-second backoff passes in a moment on a clock
	// that runs 60 times faster than the wall's.
	start := time.Now()
	now := func() time.Time { return start.Add(60 * time.Since(start)) }
	r := jobs.NewRunner(db, now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	var mu sync.Mutex
	runs := map[string]int{}
	r.Handle("test.once", func(_ context.Context, j jobs.Job) error {
		mu.Lock()
		defer mu.Unlock()
		runs[j.Ref]++
		switch {
		case j.Ref == "later" && runs[j.Ref] == 1:
			return jobs.RetryAt{At: now().Add(3 * time.Second)}
		case j.Ref == "flaky" && runs[j.Ref] == 1:
			return errors.New("core system unavailable")
		}
		return nil
	})
	err = db.InTx(t.Context(), func(tx *sqlite.Tx) error {
		for _, ref := range []string{"now", "later", "flaky"} {
			if err := tx.EnqueueJob(t.Context(), jobs.Job{Kind: "test.once", Ref: ref, RunAt: now()}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	defer func() { cancel(); <-done }()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		pending, err := db.PendingJobs(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if len(pending) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("jobs still pending after 20 s: %v (runs %v)", pending, runs)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if want := map[string]int{"now": 1, "later": 2, "flaky": 2}; !equal(runs, want) {
		t.Fatalf("runs = %v, want %v", runs, want)
	}
}

func equal(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
