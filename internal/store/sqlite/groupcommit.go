package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/shebao-project/shebao/internal/payment"
)

// Group commit. With synchronous=FULL every commit waits for an fsync of the
// WAL, and the single writer connection makes those waits queue one behind
// the other: the fsync, not the SQL, bounded new payment notifications at
// about 1,150 a second. Writes handed to inGroupTx that arrive while a
// commit is in flight are applied together in the next transaction, each
// under its own savepoint, and share its one fsync. Every caller is answered
// only after the transaction holding its effect has committed (or with its
// own error); a failure that breaks the shared transaction makes the group
// fall back to one transaction per caller, so nobody's write is lost or
// acknowledged for somebody else's failure.
//
// There is no committer goroutine to start or stop: the first caller to
// find nobody committing leads; when its batch is done it hands the lead to
// the oldest caller still waiting, whose request heads the next batch.

// maxGroup bounds a batch, and with it how long the first caller of a batch
// waits for the others.
const maxGroup = 64

type groupCommit struct {
	mu      sync.Mutex
	waiting []*groupReq
	leading bool
}

type groupReq struct {
	ctx  context.Context
	fn   func(*Tx) error
	done chan groupResult // buffered: the leader never blocks on a reply
}

// groupResult answers a caller: either its outcome, or lead: it is now the
// leader and must commit the waiting batches itself.
type groupResult struct {
	err  error
	lead bool
}

// errGroupAborted answers the other callers of a batch in which one write
// panicked; the panic itself continues on the leader's goroutine.
var errGroupAborted = errors.New("sqlite: group commit aborted by a panic in another write; nothing of this write was committed")

// inGroupTx runs fn in a write transaction that may be shared with other
// concurrent callers of inGroupTx. fn runs on whichever goroutine leads the
// batch and must, as with InTx, be safe to run again. It is given ctx
// without its cancellation: a caller giving up must not interrupt the
// shared connection under the others' writes, and the caller waits for its
// answer anyway (a batch takes milliseconds).
func (d *DB) inGroupTx(ctx context.Context, fn func(*Tx) error) error {
	r := &groupReq{ctx: context.WithoutCancel(ctx), fn: fn, done: make(chan groupResult, 1)}
	g := &d.group
	g.mu.Lock()
	g.waiting = append(g.waiting, r)
	lead := !g.leading
	g.leading = true
	g.mu.Unlock()
	if !lead {
		res := <-r.done
		if !res.lead {
			return res.err
		}
	}
	// Leading. Nobody was leading, or the lead was handed to the oldest
	// caller waiting: either way r is first in line, so this batch holds it.
	defer g.passLead()
	g.mu.Lock()
	batch := g.waiting[:min(len(g.waiting), maxGroup)]
	g.waiting = g.waiting[len(batch):]
	g.mu.Unlock()
	d.commitGroup(batch)
	return (<-r.done).err
}

// passLead ends a leader's turn, also when a write panicked: the oldest
// caller still waiting leads next, with its request left first in line.
func (g *groupCommit) passLead() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.waiting) == 0 {
		g.leading = false
		return
	}
	g.waiting[0].done <- groupResult{lead: true}
}

// commitGroup applies a batch and answers each of its callers exactly once.
func (d *DB) commitGroup(batch []*groupReq) {
	answered := false
	defer func() {
		if !answered { // a write panicked: nobody else may wait forever
			for _, r := range batch {
				if len(r.done) == 0 {
					r.done <- groupResult{err: errGroupAborted}
				}
			}
		}
	}()
	if len(batch) == 1 {
		r := batch[0]
		r.done <- groupResult{err: d.InTx(r.ctx, r.fn)}
		answered = true
		return
	}
	errs, err := d.applyGroup(batch)
	if err != nil {
		// The shared transaction failed as a whole (its commit, or a write
		// that broke it): nothing of it is durable. Apply each write in its
		// own transaction so that one caller's failure stays its own.
		for _, r := range batch {
			r.done <- groupResult{err: d.InTx(r.ctx, r.fn)}
		}
		answered = true
		return
	}
	for i, r := range batch {
		r.done <- groupResult{err: errs[i]}
	}
	answered = true
}

// applyGroup runs the batch in one transaction, each write under a
// savepoint so that a write returning an error is undone alone. It returns
// each write's own error, or an error if the transaction as a whole did not
// commit.
func (d *DB) applyGroup(batch []*groupReq) (errs []error, err error) {
	errs = make([]error, len(batch))
	err = d.inTx(context.Background(), func(tx *sql.Tx) error {
		ctx := context.Background()
		held := &heldJobs{}
		t := &Tx{q{db: cached{c: d.ws, tx: tx}, jobs: d.jobs, held: held}}
		for i, r := range batch {
			if _, err := tx.ExecContext(ctx, `SAVEPOINT group_write`); err != nil {
				return fmt.Errorf("sqlite: group savepoint: %w", err)
			}
			mark := len(held.jobs)
			if errs[i] = r.fn(t); errs[i] != nil {
				errs[i] = translate(errs[i])
				held.jobs = held.jobs[:mark] // its jobs are undone with its other writes
				// If the error ended the transaction itself (SQLite rolls
				// back on a full disk, an I/O error, an interrupt), this
				// fails and the whole batch is applied again one by one.
				if _, err := tx.ExecContext(ctx, `ROLLBACK TO group_write`); err != nil {
					return fmt.Errorf("sqlite: group rollback to savepoint: %w", err)
				}
			}
			if _, err := tx.ExecContext(ctx, `RELEASE group_write`); err != nil {
				return fmt.Errorf("sqlite: group release savepoint: %w", err)
			}
		}
		// One River insert for the whole group (most notifications enqueue
		// one posting job each). Should it fail, the transaction does, and
		// each write is applied again on its own, its jobs with it.
		if err := d.jobs.InsertMany(ctx, tx, held.jobs, false); err != nil {
			return fmt.Errorf("sqlite: group jobs: %w", err)
		}
		return nil
	})
	d.ws.preparePending(context.Background())
	return errs, err
}

// InGroupTx implements payment.GroupCommitter: payment notifications share
// commits (see inGroupTx).
func (p paymentStore) InGroupTx(ctx context.Context, fn func(payment.Tx) error) error {
	return p.DB.inGroupTx(ctx, func(tx *Tx) error { return fn(tx) })
}

var _ payment.GroupCommitter = paymentStore{}

// shared runs a small write of the payment flow's hot path (a sign-in's SMS
// code and session, a job's claim and outcome, a notice's record) through
// the group commit instead of a commit of its own: each cost an fsync on
// the one writer, and a payment made about eight of them beside its
// transactions, so under load they queued behind each other. Sharing keeps
// their durability (the caller is answered once its write is committed with
// synchronous=FULL) and their errors their own. fn must be safe to run
// again, as for inGroupTx; a single statement is. It is given ctx without
// its cancellation, which would interrupt the shared connection.
func (d *DB) shared(ctx context.Context, fn func(context.Context, q) error) error {
	ctx = context.WithoutCancel(ctx)
	return d.inGroupTx(ctx, func(tx *Tx) error { return fn(ctx, tx.q) })
}
