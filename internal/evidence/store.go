package evidence

import (
	"context"
	"time"
)

// NodeID names a node of the tree as github.com/transparency-dev/merkle's
// compact.NodeID does: level 0 holds the leaf hashes, and node (l, i) covers
// leaves [i·2^l, (i+1)·2^l). Only perfect subtrees have IDs here; the
// ephemeral nodes of a tree whose size is not a power of two are recomputed.
type NodeID struct {
	Level uint
	Index uint64
}

// Node is a stored node hash.
type Node struct {
	ID   NodeID
	Hash []byte
}

// StoredLeaf is a leaf as stored at its index.
type StoredLeaf struct {
	Index      uint64
	Kind       LeafKind
	Ref        string
	Data       []byte
	Hash       []byte    // RFC 6962 leaf hash of Data
	AppendedAt time.Time // the server clock's word; not hashed (see package doc)
}

// StoredCheckpoint is a signed checkpoint as stored. Seq numbers the
// checkpoints 1, 2, 3, … in the order they were made, so a deleted row shows
// as a gap; Root repeats the note's root hash for queries.
type StoredCheckpoint struct {
	Seq       uint64
	Size      uint64
	Root      []byte
	Note      []byte // the signed note, c2sp.org/tlog-checkpoint
	CreatedAt time.Time
}

// State is the log's own record of how far it got: the number of leaves
// appended and of checkpoints made. VerifyLog compares the rows against it,
// so deleting the newest leaf or checkpoint is noticed too.
type State struct {
	Size        uint64
	Checkpoints uint64
}

// TxStore is what Append needs inside the caller's write transaction (the
// crediting transaction of package payment). Its methods are named so that
// payment.Tx can embed the interface next to its own.
type TxStore interface {
	// ReserveEvidence advances the log size by n and returns the old size,
	// the index of the first new leaf. It must serialise appenders until the
	// transaction ends, so indexes are gap-free: SQLite's single writer does
	// that; PostgreSQL does it with the row lock taken by
	// UPDATE evidence_state … RETURNING under READ COMMITTED.
	ReserveEvidence(ctx context.Context, n int) (first uint64, err error)
	// EvidenceNodes returns the hashes of the nodes, in order; a level-0 node
	// is a leaf hash. A missing node is store.ErrNotFound.
	EvidenceNodes(ctx context.Context, ids []NodeID) ([][]byte, error)
	// InsertEvidence stores leaves and the perfect-subtree nodes they
	// completed; store.ErrConflict if an index or a (kind, ref) exists.
	InsertEvidence(ctx context.Context, leaves []StoredLeaf, nodes []Node) error
}

// Reader is what proofs, checkpoints and VerifyLog read.
type Reader interface {
	EvidenceState(ctx context.Context) (State, error)
	EvidenceNodes(ctx context.Context, ids []NodeID) ([][]byte, error)
	// EvidenceLeaves lists up to limit leaves with index >= from, by index.
	EvidenceLeaves(ctx context.Context, from uint64, limit int) ([]StoredLeaf, error)
	// EvidenceLeafByRef finds the leaf of one order or voucher.
	EvidenceLeafByRef(ctx context.Context, kind LeafKind, ref string) (StoredLeaf, error)
	// EvidenceCheckpoints lists every stored checkpoint by Seq.
	EvidenceCheckpoints(ctx context.Context) ([]StoredCheckpoint, error)
	// LatestCheckpoint is the checkpoint with the highest Seq;
	// store.ErrNotFound when there is none.
	LatestCheckpoint(ctx context.Context) (StoredCheckpoint, error)
}

// Store is the storage a Log needs outside transactions.
type Store interface {
	Reader
	// AddCheckpoint stores c as checkpoint State.Checkpoints+1 and returns it
	// with its Seq, unless a checkpoint of c.Size or larger is stored already
	// (store.ErrConflict): checkpoints only ever grow.
	AddCheckpoint(ctx context.Context, c StoredCheckpoint) (StoredCheckpoint, error)
}
