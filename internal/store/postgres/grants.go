package postgres

import (
	"context"
	"database/sql"
	"strings"

	"github.com/shebao-project/shebao/internal/auditlog"
	"github.com/shebao-project/shebao/internal/identity"
)

const grantColumns = `id, grantor_id, proxy_id, relationship, insurances, until_month, status, code_mac, code_attempts,
	created_at, consented_at, revoked_at, revoked_by`

func scanGrant(row scanner) (identity.Grant, error) {
	var g identity.Grant
	var ins string
	var created int64
	var consented, revoked sql.NullInt64
	err := row.Scan(&g.ID, &g.GrantorID, &g.ProxyID, &g.Relationship, &ins, &g.Until, &g.Status, &g.CodeMAC, &g.CodeAttempts,
		&created, &consented, &revoked, &g.RevokedBy)
	if ins != "" {
		g.Insurances = strings.Split(ins, ",")
	}
	g.CreatedAt, g.ConsentedAt, g.RevokedAt = fromMS(created), fromNullMS(consented), fromNullMS(revoked)
	return g, translate(err)
}

// InsertGrant stores a new grant; store.ErrConflict for a second live grant
// of the same pair (the partial unique index grants_live_pair).
func (x q) InsertGrant(ctx context.Context, g identity.Grant) error {
	return x.insert(ctx, "grant "+g.ID, `INSERT INTO grants (`+grantColumns+`)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) ON CONFLICT DO NOTHING`,
		g.ID, g.GrantorID, g.ProxyID, g.Relationship, strings.Join(g.Insurances, ","), g.Until, g.Status, g.CodeMAC, g.CodeAttempts,
		ms(g.CreatedAt), nullMS(g.ConsentedAt), nullMS(g.RevokedAt), g.RevokedBy)
}

func (x q) UpdateGrant(ctx context.Context, g identity.Grant) error {
	_, err := x.db.ExecContext(ctx, `UPDATE grants SET status = $1, code_mac = $2, code_attempts = $3, consented_at = $4,
		revoked_at = $5, revoked_by = $6 WHERE id = $7`,
		g.Status, g.CodeMAC, g.CodeAttempts, nullMS(g.ConsentedAt), nullMS(g.RevokedAt), g.RevokedBy, g.ID)
	return translate(err)
}

func (x q) GrantByID(ctx context.Context, id string) (identity.Grant, error) {
	return scanGrant(x.db.QueryRowContext(ctx, `SELECT `+grantColumns+` FROM grants WHERE id = $1`, id))
}

// GrantByID, in a transaction, reads a grant the transaction is about to
// change (a consent attempt counts code_attempts and may activate it), so
// the row is locked until commit: two attempts from two app servers take
// turns, as SQLite's single writer makes them, and neither count is lost.
func (x Tx) GrantByID(ctx context.Context, id string) (identity.Grant, error) {
	return scanGrant(x.db.QueryRowContext(ctx, `SELECT `+grantColumns+` FROM grants WHERE id = $1 FOR NO KEY UPDATE`, id))
}

// grantsWhere lists the grants whose column (a constant, never input) is id.
func (x q) grantsWhere(ctx context.Context, column, id string) ([]identity.Grant, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT `+grantColumns+` FROM grants WHERE `+column+` = $1 ORDER BY created_at DESC`, id)
	return scanAll(rows, err, scanGrant)
}

func (x q) GrantsForProxy(ctx context.Context, proxyID string) ([]identity.Grant, error) {
	return x.grantsWhere(ctx, "proxy_id", proxyID)
}

func (x q) GrantsForGrantor(ctx context.Context, grantorID string) ([]identity.Grant, error) {
	return x.grantsWhere(ctx, "grantor_id", grantorID)
}

func (x q) PersonByIDIndex(ctx context.Context, index []byte) (identity.PersonRecord, error) {
	return scanPerson(x.db.QueryRowContext(ctx, `SELECT `+personColumns+` FROM persons WHERE id_index = $1`, index))
}

// Grants adapts the DB to identity.GrantStore.
func (d *DB) Grants() identity.GrantStore { return grantStore{d} }

type grantStore struct{ *DB }

func (g grantStore) InGrantTx(ctx context.Context, fn func(identity.GrantTx) error) error {
	return g.DB.InTx(ctx, func(tx *Tx) error { return fn(tx) })
}
func (g grantStore) GrantByID(ctx context.Context, id string) (identity.Grant, error) {
	return g.reader().GrantByID(ctx, id)
}
func (g grantStore) GrantsForProxy(ctx context.Context, id string) ([]identity.Grant, error) {
	return g.reader().GrantsForProxy(ctx, id)
}
func (g grantStore) GrantsForGrantor(ctx context.Context, id string) ([]identity.Grant, error) {
	return g.reader().GrantsForGrantor(ctx, id)
}
func (g grantStore) PersonByIDIndex(ctx context.Context, index []byte) (identity.PersonRecord, error) {
	return g.reader().PersonByIDIndex(ctx, index)
}

// AuditEntries reads the audit log (auditlog.Reader).
func (d *DB) AuditEntries(ctx context.Context, after int64, limit int) ([]auditlog.Entry, error) {
	return d.reader().AuditEntries(ctx, after, limit)
}

var _ identity.GrantTx = (*Tx)(nil)
