package evidence

import (
	"context"
	"errors"
	"fmt"

	"github.com/transparency-dev/merkle/proof"
)

// InclusionProof shows that leaf LeafIndex, whose hash is LeafHash, is in
// the tree of TreeSize leaves: Hashes is the audit path of RFC 6962 §2.1.1,
// from the leaf's sibling up to a child of the root. In JSON the hashes are
// standard base64.
type InclusionProof struct {
	LeafIndex uint64   `json:"leaf_index"`
	TreeSize  uint64   `json:"tree_size"`
	LeafHash  []byte   `json:"leaf_hash"`
	Hashes    [][]byte `json:"hashes"`
}

// ConsistencyProof shows that the tree of To leaves extends the tree of
// From leaves (RFC 6962 §2.1.2).
type ConsistencyProof struct {
	From   uint64   `json:"from"`
	To     uint64   `json:"to"`
	Hashes [][]byte `json:"hashes"`
}

// RangeError is a proof request the log cannot answer: an index or size
// beyond the log. Field names the offending request parameter.
type RangeError struct {
	Field     string
	Message   string // 中文
	MessageEn string
}

func (e *RangeError) Error() string { return "evidence: " + e.MessageEn }

// InclusionProof proves leaf index in the tree of size leaves, any size up
// to the current one (usually a checkpoint's). Cost: O(log size) node
// reads and at most O(log size) hashes to rebuild the one ephemeral node.
func (l *Log) InclusionProof(ctx context.Context, index, size uint64) (InclusionProof, error) {
	if err := l.within(ctx, "size", size); err != nil {
		return InclusionProof{}, err
	}
	if index >= size {
		return InclusionProof{}, &RangeError{"leaf", fmt.Sprintf("叶子序号 %d 不在大小为 %d 的树内。", index, size),
			fmt.Sprintf("leaf %d is not in a tree of size %d", index, size)}
	}
	return inclusion(ctx, l.store, index, size)
}

// ConsistencyProof proves that the tree of to leaves extends the tree of
// from leaves, in O(log to) node reads.
func (l *Log) ConsistencyProof(ctx context.Context, from, to uint64) (ConsistencyProof, error) {
	if err := l.within(ctx, "to", to); err != nil {
		return ConsistencyProof{}, err
	}
	if from > to {
		return ConsistencyProof{}, &RangeError{"from", fmt.Sprintf("起始大小 %d 大于结束大小 %d。", from, to),
			fmt.Sprintf("from %d is larger than to %d", from, to)}
	}
	hashes, err := consistency(ctx, l.store, from, to)
	return ConsistencyProof{From: from, To: to, Hashes: hashes}, err
}

// within checks that the tree of size leaves exists; field names the
// request parameter that gave size.
func (l *Log) within(ctx context.Context, field string, size uint64) error {
	st, err := l.store.EvidenceState(ctx)
	if err != nil {
		return err
	}
	if size > st.Size {
		return &RangeError{field, fmt.Sprintf("日志目前只有 %d 条记录，没有大小为 %d 的树。", st.Size, size),
			fmt.Sprintf("the log has %d leaves, not %d", st.Size, size)}
	}
	return nil
}

func inclusion(ctx context.Context, r nodeReader, index, size uint64) (InclusionProof, error) {
	nodes, err := proof.Inclusion(index, size)
	if err != nil {
		return InclusionProof{}, err
	}
	hashes, err := rehash(ctx, r, nodes)
	if err != nil {
		return InclusionProof{}, err
	}
	leaf, err := r.EvidenceNodes(ctx, []NodeID{{0, index}})
	if err != nil {
		return InclusionProof{}, fmt.Errorf("evidence: leaf %d: %w", index, err)
	}
	return InclusionProof{LeafIndex: index, TreeSize: size, LeafHash: leaf[0], Hashes: hashes}, nil
}

func consistency(ctx context.Context, r nodeReader, from, to uint64) ([][]byte, error) {
	nodes, err := proof.Consistency(from, to)
	if err != nil {
		return nil, err
	}
	return rehash(ctx, r, nodes)
}

// rehash fetches a proof's perfect-subtree nodes and folds the ones under
// its ephemeral node, if any, into that node's hash.
func rehash(ctx context.Context, r nodeReader, nodes proof.Nodes) ([][]byte, error) {
	hashes, err := fetch(ctx, r, nodes.IDs)
	if err != nil {
		return nil, fmt.Errorf("evidence: proof nodes: %w", err)
	}
	out, err := nodes.Rehash(hashes, hasher.HashChildren)
	if out == nil && err == nil {
		out = [][]byte{}
	}
	return out, err
}

// ErrNotCheckpointed reports a leaf that no checkpoint covers yet; a proof
// bundle for it can be made after the next checkpoint.
var ErrNotCheckpointed = errors.New("evidence: leaf not yet covered by a checkpoint")

// Bundle returns a self-contained, offline-verifiable proof that the leaf of
// (kind, ref) is in the log, in the c2sp.org/tlog-proof@v1 text format:
// the leaf data as "extra" (unauthenticated by the format, but VerifyBundle
// checks it against the leaf hash), the leaf index, the inclusion path, an
// empty line, and the latest checkpoint note verbatim. For a voucher, ref is
// its storage id.
func (l *Log) Bundle(ctx context.Context, kind LeafKind, ref string) ([]byte, error) {
	leaf, err := l.store.EvidenceLeafByRef(ctx, kind, ref)
	if err != nil {
		return nil, fmt.Errorf("evidence: leaf of %s %s: %w", kind, ref, err)
	}
	cp, err := l.store.LatestCheckpoint(ctx)
	if err != nil || cp.Size <= leaf.Index {
		return nil, ErrNotCheckpointed
	}
	p, err := inclusion(ctx, l.store, leaf.Index, cp.Size)
	if err != nil {
		return nil, err
	}
	return Bundle{Extra: leaf.Data, Index: leaf.Index, Hashes: p.Hashes, Checkpoint: cp.Note}.Marshal(), nil
}
