package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"

	"github.com/shebao-project/shebao/internal/evidence"
	"github.com/shebao-project/shebao/internal/store"
	"github.com/shebao-project/shebao/internal/voucher"
)

// The evidence log's queries (package evidence; tables of 0002_evidence.sql).
// Indexes and sizes are uint64 in Go and INTEGER here; they never come near
// 2^63.

// ReserveEvidence implements evidence.TxStore. The UPDATE takes SQLite's
// write lock (the writer is already exclusive), so the range it returns is
// the caller's until the transaction ends.
func (x q) ReserveEvidence(ctx context.Context, n int) (uint64, error) {
	var first int64
	err := x.db.QueryRowContext(ctx, `UPDATE evidence_state SET size = size + ? WHERE id = 1 RETURNING size - ?`, n, n).Scan(&first)
	return uint64(first), translate(err)
}

// EvidenceNodes implements evidence.TxStore and evidence.Reader: one primary
// key lookup per node, O(log n) of them per proof.
func (x q) EvidenceNodes(ctx context.Context, ids []evidence.NodeID) ([][]byte, error) {
	out := make([][]byte, len(ids))
	for i, id := range ids {
		var err error
		if id.Level == 0 {
			err = x.db.QueryRowContext(ctx, `SELECT leaf_hash FROM evidence_leaves WHERE idx = ?`, int64(id.Index)).Scan(&out[i])
		} else {
			err = x.db.QueryRowContext(ctx, `SELECT hash FROM evidence_nodes WHERE level = ? AND idx = ?`, id.Level, int64(id.Index)).Scan(&out[i])
		}
		if err != nil {
			return nil, fmt.Errorf("evidence node %d/%d: %w", id.Level, id.Index, translate(err))
		}
	}
	return out, nil
}

