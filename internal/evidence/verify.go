package evidence

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/base64"
	"fmt"

	"github.com/transparency-dev/merkle/compact"
	"golang.org/x/mod/sumdb/note"
)

// Problem is one thing VerifyLog found wrong, named precisely enough for an
// operator to find the row: Where is "leaf 17", "node 3/2",
// "checkpoint 4 (size 12)" or "log".
type Problem struct {
	Where string `json:"where"`
	What  string `json:"what"`
}

func (p Problem) String() string { return p.Where + ": " + p.What }

// Report is what VerifyLog found.
type Report struct {
	Size        uint64    `json:"size"`        // leaves the log records
	Leaves      uint64    `json:"leaves"`      // leaf rows checked
	Checkpoints int       `json:"checkpoints"` // checkpoint rows checked
	Problems    []Problem `json:"problems"`
}

// OK reports whether nothing was found wrong.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

func (r *Report) add(where, format string, args ...any) {
	r.Problems = append(r.Problems, Problem{Where: where, What: fmt.Sprintf(format, args...)})
}

// Keys are the public keys VerifyLog checks checkpoints with: the note
// verifier key and the SM2 co-signing key.
type Keys struct {
	Note string
	SM2  *ecdsa.PublicKey
}

// verifyBatch is how many leaves VerifyLog reads per query.
const verifyBatch = 1000

// VerifyLog re-derives the whole log from its leaf data and compares every
// stored row with what it should be: each leaf hash with the hash of its
// data, each leaf's kind and ref columns with what its data says, each stored
// node with the node recomputed from the leaves, every checkpoint's root with
// the tree recomputed at its size, and every checkpoint's Ed25519 signature
// and SM2 co-signature. Gaps in leaf indexes or checkpoint numbers, and rows
// missing at the end (against the log's recorded state), are reported as
// deletions. Cost: O(n) hashing and reads, in batches; about a second per
// million leaves on one core, plus the reads.
func VerifyLog(ctx context.Context, r Reader, keys Keys) (*Report, error) {
	verifiers, err := Verifiers(keys.Note, keys.SM2)
	if err != nil {
		return nil, err
	}
	origin, _ := note.NewVerifier(keys.Note)
	st, err := r.EvidenceState(ctx)
	if err != nil {
		return nil, err
	}
	cps, err := r.EvidenceCheckpoints(ctx)
	if err != nil {
		return nil, err
	}
	rep := &Report{Size: st.Size, Checkpoints: len(cps)}
	want := map[uint64][]byte{}
	for _, c := range cps {
		want[c.Size] = nil
	}
	roots, err := walkLeaves(ctx, r, st, want, rep)
	if err != nil {
		return nil, err
	}
	checkCheckpoints(cps, st, roots, verifiers, origin.Name(), rep)
	return rep, nil
}

// walkLeaves streams the leaves, checks each, rebuilds the tree and returns
// its root at every size in want that it could rebuild.
func walkLeaves(ctx context.Context, r Reader, st State, want map[uint64][]byte, rep *Report) (map[uint64][]byte, error) {
	roots := map[uint64][]byte{}
	cr := rangeFactory.NewEmptyRange(0)
	next, intact := uint64(0), true
	takeRoot := func() {
		if _, ok := want[next]; ok && intact {
			roots[next] = hasher.EmptyRoot()
			if next > 0 {
				roots[next], _ = cr.GetRootHash(nil)
			}
		}
	}
	for {
		batch, err := r.EvidenceLeaves(ctx, next, verifyBatch)
		if err != nil {
			return nil, err
		}
		var nodes []Node
		visit := func(id compact.NodeID, h []byte) {
			if id.Level > 0 {
				nodes = append(nodes, Node{ID: NodeID{id.Level, id.Index}, Hash: h})
			}
		}
		for _, lf := range batch {
			if lf.Index > next {
				rep.add(leafRange(next, lf.Index-1), "missing: the next row is leaf %d (row deleted?)", lf.Index)
				intact = false
			}
			next = lf.Index
			takeRoot()
			rep.Leaves++
			h := checkLeaf(lf, st, rep)
			if intact {
				if err := cr.Append(h, visit); err != nil {
					return nil, err
				}
			}
			next++
		}
		if intact {
			if err := checkNodes(ctx, r, nodes, rep); err != nil {
				return nil, err
			}
		}
		if len(batch) < verifyBatch {
			break
		}
	}
	takeRoot()
	if next < st.Size {
		rep.add(leafRange(next, st.Size-1), "missing: the log records %d leaves but the rows stop before index %d (row deleted?)", st.Size, next)
	}
	return roots, nil
}

func leafRange(a, b uint64) string {
	if a == b {
		return fmt.Sprintf("leaf %d", a)
	}
	return fmt.Sprintf("leaves %d-%d", a, b)
}

