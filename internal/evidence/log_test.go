package evidence_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"github.com/shebao-project/shebao/internal/evidence"
	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/store/sqlite"
)

// signedRoot opens a checkpoint with the log's published key alone and
// returns its size and root, as an outside verifier would.
func signedRoot(t *testing.T, f *fixture, c evidence.StoredCheckpoint) evidence.Checkpoint {
	t.Helper()
	v, err := note.NewVerifier(f.log.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open(c.Note, note.VerifierList(v))
	if err != nil {
		t.Fatalf("note.Open: %v\n%s", err, c.Note)
	}
	cp, err := evidence.ParseCheckpoint(n.Text)
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

// TestProofsVerifyWithLibrary grows the log one order (four leaves) at a
// time, checkpointing each size, and checks every inclusion and consistency
// proof the log serves with transparency-dev/merkle's own verifiers against
// the signed roots.
func TestProofsVerifyWithLibrary(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	roots := map[uint64][]byte{0: f.checkpoint(t).Root}
	for n := 0; n < 6; n++ {
		f.appendOrders(t, n, n+1)
		cp := signedRoot(t, f, f.checkpoint(t))
		roots[cp.Size] = cp.Root
	}
	// Odd sizes too: one more order appended leaf by leaf.
	for _, l := range orderLeaves(t, 6) {
		if err := f.db.InTx(ctx, func(tx *sqlite.Tx) error { _, err := f.log.Append(ctx, tx, l); return err }); err != nil {
			t.Fatal(err)
		}
		cp := signedRoot(t, f, f.checkpoint(t))
		roots[cp.Size] = cp.Root
	}
	if len(roots) != 1+6+4 {
		t.Fatalf("%d checkpoints, want 11", len(roots))
	}
	h := rfc6962.DefaultHasher
	for size, root := range roots {
		for i := uint64(0); i < size; i++ {
			p, err := f.log.InclusionProof(ctx, i, size)
			if err != nil {
				t.Fatalf("InclusionProof(%d, %d): %v", i, size, err)
			}
			if err := proof.VerifyInclusion(h, i, size, p.LeafHash, p.Hashes, root); err != nil {
				t.Errorf("inclusion %d in %d: %v", i, size, err)
			}
		}
		for from, fromRoot := range roots {
			if from > size {
				continue
			}
			p, err := f.log.ConsistencyProof(ctx, from, size)
			if err != nil {
				t.Fatalf("ConsistencyProof(%d, %d): %v", from, size, err)
			}
			if err := proof.VerifyConsistency(h, from, size, p.Hashes, fromRoot, root); err != nil {
				t.Errorf("consistency %d→%d: %v", from, size, err)
			}
		}
	}
}

func TestLeafHashIsRFC6962(t *testing.T) {
	f := newFixture(t)
	f.appendOrders(t, 0, 1)
	leaves := orderLeaves(t, 0)
	p, err := f.log.InclusionProof(t.Context(), 2, 4)
	if err != nil {
		t.Fatal(err)
	}
	if want := rfc6962.DefaultHasher.HashLeaf(leaves[2].Data); string(p.LeafHash) != string(want) {
		t.Errorf("leaf hash %x, want SHA-256(0x00||data) %x", p.LeafHash, want)
	}
}

func TestProofOutOfRange(t *testing.T) {
	f := newFixture(t)
	f.appendOrders(t, 0, 1)
	var re *evidence.RangeError
	if _, err := f.log.InclusionProof(t.Context(), 0, 5); !errors.As(err, &re) || re.Field != "size" {
		t.Errorf("size beyond log: %v", err)
	}
	if _, err := f.log.InclusionProof(t.Context(), 4, 4); !errors.As(err, &re) || re.Field != "leaf" {
		t.Errorf("leaf beyond size: %v", err)
	}
	if _, err := f.log.ConsistencyProof(t.Context(), 3, 2); !errors.As(err, &re) || re.Field != "from" {
		t.Errorf("from > to: %v", err)
	}
}

// TestConcurrentAppendsGapFree appends from many goroutines; the single
// writer serialises them, so indexes are 0…n-1 and every proof holds.
func TestConcurrentAppendsGapFree(t *testing.T) {
	f := newFixture(t)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() { f.appendOrders(t, g*5, g*5+5) })
	}
	wg.Wait()
	rep, err := evidence.VerifyLog(t.Context(), f.db.Evidence(), f.keys)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Size != 160 || rep.Leaves != 160 {
		t.Fatalf("after concurrent appends: size %d, %d rows, problems %v", rep.Size, rep.Leaves, rep.Problems)
	}
}

func TestAppendRefusesDuplicatesAndBadLeaves(t *testing.T) {
	f := newFixture(t)
	f.appendOrders(t, 0, 1)
	ctx := context.Background()
	err := f.db.InTx(ctx, func(tx *sqlite.Tx) error { _, err := f.log.Append(ctx, tx, orderLeaves(t, 0)[0]); return err })
	if err == nil {
		t.Error("the same order was logged twice")
	}
	forged := orderLeaves(t, 1)[0]
	forged.Ref = "ord_other"
	err = f.db.InTx(ctx, func(tx *sqlite.Tx) error { _, err := f.log.Append(ctx, tx, forged); return err })
	if err == nil {
		t.Error("a leaf whose ref disagrees with its data was appended")
	}
	// The failed transactions rolled back their reservations: no gap.
	f.appendOrders(t, 1, 2)
	rep, _ := evidence.VerifyLog(ctx, f.db.Evidence(), f.keys)
	if !rep.OK() || rep.Size != 8 {
		t.Errorf("size %d, problems %v", rep.Size, rep.Problems)
	}
}

func TestCheckpointIdempotent(t *testing.T) {
	f := newFixture(t)
	f.appendOrders(t, 0, 2)
	a, b := f.checkpoint(t), f.checkpoint(t)
	if a.Seq != 1 || b.Seq != 1 || string(a.Note) != string(b.Note) {
		t.Errorf("second checkpoint with nothing new: seq %d then %d", a.Seq, b.Seq)
	}
	f.appendOrders(t, 2, 3)
	if c := f.checkpoint(t); c.Seq != 2 || c.Size != 12 {
		t.Errorf("next checkpoint seq %d size %d, want 2 and 12", c.Seq, c.Size)
	}
}

func TestCheckpointJob(t *testing.T) {
	f := newFixture(t)
	f.appendOrders(t, 0, 1)
	job := f.log.CheckpointJob(time.Minute)
	err := job(t.Context(), jobs.Job{Kind: evidence.JobCheckpoint, Ref: evidence.JobCheckpointRef})
	var retry jobs.RetryAt
	if !errors.As(err, &retry) || !retry.At.Equal(testNow.Add(time.Minute)) {
		t.Fatalf("job returned %v, want to run again a minute later", err)
	}
	if c, err := f.db.Evidence().LatestCheckpoint(t.Context()); err != nil || c.Size != 4 {
		t.Errorf("after the job: checkpoint %+v, %v", c, err)
	}
}
