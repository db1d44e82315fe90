package sqlite

import (
	"context"
	"errors"

	"github.com/shebao-project/shebao/internal/auditlog"
	"github.com/shebao-project/shebao/internal/store"
)

// LastAuditEntry implements auditlog.Store.
func (x q) LastAuditEntry(ctx context.Context) (auditlog.Entry, bool, error) {
	var e auditlog.Entry
	var at int64
	err := x.db.QueryRowContext(ctx, `SELECT seq, at, actor, action, target, detail, prev_hash, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).
		Scan(&e.Seq, &at, &e.Actor, &e.Action, &e.Target, &e.Detail, &e.PrevHash, &e.Hash)
	if err != nil {
		if err = translate(err); isNotFound(err) {
			return e, false, nil
		}
		return e, false, err
	}
	e.At = fromMS(at)
	return e, true, nil
}

// InsertAuditEntry implements auditlog.Store.
func (x q) InsertAuditEntry(ctx context.Context, e auditlog.Entry) error {
	_, err := x.db.ExecContext(ctx, `INSERT INTO audit_log (seq, at, actor, action, target, detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?)`,
		e.Seq, ms(e.At), e.Actor, e.Action, e.Target, e.Detail, e.PrevHash, e.Hash)
	return translate(err)
}

// AuditEntries implements auditlog.Reader.
func (x q) AuditEntries(ctx context.Context, after int64, limit int) ([]auditlog.Entry, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT seq, at, actor, action, target, detail, prev_hash, hash FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []auditlog.Entry
	for rows.Next() {
		var e auditlog.Entry
		var at int64
		if err := rows.Scan(&e.Seq, &at, &e.Actor, &e.Action, &e.Target, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
			return nil, translate(err)
		}
		e.At = fromMS(at)
		out = append(out, e)
	}
	return out, translate(rows.Err())
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
