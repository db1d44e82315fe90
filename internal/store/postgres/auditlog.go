package postgres

import (
	"context"
	"database/sql"
	"errors"

	"github.com/shebao-project/shebao/internal/auditlog"
)

// auditChainLock is the advisory lock key that serialises appends to the
// audit log's hash chain; it spells "SBAL".
const auditChainLock = 0x5342414c

const auditColumns = `seq, at, actor, action, target, detail, prev_hash, hash`

func scanAuditEntry(row scanner) (auditlog.Entry, error) {
	var e auditlog.Entry
	var at int64
	err := row.Scan(&e.Seq, &at, &e.Actor, &e.Action, &e.Target, &e.Detail, &e.PrevHash, &e.Hash)
	e.At = fromMS(at)
	return e, err
}

// LastAuditEntry implements auditlog.Store.
//
// An append reads the end of the chain and writes the next link in the
// caller's transaction. SQLite's single writer keeps two appends apart;
// here the chain is locked first, until the transaction ends, so a second
// append waits and then reads (in a fresh snapshot) the link the first one
// committed, instead of both chaining onto the same entry.
func (x q) LastAuditEntry(ctx context.Context) (auditlog.Entry, bool, error) {
	if _, err := x.db.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(auditChainLock)); err != nil {
		return auditlog.Entry{}, false, translate(err)
	}
	e, err := scanAuditEntry(x.db.QueryRowContext(ctx, `SELECT `+auditColumns+` FROM audit_log ORDER BY seq DESC LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		return e, false, nil
	}
	if err != nil {
		return e, false, translate(err)
	}
	return e, true, nil
}

// InsertAuditEntry implements auditlog.Store.
func (x q) InsertAuditEntry(ctx context.Context, e auditlog.Entry) error {
	return x.insert(ctx, "audit entry", `INSERT INTO audit_log (`+auditColumns+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) ON CONFLICT DO NOTHING`,
		e.Seq, ms(e.At), e.Actor, e.Action, e.Target, e.Detail, e.PrevHash, e.Hash)
}

// AuditEntries implements auditlog.Reader.
func (x q) AuditEntries(ctx context.Context, after int64, limit int) ([]auditlog.Entry, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	return scanAll(rows, err, scanAuditEntry)
}
