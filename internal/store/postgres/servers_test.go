package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/store"
	"github.com/shebao-project/shebao/internal/store/postgres"
)

// Tests of what PostgreSQL is here for: several app servers, each with its
// own pool, on one database. Two handles on one schema stand for two servers.

func twoServers(t *testing.T) (a, b *postgres.DB) {
	t.Helper()
	url := freshSchema(t)
	return openClosed(t, url), openClosed(t, url)
}

// TestTwoServersClaimJobsNeverShare: River's claims from two servers' job
// runners, eight goroutines in all, never hand one job out twice.
func TestTwoServersClaimJobsNeverShare(t *testing.T) {
	a, b := twoServers(t)
	const total, runners, batch = 200, 8, 5
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	clock := func() time.Time { return t0 }
	servers := []*jobs.Runner{jobs.NewRunner(a, clock, log), jobs.NewRunner(b, clock, log)}
	err := a.Payments().InTx(t.Context(), func(tx payment.Tx) error {
		for i := range total {
			if err := tx.EnqueueJob(t.Context(), jobs.Job{Kind: "post", Ref: fmt.Sprintf("r%03d", i), RunAt: t0}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	claimed := map[int64]int{}
	var wg sync.WaitGroup
	for i := range runners {
		server := servers[i%2]
		wg.Go(func() {
			// Bounded, so a store that hands jobs out again fails instead of
			// spinning until the test binary times out.
			for range total {
				got, err := server.Claim(t.Context(), batch)
				if err != nil {
					t.Errorf("Claim: %v", err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, j := range got {
					claimed[j.ID]++
					if j.Attempts != 1 {
						t.Errorf("job %d claimed with Attempts = %d, want 1", j.ID, j.Attempts)
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for id, n := range claimed {
		if n != 1 {
			t.Errorf("job %d claimed %d times", id, n)
		}
	}
	if len(claimed) != total {
		t.Fatalf("%d distinct jobs claimed, want %d", len(claimed), total)
	}
}

// TestTwoServersLockBillsOneWins races two orders, one per server, for
// overlapping bills, round after round: {x1, x2, x3} against {x2, x3, x4},
// passed in different orders. Exactly one order wins each round and holds
// all of its bills; the other holds none, not even the bill nobody else
// wanted.
func TestTwoServersLockBillsOneWins(t *testing.T) {
	a, b := twoServers(t)
	ctx := t.Context()
	if err := a.CreatePerson(ctx, person("P1")); err != nil {
		t.Fatal(err)
	}
	const rounds = 40
	for r := range rounds {
		x := func(i int) string { return fmt.Sprintf("B%02d-%d", r, i) }
		for i := 1; i <= 4; i++ {
			bl := billing.Bill{ID: x(i), PersonID: "P1", Insurance: fmt.Sprint(100 + i), Period: fmt.Sprintf("r%02d", r),
				Kind: billing.Current, BaseFen: 1, Rate: "0.16", AmountFen: 1, Policy: "p", Status: billing.Due, CreatedAt: t0}
			if err := a.InsertBill(ctx, bl); err != nil {
				t.Fatal(err)
			}
		}
		contenders := []struct {
			server *postgres.DB
			order  string
			bills  []string
		}{
			{a, fmt.Sprintf("OA%02d", r), []string{x(3), x(1), x(2)}},
			{b, fmt.Sprintf("OB%02d", r), []string{x(4), x(2), x(3)}},
		}
		errs := make([]error, len(contenders))
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, c := range contenders {
			wg.Go(func() {
				<-start
				errs[i] = c.server.Payments().InTx(ctx, func(tx payment.Tx) error { return tx.LockBills(ctx, c.order, c.bills) })
			})
		}
		close(start)
		wg.Wait()
		winners := 0
		for i, err := range errs {
			switch {
			case err == nil:
				winners++
			case !errors.Is(err, store.ErrConflict):
				t.Fatalf("round %d: LockBills(%s) = %v, want nil or ErrConflict", r, contenders[i].order, err)
			}
		}
		if winners != 1 {
			t.Fatalf("round %d: %d orders won the lock, want exactly 1 (errors %v)", r, winners, errs)
		}
		bs, err := b.Payments().BillsByIDs(ctx, []string{x(1), x(2), x(3), x(4)})
		if err != nil {
			t.Fatal(err)
		}
		held := map[string]string{}
		for _, bl := range bs {
			held[bl.ID] = bl.OrderID
		}
		for i, c := range contenders {
			for _, id := range c.bills {
				if mine := held[id] == c.order; mine != (errs[i] == nil) {
					t.Fatalf("round %d: bills %v after %s's LockBills returned %v", r, held, c.order, errs[i])
				}
			}
		}
	}
}

// TestDeadlockRetried makes two servers lock two bills in opposite orders
// within their transactions. PostgreSQL aborts one of them to break the
// deadlock; InTx runs it again, and on the second run it finds the bills
// taken: ErrConflict, not a deadlock error reaching the caller.
func TestDeadlockRetried(t *testing.T) {
	a, b := twoServers(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := a.CreatePerson(ctx, person("P1")); err != nil {
		t.Fatal(err)
	}
	for i, id := range []string{"B1", "B2"} {
		bl := billing.Bill{ID: id, PersonID: "P1", Insurance: "110", Period: fmt.Sprint("2026-1", i), Kind: billing.Current,
			BaseFen: 1, Rate: "0.16", AmountFen: 1, Policy: "p", Status: billing.Due, CreatedAt: t0}
		if err := a.InsertBill(ctx, bl); err != nil {
			t.Fatal(err)
		}
	}
	var runs atomic.Int32
	aHolds, bHolds := make(chan struct{}), make(chan struct{})
	lockBoth := func(db *postgres.DB, order, first, second string, mine, theirs chan struct{}) error {
		var run int
		return db.InTx(ctx, func(tx *postgres.Tx) error {
			runs.Add(1)
			run++
			if err := tx.LockBills(ctx, order, []string{first}); err != nil {
				return err
			}
			if run == 1 {
				close(mine) // both hold their first bill before either asks for its second
				<-theirs
			}
			return tx.LockBills(ctx, order, []string{second})
		})
	}
	errs := make([]error, 2)
	var wg sync.WaitGroup
	wg.Go(func() { errs[0] = lockBoth(a, "O1", "B1", "B2", aHolds, bHolds) })
	wg.Go(func() { errs[1] = lockBoth(b, "O2", "B2", "B1", bHolds, aHolds) })
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil:
			won = i
		case !errors.Is(err, store.ErrConflict):
			t.Fatalf("transaction %d: %v, want nil or ErrConflict (a deadlock must be retried, not returned)", i, err)
		}
	}
	if won < 0 || errs[1-won] == nil {
		t.Fatalf("errors %v, want exactly one transaction to win", errs)
	}
	if n := runs.Load(); n != 3 {
		t.Fatalf("transaction bodies ran %d times, want 3 (the deadlock victim once more)", n)
	}
	bs, err := a.Payments().BillsByIDs(ctx, []string{"B1", "B2"})
	if err != nil {
		t.Fatal(err)
	}
	for _, bl := range bs {
		if want := []string{"O1", "O2"}[won]; bl.OrderID != want {
			t.Fatalf("bill %s held by %q, want %q (the winner)", bl.ID, bl.OrderID, want)
		}
	}
}
