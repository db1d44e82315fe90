package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/shebao-project/shebao/internal/evidence"
	"github.com/shebao-project/shebao/internal/store"
	"github.com/shebao-project/shebao/internal/voucher"
)

// The evidence log's queries (package evidence; tables of 0002_evidence.sql).
// Indexes and sizes are uint64 in Go and BIGINT here; they never come near
// 2^63.

// ReserveEvidence implements evidence.TxStore. The UPDATE locks the state
// row until the transaction ends, so the range it returns is the caller's:
// a concurrent appender waits, then adds to the size this one committed
// (or, if this one rolled back, to the old size: the range is given back).
func (x q) ReserveEvidence(ctx context.Context, n int) (uint64, error) {
	var first int64
	err := x.db.QueryRowContext(ctx, `UPDATE evidence_state SET size = size + $1 WHERE id = 1 RETURNING size - $1`, n).Scan(&first)
	return uint64(first), translate(err)
}

// EvidenceNodes implements evidence.TxStore and evidence.Reader: one primary
// key lookup per node, O(log n) of them per proof.
func (x q) EvidenceNodes(ctx context.Context, ids []evidence.NodeID) ([][]byte, error) {
	out := make([][]byte, len(ids))
	for i, id := range ids {
		var err error
		if id.Level == 0 {
			err = x.db.QueryRowContext(ctx, `SELECT leaf_hash FROM evidence_leaves WHERE idx = $1`, int64(id.Index)).Scan(&out[i])
		} else {
			err = x.db.QueryRowContext(ctx, `SELECT hash FROM evidence_nodes WHERE level = $1 AND idx = $2`, int64(id.Level), int64(id.Index)).Scan(&out[i])
		}
		if err != nil {
			return nil, fmt.Errorf("evidence node %d/%d: %w", id.Level, id.Index, translate(err))
		}
	}
	return out, nil
}

// InsertEvidence implements evidence.TxStore; store.ErrConflict if an index
// or a (kind, ref) exists, leaving the transaction usable (see q.insert).
func (x q) InsertEvidence(ctx context.Context, leaves []evidence.StoredLeaf, nodes []evidence.Node) error {
	for _, l := range leaves {
		if err := x.insert(ctx, fmt.Sprintf("evidence leaf %d (%s %s)", l.Index, l.Kind, l.Ref),
			`INSERT INTO evidence_leaves (idx, kind, ref, data, leaf_hash, appended_at) VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT DO NOTHING`,
			int64(l.Index), string(l.Kind), l.Ref, l.Data, l.Hash, ms(l.AppendedAt)); err != nil {
			return err
		}
	}
	for _, n := range nodes {
		if err := x.insert(ctx, fmt.Sprintf("evidence node %d/%d", n.ID.Level, n.ID.Index),
			`INSERT INTO evidence_nodes (level, idx, hash) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING`,
			int64(n.ID.Level), int64(n.ID.Index), n.Hash); err != nil {
			return err
		}
	}
	return nil
}

// EvidenceState implements evidence.Reader.
func (x q) EvidenceState(ctx context.Context) (evidence.State, error) {
	var size, cps int64
	err := x.db.QueryRowContext(ctx, `SELECT size, checkpoints FROM evidence_state WHERE id = 1`).Scan(&size, &cps)
	return evidence.State{Size: uint64(size), Checkpoints: uint64(cps)}, translate(err)
}

const leafColumns = `idx, kind, ref, data, leaf_hash, appended_at`

func scanLeaf(row scanner) (evidence.StoredLeaf, error) {
	var l evidence.StoredLeaf
	var idx, at int64
	var kind string
	err := row.Scan(&idx, &kind, &l.Ref, &l.Data, &l.Hash, &at)
	l.Index, l.Kind, l.AppendedAt = uint64(idx), evidence.LeafKind(kind), fromMS(at)
	return l, translate(err)
}

// EvidenceLeaves implements evidence.Reader.
func (x q) EvidenceLeaves(ctx context.Context, from uint64, limit int) ([]evidence.StoredLeaf, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT `+leafColumns+` FROM evidence_leaves WHERE idx >= $1 ORDER BY idx LIMIT $2`, int64(from), limit)
	return scanAll(rows, err, scanLeaf)
}

// EvidenceLeafByRef implements evidence.Reader.
func (x q) EvidenceLeafByRef(ctx context.Context, kind evidence.LeafKind, ref string) (evidence.StoredLeaf, error) {
	return scanLeaf(x.db.QueryRowContext(ctx, `SELECT `+leafColumns+` FROM evidence_leaves WHERE kind = $1 AND ref = $2`, string(kind), ref))
}

const checkpointColumns = `seq, size, root, note, created_at`

func scanCheckpoint(row scanner) (evidence.StoredCheckpoint, error) {
	var c evidence.StoredCheckpoint
	var seq, size, at int64
	var text string
	err := row.Scan(&seq, &size, &c.Root, &text, &at)
	c.Seq, c.Size, c.Note, c.CreatedAt = uint64(seq), uint64(size), []byte(text), fromMS(at)
	return c, translate(err)
}

// EvidenceCheckpoints implements evidence.Reader.
func (x q) EvidenceCheckpoints(ctx context.Context) ([]evidence.StoredCheckpoint, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT `+checkpointColumns+` FROM evidence_checkpoints ORDER BY seq`)
	return scanAll(rows, err, scanCheckpoint)
}

