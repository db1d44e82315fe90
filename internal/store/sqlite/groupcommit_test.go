package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/store"
)

var groupAt = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

func openGroupDB(t *testing.T) *DB {
	t.Helper()
	d, err := Open(t.Context(), filepath.Join(t.TempDir(), "group.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// waitQueued waits until n callers wait for the next batch.
func waitQueued(t *testing.T, d *DB, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		d.group.mu.Lock()
		queued := len(d.group.waiting)
		d.group.mu.Unlock()
		if queued == n {
			return
		}
	}
	t.Fatalf("%d callers never queued", n)
}

// holdLeader starts a caller that leads a batch of its own and holds it
// open until release is closed, so the callers started meanwhile queue up
// and are committed together in the next batch.
func holdLeader(t *testing.T, d *DB) (release chan struct{}, done chan error) {
	release, done, started := make(chan struct{}), make(chan error, 1), make(chan struct{})
	go func() {
		done <- d.inGroupTx(t.Context(), func(tx *Tx) error {
			close(started)
			<-release
			return tx.InsertNotification(t.Context(), "wechatpay", "leader", "TRANSACTION.SUCCESS", "SB0", groupAt)
		})
	}()
	<-started
	return release, done
}

type outcome struct {
	i   int
	err error
}

// start queues caller i behind the ones already waiting.
func start(t *testing.T, d *DB, i int, fn func(*Tx) error, out chan<- outcome) {
	go func() { out <- outcome{i, d.inGroupTx(t.Context(), fn)} }()
	waitQueued(t, d, i+1)
}

// writeWithJob is a group write as a payment notification's: a row and a
// plain job, which the group inserts with the others' before it commits.
func writeWithJob(ctx context.Context, tx *Tx, id string) error {
	if err := tx.InsertNotification(ctx, "wechatpay", id, "TRANSACTION.SUCCESS", "SB"+id, groupAt); err != nil {
		return err
	}
	return tx.EnqueueJob(ctx, jobs.Job{Kind: "test.group", Ref: id, RunAt: groupAt})
}

// jobsFor counts the jobs enqueued for id.
func jobsFor(t *testing.T, d *DB, id string) int {
	t.Helper()
	var n int
	if err := d.r.QueryRowContext(t.Context(), `SELECT count(*) FROM river_job WHERE kind = 'test.group' AND json_extract(args, '$.ref') = ?`, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func seen(t *testing.T, d *DB, id string) bool {
	t.Helper()
	ok, err := d.NotificationSeen(t.Context(), "wechatpay", id)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// TestGroupCommitOwnErrors: in one shared transaction, a write that fails
// is undone alone and its caller gets its own error; a duplicate gets
// store.ErrConflict; everyone else's write is committed and acknowledged.
func TestGroupCommitOwnErrors(t *testing.T) {
	d := openGroupDB(t)
	release, leaderDone := holdLeader(t, d)
	const n = 30
	errRefused := errors.New("refused by the caller's own rule")
	out := make(chan outcome, n)
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("n%02d", i)
		if i%10 == 9 {
			id = fmt.Sprintf("n%02d", i-1) // a copy of the previous one
		}
		start(t, d, i, func(tx *Tx) error {
			if err := writeWithJob(t.Context(), tx, id); err != nil {
				return err
			}
			if i%7 == 3 {
				return errRefused // after writing: the savepoint must undo it
			}
			return nil
		}, out)
	}
	close(release)
	if err := <-leaderDone; err != nil {
		t.Fatal(err)
	}
	for range n {
		o := <-out
		id := fmt.Sprintf("n%02d", o.i)
		switch {
		case o.i%7 == 3:
			if !errors.Is(o.err, errRefused) || seen(t, d, id) || jobsFor(t, d, id) != 0 {
				t.Errorf("caller %d: err %v, committed %v, %d jobs; want its own error and nothing committed", o.i, o.err, seen(t, d, id), jobsFor(t, d, id))
			}
		case o.i%10 == 9:
			if !errors.Is(o.err, store.ErrConflict) {
				t.Errorf("duplicate caller %d: err %v; want a conflict", o.i, o.err)
			}
		default:
			if o.err != nil || !seen(t, d, id) || jobsFor(t, d, id) != 1 {
				t.Errorf("caller %d: err %v, committed %v, %d jobs; want committed with one job", o.i, o.err, seen(t, d, id), jobsFor(t, d, id))
			}
		}
	}
}

// TestGroupCommitBrokenTransaction: a write that ends the shared
// transaction itself makes the batch fall back to one transaction per
// caller; the others are committed, the culprit gets an error.
func TestGroupCommitBrokenTransaction(t *testing.T) {
	d := openGroupDB(t)
	release, leaderDone := holdLeader(t, d)
	const n, culprit = 6, 2
	out := make(chan outcome, n)
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("b%d", i)
		start(t, d, i, func(tx *Tx) error {
			if err := writeWithJob(t.Context(), tx, id); err != nil {
				return err
			}
			if i == culprit {
				// As SQLite does on a full disk or an I/O error.
				_, err := tx.q.db.ExecContext(t.Context(), `ROLLBACK`)
				return err
			}
			return nil
		}, out)
	}
	close(release)
	if err := <-leaderDone; err != nil {
		t.Fatal(err)
	}
	for range n {
		o := <-out
		id := fmt.Sprintf("b%d", o.i)
		if o.i == culprit {
			if o.err == nil || seen(t, d, id) || jobsFor(t, d, id) != 0 {
				t.Errorf("culprit: err %v, committed %v, %d jobs; want an error and nothing committed", o.err, seen(t, d, id), jobsFor(t, d, id))
			}
		} else if o.err != nil || !seen(t, d, id) || jobsFor(t, d, id) != 1 {
			t.Errorf("caller %d: err %v, committed %v, %d jobs; want committed with one job", o.i, o.err, seen(t, d, id), jobsFor(t, d, id))
		}
	}
}

// TestGroupCommitPanic: a write that panics takes its batch down (the
// panic continues on the goroutine that led it), the others of the batch
// are told nothing was committed, and the next caller is not stuck.
func TestGroupCommitPanic(t *testing.T) {
	d := openGroupDB(t)
	release, leaderDone := holdLeader(t, d)
	panicked := make(chan any, 1)
	out := make(chan outcome, 2)
	go func() {
		defer func() { panicked <- recover() }()
		_ = d.inGroupTx(t.Context(), func(tx *Tx) error {
			return tx.InsertNotification(t.Context(), "wechatpay", "p0", "TRANSACTION.SUCCESS", "SBp0", groupAt)
		})
	}()
	waitQueued(t, d, 1)
	start(t, d, 1, func(tx *Tx) error { panic("bug in a write") }, out)
	close(release)
	if err := <-leaderDone; err != nil {
		t.Fatal(err)
	}
	if p := <-panicked; p != "bug in a write" {
		t.Fatalf("the batch's leader recovered %v; want the write's panic", p)
	}
	if seen(t, d, "p0") {
		t.Error("p0 was committed in a batch that panicked")
	}
	if o := <-out; o.err == nil {
		t.Error("the panicking write's caller was answered without an error")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	err := d.inGroupTx(ctx, func(tx *Tx) error {
		return tx.InsertNotification(ctx, "wechatpay", "after", "TRANSACTION.SUCCESS", "SBafter", groupAt)
	})
	if err != nil || !seen(t, d, "after") {
		t.Fatalf("after the panic: err %v; want the next write committed", err)
	}
}
