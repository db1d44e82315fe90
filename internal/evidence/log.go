package evidence

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/store"
)

// hasher is RFC 6962's: SHA-256 with 0x00 and 0x01 prefixes for leaves and
// nodes.
var hasher = rfc6962.DefaultHasher

// rangeFactory builds compact ranges (the right edge of the tree: at most
// log2(size) perfect-subtree roots) with the RFC 6962 node hash.
var rangeFactory = &compact.RangeFactory{Hash: hasher.HashChildren}

// Log is the evidence log of one shebao instance.
type Log struct {
	store    Store
	origin   string
	signer   note.Signer
	cosigner note.Signer
	vkey     string
	verifier note.Verifiers
	now      func() time.Time
	log      *slog.Logger
}

// Deps are a Log's collaborators; all are required except Log.
type Deps struct {
	Store Store
	// NoteKey is the Ed25519 note signer key from LoadOrCreateNoteKey; its
	// name is the log's origin.
	NoteKey string
	// SM2Key is the agency's voucher key (voucher.LoadOrCreateKey), which
	// co-signs every checkpoint.
	SM2Key *sm2.PrivateKey
	Now    func() time.Time
	Random io.Reader // for SM2 signatures; crypto/rand.Reader outside tests
	Log    *slog.Logger
}

// New makes the Log.
func New(d Deps) (*Log, error) {
	if d.Store == nil || d.Now == nil || d.Random == nil {
		return nil, errors.New("evidence: Store, Now and Random are required")
	}
	signer, err := note.NewSigner(d.NoteKey)
	if err != nil {
		return nil, fmt.Errorf("evidence: note key: %w", err)
	}
	vkey, err := NoteVerifierKey(d.NoteKey)
	if err != nil {
		return nil, err
	}
	cosigner, err := NewSM2Signer(signer.Name(), d.SM2Key, d.Random)
	if err != nil {
		return nil, err
	}
	verifiers, err := Verifiers(vkey, &d.SM2Key.PublicKey)
	if err != nil {
		return nil, err
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &Log{store: d.Store, origin: signer.Name(), signer: signer, cosigner: cosigner,
		vkey: vkey, verifier: verifiers, now: d.Now, log: d.Log}, nil
}

// Verifiers is the pair of note verifiers for a log's checkpoints: its
// Ed25519 verifier key (as VerifierKey returns it) and its SM2 co-signing key.
func Verifiers(vkey string, sm2Pub *ecdsa.PublicKey) (note.Verifiers, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("evidence: verifier key: %w", err)
	}
	sv, err := NewSM2Verifier(v.Name(), sm2Pub)
	if err != nil {
		return nil, err
	}
	return note.VerifierList(v, sv), nil
}

// Origin is the log's origin line and Ed25519 key name.
func (l *Log) Origin() string { return l.origin }

// VerifierKey is the log's note verifier key, as published at
// GET /api/v1/log/key: note.NewVerifier(VerifierKey()) checks checkpoints.
func (l *Log) VerifierKey() string { return l.vkey }

// Append adds leaves at the next indexes inside the caller's transaction
// tx, and returns the index of the first. Call it in the transaction that
// makes the logged facts true (the crediting one), so both commit or roll
// back together; the indexes then record the order of those commits, not
// their time. It reads the O(log n) nodes of the tree's right edge, hashes
// the new leaves onto it, and stores the leaves with every perfect subtree
// they complete, so proofs later need O(log n) reads. Leaves are checked to
// decode to their stated kind and ref.
func (l *Log) Append(ctx context.Context, tx TxStore, leaves ...Leaf) (uint64, error) {
	if len(leaves) == 0 {
		return 0, nil
	}
	for _, lf := range leaves {
		got, err := ParseLeaf(lf.Data)
		if err != nil || got.Kind != lf.Kind || got.Ref != lf.Ref {
			return 0, fmt.Errorf("evidence: leaf %s %s does not encode itself: %v", lf.Kind, lf.Ref, err)
		}
	}
	first, err := tx.ReserveEvidence(ctx, len(leaves))
	if err != nil {
		return 0, fmt.Errorf("evidence: reserve: %w", err)
	}
	r, err := rightEdge(ctx, tx, first)
	if err != nil {
		return 0, err
	}
	var nodes []Node
	visit := func(id compact.NodeID, h []byte) {
		if id.Level > 0 {
			nodes = append(nodes, Node{ID: NodeID{id.Level, id.Index}, Hash: h})
		}
	}
	stored := make([]StoredLeaf, len(leaves))
	at := l.now().UTC()
	for i, lf := range leaves {
		h := hasher.HashLeaf(lf.Data)
		if err := r.Append(h, visit); err != nil {
			return 0, fmt.Errorf("evidence: append: %w", err)
		}
		stored[i] = StoredLeaf{Index: first + uint64(i), Kind: lf.Kind, Ref: lf.Ref, Data: lf.Data, Hash: h, AppendedAt: at}
	}
	if err := tx.InsertEvidence(ctx, stored, nodes); err != nil {
		return 0, fmt.Errorf("evidence: store leaves %d-%d: %w", first, first+uint64(len(leaves))-1, err)
	}
	return first, nil
}