// LatestCheckpoint implements evidence.Reader.
func (x q) LatestCheckpoint(ctx context.Context) (evidence.StoredCheckpoint, error) {
	return scanCheckpoint(x.db.QueryRowContext(ctx, `SELECT `+checkpointColumns+` FROM evidence_checkpoints ORDER BY seq DESC LIMIT 1`))
}

// AddCheckpoint stores c as the next checkpoint; run it in a transaction
// (the Evidence adapter does). store.ErrConflict if a checkpoint of c.Size or
// larger exists, or c.Size is beyond the log.
//
// The state row is locked first, so two servers adding checkpoints at once
// take turns, and the second one's checks (a later statement, so a fresh
// snapshot) see the checkpoint the first committed: sizes only grow with seq.
func (x q) AddCheckpoint(ctx context.Context, c evidence.StoredCheckpoint) (evidence.StoredCheckpoint, error) {
	if _, err := x.db.ExecContext(ctx, `SELECT 1 FROM evidence_state WHERE id = 1 FOR UPDATE`); err != nil {
		return c, translate(err)
	}
	var seq int64
	err := x.db.QueryRowContext(ctx, `INSERT INTO evidence_checkpoints (size, seq, root, note, created_at)
		SELECT $1::bigint, checkpoints + 1, $2::bytea, $3::text, $4::bigint FROM evidence_state
		WHERE id = 1 AND $1::bigint <= size AND NOT EXISTS (SELECT 1 FROM evidence_checkpoints WHERE size >= $1::bigint)
		RETURNING seq`, int64(c.Size), c.Root, string(c.Note), ms(c.CreatedAt)).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("%w: a checkpoint of size %d or more exists", store.ErrConflict, c.Size)
	} else if err != nil {
		return c, translate(err)
	}
	if _, err := x.db.ExecContext(ctx, `UPDATE evidence_state SET checkpoints = $1 WHERE id = 1`, seq); err != nil {
		return c, translate(err)
	}
	c.Seq = uint64(seq)
	return c, nil
}

// FiscalReceiptByBillNumber finds the fiscal receipt with a bill code and
// bill number, for verification by the "three elements" (票据代码, 票据号码,
// 校验码); the caller checks the check code against the signed payload. The
// canonical payload encoding (voucher.Document) writes the two fields
// adjacently with no whitespace, so one substring test selects the row. The
// test is on the bytes (position in BYTEA): casting BYTEA to TEXT in
// PostgreSQL gives its hex escape, not the text, and decoding it would fail
// on any payload that is not valid UTF-8.
func (x q) FiscalReceiptByBillNumber(ctx context.Context, billCode, billNumber string) (voucher.Voucher, error) {
	needle := `"bill_code":"` + billCode + `","bill_number":"` + billNumber + `"`
	return scanVoucher(x.db.QueryRowContext(ctx, `SELECT `+voucherColumns+` FROM vouchers v
		WHERE v.kind = 'fiscal_receipt' AND position($1::bytea IN v.payload) > 0 LIMIT 1`, []byte(needle)))
}

// FiscalReceiptByBillNumber is q.FiscalReceiptByBillNumber on the pool.
func (d *DB) FiscalReceiptByBillNumber(ctx context.Context, billCode, billNumber string) (voucher.Voucher, error) {
	return d.reader().FiscalReceiptByBillNumber(ctx, billCode, billNumber)
}

// Evidence adapts the DB to evidence.Store: reads on the pool, a new
// checkpoint in its own transaction. Appends go through a *Tx, which
// implements evidence.TxStore.
func (d *DB) Evidence() evidence.Store { return evidenceStore{d.reader(), d} }

type evidenceStore struct {
	q
	d *DB
}

func (e evidenceStore) AddCheckpoint(ctx context.Context, c evidence.StoredCheckpoint) (out evidence.StoredCheckpoint, err error) {
	err = e.d.InTx(ctx, func(tx *Tx) error {
		out, err = tx.AddCheckpoint(ctx, c)
		return err
	})
	return out, err
}

var (
	_ evidence.Store   = evidenceStore{}
	_ evidence.TxStore = (*Tx)(nil)
)
