package storetest

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/payment"
)

// The jobs live in River's tables; these tests drive them through the job
// runner's stepping (Claim, Record), which uses River's driver operations,
// and check that each engine keeps River's guarantees in shebao's terms.

const lease = time.Minute

func job(kind, ref string, runAt time.Time) jobs.Job {
	return jobs.Job{Kind: kind, Ref: ref, RunAt: runAt}
}

// enqueue writes jobs the way domain code does: inside a transaction.
func enqueue(t *testing.T, e Engine, js ...jobs.Job) {
	t.Helper()
	inTx(t, e, func(tx payment.Tx) error {
		for _, j := range js {
			if err := tx.EnqueueJob(t.Context(), j); err != nil {
				return err
			}
		}
		return nil
	})
}

// stepper claims and records jobs at a time the test sets.
type stepper struct {
	r   *jobs.Runner
	now time.Time
}

func newStepper(e Engine) *stepper {
	s := &stepper{now: t0}
	s.r = jobs.NewRunner(e, func() time.Time { return s.now }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	s.r.SetLease(lease)
	return s
}

// claim claims at now and returns the jobs keyed by ref.
func (s *stepper) claim(t *testing.T, now time.Time, limit int) map[string]jobs.Job {
	t.Helper()
	s.now = now
	js, err := s.r.Claim(t.Context(), limit)
	must(t, err)
	out := map[string]jobs.Job{}
	for _, j := range js {
		if _, dup := out[j.Ref]; dup {
			t.Fatalf("Claim returned %s twice", j.Ref)
		}
		out[j.Ref] = j
	}
	return out
}

func (s *stepper) record(t *testing.T, now time.Time, j jobs.Job, outcome error) {
	t.Helper()
	s.now = now
	must(t, s.r.Record(t.Context(), j, outcome))
}

func refs(m map[string]jobs.Job) []string {
	out := []string{}
	for r := range m {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}

func testJobs(t *testing.T, open Opener) {
	t.Run("ClaimDueOnly", func(t *testing.T) {
		e := open(t)
		s := newStepper(e)
		enqueue(t, e, job("expire", "due", t0), job("post", "late", t0.Add(-time.Minute)), job("query", "future", t0.Add(time.Hour)))
		got := s.claim(t, t0, 10)
		same(t, "claimed", refs(got), []string{"due", "late"}, nil)
		for _, want := range []jobs.Job{job("expire", "due", t0), job("post", "late", t0.Add(-time.Minute))} {
			j := got[want.Ref]
			if j.ID == 0 || j.Kind != want.Kind || !j.RunAt.Equal(want.RunAt) || j.Attempts != 1 || j.LastError != "" {
				t.Fatalf("claimed %+v, want kind %s, run at %v, 1 attempt, an id", j, want.Kind, want.RunAt)
			}
		}
		if got["due"].ID == got["late"].ID {
			t.Fatalf("two jobs share id %d", got["due"].ID)
		}
		for _, j := range got {
			s.record(t, t0, j, nil)
		}
		same(t, "claimed an hour later", refs(s.claim(t, t0.Add(time.Hour), 10)), []string{"future"}, nil)
	})
	t.Run("Lease", func(t *testing.T) {
		e := open(t)
		s := newStepper(e)
		enqueue(t, e, job("post", "a", t0))
		steps := []struct {
			now      time.Time
			want     []string
			attempts int
		}{
			{t0, []string{"a"}, 1},
			{t0.Add(time.Second), []string{}, 0},
			{t0.Add(lease - time.Millisecond), []string{}, 0},
			{t0.Add(lease + time.Millisecond), []string{"a"}, 2}, // its worker is taken for dead: run again
		}
		for i, st := range steps {
			got := s.claim(t, st.now, 10)
			same(t, fmt.Sprintf("step %d: claimed", i), refs(got), st.want, nil)
			if len(got) > 0 && got["a"].Attempts != st.attempts {
				t.Fatalf("step %d: Attempts = %d, want %d", i, got["a"].Attempts, st.attempts)
			}
		}
	})
	t.Run("Limit", func(t *testing.T) {
		e := open(t)
		s := newStepper(e)
		for i := range 5 {
			enqueue(t, e, job("post", fmt.Sprint(i), t0.Add(-time.Duration(i)*time.Second)))
		}
		for i, want := range []int{2, 2, 1, 0} {
			if got := s.claim(t, t0, 2); len(got) != want {
				t.Fatalf("claim %d: %d jobs, want %d", i, len(got), want)
			}
		}
	})
	t.Run("CompleteAndPending", func(t *testing.T) {
		e := open(t)
		s := newStepper(e)
		pending := func() map[string]int {
			t.Helper()
			m, err := e.PendingJobs(t.Context())
			must(t, err)
			return m
		}
		if m := pending(); len(m) != 0 {
			t.Fatalf("PendingJobs on an empty store = %v", m)
		}
		enqueue(t, e, job("post", "a", t0), job("post", "b", t0), job("expire", "c", t0), job("query", "d", t0.Add(time.Hour)))
		same(t, "PendingJobs", pending(), map[string]int{"post": 2, "expire": 1, "query": 1}, nil)
		got := s.claim(t, t0, 10)
		// Claimed is still pending: only completion ends a job.
		same(t, "PendingJobs after claim", pending(), map[string]int{"post": 2, "expire": 1, "query": 1}, nil)
		s.record(t, t0.Add(time.Second), got["a"], nil)
		s.record(t, t0.Add(time.Second), got["c"], nil)
		same(t, "PendingJobs after completing a and c", pending(), map[string]int{"post": 1, "query": 1}, nil)
		// b, claimed and never recorded, comes back once its lease is over.
		later := s.claim(t, t0.Add(2*time.Hour), 10)
		same(t, "claimed after completion", refs(later), []string{"b", "d"}, nil)
	})
	t.Run("Retry", func(t *testing.T) {
		e := open(t)
		s := newStepper(e)
		enqueue(t, e, job("post", "a", t0))
		first := s.claim(t, t0, 10)["a"]
		s.record(t, t0, first, errors.New("core system unavailable"))
		runAt := t0.Add(jobs.Backoff(1))
		if got := s.claim(t, runAt.Add(-time.Millisecond), 10); len(got) != 0 {
			t.Fatalf("claimed %v before the retry time", refs(got))
		}
		again := s.claim(t, runAt, 10)["a"]
		if again.ID != first.ID || again.Attempts != 2 || again.LastError != "core system unavailable" || !again.RunAt.Equal(runAt) {
			t.Fatalf("retried job = %+v, want id %d, 2 attempts, last error kept, run at %v", again, first.ID, runAt)
		}
		// A second failure waits longer and replaces the last error.
		s.record(t, runAt, again, errors.New("timeout"))
		third := s.claim(t, runAt.Add(jobs.Backoff(2)), 10)["a"]
		if third.Attempts != 3 || third.LastError != "timeout" {
			t.Fatalf("retried twice = %+v, want 3 attempts, last error %q", third, "timeout")
		}
		// RetryAt puts the job off to a set time without counting an attempt.
		at := t0.Add(time.Hour)
		s.record(t, runAt.Add(jobs.Backoff(2)), third, jobs.RetryAt{At: at})
		if got := s.claim(t, at.Add(-time.Millisecond), 10); len(got) != 0 {
			t.Fatalf("claimed %v before RetryAt", refs(got))
		}
		if fourth := s.claim(t, at, 10)["a"]; fourth.Attempts != 3 || !fourth.RunAt.Equal(at) {
			t.Fatalf("after RetryAt = %+v, want 3 attempts, run at %v", fourth, at)
		}
	})
	t.Run("ConcurrentClaimsNeverShare", func(t *testing.T) {
		e := open(t)
		s := newStepper(e)
		const total, runners = 60, 8
		var js []jobs.Job
		for i := range total {
			js = append(js, job("post", fmt.Sprintf("r%02d", i), t0))
		}
		enqueue(t, e, js...)
		var mu sync.Mutex
		seen := map[int64]int{}
		var wg sync.WaitGroup
		for range runners {
			wg.Go(func() {
				// Bounded: a store that hands jobs out again must fail the
				// test, not spin until the test binary times out.
				for range total {
					got, err := s.r.Claim(t.Context(), 4)
					if err != nil {
						t.Errorf("Claim: %v", err)
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, j := range got {
						seen[j.ID]++
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		for id, n := range seen {
			if n > 1 {
				t.Errorf("job %d handed out %d times", id, n)
			}
		}
		if len(seen) != total {
			t.Fatalf("%d distinct jobs claimed, want %d", len(seen), total)
		}
	})
}