type nodeReader interface {
	EvidenceNodes(ctx context.Context, ids []NodeID) ([][]byte, error)
}

// rightEdge loads the compact range [0, size): the roots of the perfect
// subtrees that make up the tree, one per set bit of size.
func rightEdge(ctx context.Context, r nodeReader, size uint64) (*compact.Range, error) {
	hashes, err := fetch(ctx, r, compact.RangeNodes(0, size, nil))
	if err != nil {
		return nil, fmt.Errorf("evidence: right edge of %d: %w", size, err)
	}
	return rangeFactory.NewRange(0, size, hashes)
}

// root is the tree hash at size, from O(log size) stored nodes.
func root(ctx context.Context, r nodeReader, size uint64) ([]byte, error) {
	if size == 0 {
		return hasher.EmptyRoot(), nil
	}
	cr, err := rightEdge(ctx, r, size)
	if err != nil {
		return nil, err
	}
	return cr.GetRootHash(nil)
}

func fetch(ctx context.Context, r nodeReader, ids []compact.NodeID) ([][]byte, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	own := make([]NodeID, len(ids))
	for i, id := range ids {
		own[i] = NodeID{id.Level, id.Index}
	}
	return r.EvidenceNodes(ctx, own)
}

// Checkpoint signs the log at its current size, stores and returns the
// checkpoint; if nothing was appended since the latest one, it returns
// that. Before signing it proves the new tree consistent with the latest
// checkpoint, because c2sp.org/tlog-checkpoint forbids signing a checkpoint
// inconsistent with an earlier one: a database edited behind the log's back
// makes Checkpoint fail instead of blessing the edit.
func (l *Log) Checkpoint(ctx context.Context) (StoredCheckpoint, error) {
	st, err := l.store.EvidenceState(ctx)
	if err != nil {
		return StoredCheckpoint{}, err
	}
	latest, err := l.store.LatestCheckpoint(ctx)
	have := err == nil
	switch {
	case have && latest.Size == st.Size:
		return latest, nil
	case have && latest.Size > st.Size:
		return StoredCheckpoint{}, fmt.Errorf("evidence: the log records %d leaves but checkpoint %d has %d; run shebao log verify", st.Size, latest.Seq, latest.Size)
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return StoredCheckpoint{}, err
	}
	newRoot, err := root(ctx, l.store, st.Size)
	if err != nil {
		return StoredCheckpoint{}, err
	}
	if have {
		if err := l.checkConsistent(ctx, latest, st.Size, newRoot); err != nil {
			return StoredCheckpoint{}, err
		}
	}
	text := Checkpoint{Origin: l.origin, Size: st.Size, Root: newRoot}.Text()
	signed, err := note.Sign(&note.Note{Text: text}, l.signer, l.cosigner)
	if err != nil {
		return StoredCheckpoint{}, fmt.Errorf("evidence: sign checkpoint: %w", err)
	}
	c, err := l.store.AddCheckpoint(ctx, StoredCheckpoint{Size: st.Size, Root: newRoot, Note: signed, CreatedAt: l.now().UTC()})
	if errors.Is(err, store.ErrConflict) {
		return l.store.LatestCheckpoint(ctx) // a concurrent call got there first
	}
	return c, err
}

func (l *Log) checkConsistent(ctx context.Context, prev StoredCheckpoint, size uint64, newRoot []byte) error {
	p, err := consistency(ctx, l.store, prev.Size, size)
	if err != nil {
		return err
	}
	if err := proof.VerifyConsistency(hasher, prev.Size, size, p, prev.Root, newRoot); err != nil {
		return fmt.Errorf("evidence: refusing to sign size %d: not consistent with checkpoint %d (size %d): %w", size, prev.Seq, prev.Size, err)
	}
	return nil
}

// JobCheckpoint is the kind of the durable job that signs checkpoints, and
// JobCheckpointRef its only ref: enqueue it once (EnqueueJobOnce) and it
// reschedules itself for ever.
const (
	JobCheckpoint    = "evidence_checkpoint"
	JobCheckpointRef = "log"
)

// CheckpointJob is the jobs.Handler for JobCheckpoint: it signs a checkpoint
// if leaves were appended since the last one and asks to run again after
// interval, so every leaf is covered by a signed checkpoint within about one
// interval. A failure is logged and retried at the next interval rather than
// with the runner's growing backoff, which a job that never completes would
// otherwise reach.
func (l *Log) CheckpointJob(interval time.Duration) jobs.Handler {
	return func(ctx context.Context, _ jobs.Job) error {
		if _, err := l.Checkpoint(ctx); err != nil && ctx.Err() == nil {
			l.log.ErrorContext(ctx, "evidence: checkpoint", "err", err)
		}
		return jobs.RetryAt{At: l.now().Add(interval)}
	}
}