// checkLeaf reports what is wrong with one leaf row and returns the hash
// of its data, which is what the tree is rebuilt from.
func checkLeaf(lf StoredLeaf, st State, rep *Report) []byte {
	where := fmt.Sprintf("leaf %d", lf.Index)
	h := hasher.HashLeaf(lf.Data)
	if !bytes.Equal(h, lf.Hash) {
		rep.add(where, "leaf_hash is %s but the data hashes to %s (data or hash edited)", b64(lf.Hash), b64(h))
	}
	got, err := ParseLeaf(lf.Data)
	switch {
	case err != nil:
		rep.add(where, "data does not decode: %v", err)
	case got.Kind != lf.Kind:
		rep.add(where, "kind column is %q but the data is a %s leaf", lf.Kind, got.Kind)
	case got.Ref != lf.Ref:
		rep.add(where, "ref column is %q but the data is for %q", lf.Ref, got.Ref)
	}
	if lf.Index >= st.Size {
		rep.add(where, "beyond the %d leaves the log records (row inserted?)", st.Size)
	}
	return h
}

// checkNodes compares stored perfect-subtree nodes, which proofs are made
// from, with the ones rebuilt from leaf data.
func checkNodes(ctx context.Context, r Reader, nodes []Node, rep *Report) error {
	if len(nodes) == 0 {
		return nil
	}
	ids := make([]NodeID, len(nodes))
	for i, n := range nodes {
		ids[i] = n.ID
	}
	stored, err := r.EvidenceNodes(ctx, ids)
	if err != nil { // some are missing: look one by one to name them
		stored = make([][]byte, len(ids))
		for i, id := range ids {
			if h, err := r.EvidenceNodes(ctx, []NodeID{id}); err == nil {
				stored[i] = h[0]
			}
		}
	}
	for i, n := range nodes {
		where := fmt.Sprintf("node %d/%d", n.ID.Level, n.ID.Index)
		begin := n.ID.Index << n.ID.Level
		switch {
		case stored[i] == nil:
			rep.add(where, "missing (covers leaves %d-%d)", begin, begin+1<<n.ID.Level-1)
		case !bytes.Equal(stored[i], n.Hash):
			rep.add(where, "stored hash %s differs from %s rebuilt from leaves %d-%d", b64(stored[i]), b64(n.Hash), begin, begin+1<<n.ID.Level-1)
		}
	}
	return nil
}

func checkCheckpoints(cps []StoredCheckpoint, st State, roots map[uint64][]byte, v note.Verifiers, origin string, rep *Report) {
	var prev StoredCheckpoint
	for _, c := range cps {
		where := fmt.Sprintf("checkpoint %d (size %d)", c.Seq, c.Size)
		for k := prev.Seq + 1; k < c.Seq; k++ {
			rep.add(fmt.Sprintf("checkpoint %d", k), "missing: checkpoints jump from %d to %d (row deleted?)", prev.Seq, c.Seq)
		}
		if prev.Seq > 0 && c.Size <= prev.Size {
			rep.add(where, "size does not grow: checkpoint %d had size %d", prev.Seq, prev.Size)
		}
		if c.Size > st.Size {
			rep.add(where, "beyond the %d leaves the log records", st.Size)
		}
		checkNote(c, roots, v, origin, where, rep)
		prev = c
	}
	for k := prev.Seq + 1; k <= st.Checkpoints; k++ {
		rep.add(fmt.Sprintf("checkpoint %d", k), "missing: the log records %d checkpoints, the last row is %d (row deleted?)", st.Checkpoints, prev.Seq)
	}
	if prev.Seq > st.Checkpoints {
		rep.add("log", "records %d checkpoints but checkpoint %d exists", st.Checkpoints, prev.Seq)
	}
}

func checkNote(c StoredCheckpoint, roots map[uint64][]byte, v note.Verifiers, origin, where string, rep *Report) {
	rebuilt, have := roots[c.Size]
	if have && !bytes.Equal(rebuilt, c.Root) {
		rep.add(where, "root column is %s but the leaves give %s", b64(c.Root), b64(rebuilt))
	} else if !have {
		rep.add(where, "root cannot be rebuilt: leaves below %d are missing", c.Size)
	}
	n, err := note.Open(c.Note, v)
	if err != nil {
		rep.add(where, "signature does not verify: %v", err)
		return
	}
	if len(n.Sigs) != 2 {
		rep.add(where, "has %d of the 2 signatures (Ed25519 and SM2)", len(n.Sigs))
	}
	body, err := ParseCheckpoint(n.Text)
	switch {
	case err != nil:
		rep.add(where, "signed text: %v", err)
	case body.Origin != origin:
		rep.add(where, "signed origin is %q, want %q", body.Origin, origin)
	case body.Size != c.Size:
		rep.add(where, "size column is %d but the signed note says %d", c.Size, body.Size)
	case !bytes.Equal(body.Root, c.Root):
		rep.add(where, "root column is %s but the signed note says %s", b64(c.Root), b64(body.Root))
	}
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