// InsertEvidence implements evidence.TxStore.
func (x q) InsertEvidence(ctx context.Context, leaves []evidence.StoredLeaf, nodes []evidence.Node) error {
	for _, l := range leaves {
		if _, err := x.db.ExecContext(ctx, `INSERT INTO evidence_leaves (idx, kind, ref, data, leaf_hash, appended_at) VALUES (?,?,?,?,?,?)`,
			int64(l.Index), string(l.Kind), l.Ref, l.Data, l.Hash, ms(l.AppendedAt)); err != nil {
			return translate(err)
		}
	}
	for _, n := range nodes {
		if _, err := x.db.ExecContext(ctx, `INSERT INTO evidence_nodes (level, idx, hash) VALUES (?,?,?)`,
			n.ID.Level, int64(n.ID.Index), n.Hash); err != nil {
			return translate(err)
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

// EvidenceLeaves implements evidence.Reader.
func (x q) EvidenceLeaves(ctx context.Context, from uint64, limit int) ([]evidence.StoredLeaf, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT idx, kind, ref, data, leaf_hash, appended_at FROM evidence_leaves
		WHERE idx >= ? ORDER BY idx LIMIT ?`, int64(from), limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []evidence.StoredLeaf
	for rows.Next() {
		l, err := scanLeaf(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, translate(rows.Err())
}

func scanLeaf(row interface{ Scan(...any) error }) (evidence.StoredLeaf, error) {
	var l evidence.StoredLeaf
	var idx, at int64
	var kind string
	err := row.Scan(&idx, &kind, &l.Ref, &l.Data, &l.Hash, &at)
	l.Index, l.Kind, l.AppendedAt = uint64(idx), evidence.LeafKind(kind), fromMS(at)
	return l, translate(err)
}

// EvidenceLeafByRef implements evidence.Reader.
func (x q) EvidenceLeafByRef(ctx context.Context, kind evidence.LeafKind, ref string) (evidence.StoredLeaf, error) {
	return scanLeaf(x.db.QueryRowContext(ctx, `SELECT idx, kind, ref, data, leaf_hash, appended_at FROM evidence_leaves
		WHERE kind = ? AND ref = ?`, string(kind), ref))
}

const checkpointColumns = `seq, size, root, note, created_at`

func scanCheckpoint(row interface{ Scan(...any) error }) (evidence.StoredCheckpoint, error) {
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
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []evidence.StoredCheckpoint
	for rows.Next() {
		c, err := scanCheckpoint(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, translate(rows.Err())
}

// LatestCheckpoint implements evidence.Reader.
func (x q) LatestCheckpoint(ctx context.Context) (evidence.StoredCheckpoint, error) {
	return scanCheckpoint(x.db.QueryRowContext(ctx, `SELECT `+checkpointColumns+` FROM evidence_checkpoints ORDER BY seq DESC LIMIT 1`))
}

// AddCheckpoint stores c as the next checkpoint; run it in a transaction
// (the Evidence adapter does). store.ErrConflict if a checkpoint of c.Size or
// larger exists, or c.Size is beyond the log.
func (x q) AddCheckpoint(ctx context.Context, c evidence.StoredCheckpoint) (evidence.StoredCheckpoint, error) {
	var seq int64
	err := x.db.QueryRowContext(ctx, `INSERT INTO evidence_checkpoints (size, seq, root, note, created_at)
		SELECT ?, checkpoints + 1, ?, ?, ? FROM evidence_state
		WHERE id = 1 AND ? <= size AND NOT EXISTS (SELECT 1 FROM evidence_checkpoints WHERE size >= ?)
		RETURNING seq`, int64(c.Size), c.Root, string(c.Note), ms(c.CreatedAt), int64(c.Size), int64(c.Size)).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("%w: a checkpoint of size %d or more exists", store.ErrConflict, c.Size)
	} else if err != nil {
		return c, translate(err)
	}
	if _, err := x.db.ExecContext(ctx, `UPDATE evidence_state SET checkpoints = ? WHERE id = 1`, seq); err != nil {
		return c, translate(err)
	}
	c.Seq = uint64(seq)
	return c, nil
}

// FiscalReceiptByBillNumber finds the fiscal receipt with a bill code and
// bill number, for verification by the "three elements" (票据代码, 票据号码,
// 校验码); the caller checks the check code against the signed payload. The
// canonical payload encoding (voucher.Document) writes the two fields
// adjacently with no whitespace, so one substring test selects the row; it
// scans the fiscal receipts, which suits the offline tool (an expression
// index would serve a public endpoint).
func (x q) FiscalReceiptByBillNumber(ctx context.Context, billCode, billNumber string) (voucher.Voucher, error) {
	needle := `"bill_code":"` + billCode + `","bill_number":"` + billNumber + `"`
	return scanVoucher(x.db.QueryRowContext(ctx, `SELECT `+voucherColumns+` FROM vouchers
		WHERE kind = 'fiscal_receipt' AND instr(CAST(payload AS TEXT), ?) > 0 LIMIT 1`, needle))
}

// FiscalReceiptByBillNumber is q.FiscalReceiptByBillNumber on the read pool.
func (d *DB) FiscalReceiptByBillNumber(ctx context.Context, billCode, billNumber string) (voucher.Voucher, error) {
	return d.reader().FiscalReceiptByBillNumber(ctx, billCode, billNumber)
}

// Evidence adapts the DB to evidence.Store: reads on the read pool, a new
// checkpoint in its own write transaction. Appends go through a *Tx, which
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

// OpenReadOnly opens an existing database for reading only, without
// migrating it, for offline tools (`shebao verify`, `shebao log verify`)
// that must not change the file they check. Every write fails.
func OpenReadOnly(ctx context.Context, path string) (*DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	v := url.Values{}
	v.Add("_pragma", "busy_timeout(10000)")
	v.Add("_pragma", "query_only(1)")
	r, err := sql.Open("sqlite", "file:"+path+"?"+v.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := r.PingContext(ctx); err != nil {
		r.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return &DB{w: r, r: r, ws: newStmtCache(r), rs: newStmtCache(r)}, nil
}
