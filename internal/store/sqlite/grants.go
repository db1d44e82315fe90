package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"github.com/shebao-project/shebao/internal/auditlog"
	"github.com/shebao-project/shebao/internal/identity"
)

const grantColumns = `id, grantor_id, proxy_id, relationship, insurances, until_month, status, code_mac, code_attempts,
	created_at, consented_at, revoked_at, revoked_by`

func scanGrant(row interface{ Scan(...any) error }) (identity.Grant, error) {
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

func (x q) InsertGrant(ctx context.Context, g identity.Grant) error {
	_, err := x.db.ExecContext(ctx, `INSERT INTO grants (`+grantColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		g.ID, g.GrantorID, g.ProxyID, g.Relationship, strings.Join(g.Insurances, ","), g.Until, g.Status, g.CodeMAC, g.CodeAttempts,
		ms(g.CreatedAt), nullMS(g.ConsentedAt), nullMS(g.RevokedAt), g.RevokedBy)
	return translate(err)
}

func (x q) UpdateGrant(ctx context.Context, g identity.Grant) error {
	_, err := x.db.ExecContext(ctx, `UPDATE grants SET status = ?, code_mac = ?, code_attempts = ?, consented_at = ?,
		revoked_at = ?, revoked_by = ? WHERE id = ?`,
		g.Status, g.CodeMAC, g.CodeAttempts, nullMS(g.ConsentedAt), nullMS(g.RevokedAt), g.RevokedBy, g.ID)
	return translate(err)
}

func (x q) GrantByID(ctx context.Context, id string) (identity.Grant, error) {
	return scanGrant(x.db.QueryRowContext(ctx, `SELECT `+grantColumns+` FROM grants WHERE id = ?`, id))
}

func (x q) grantsWhere(ctx context.Context, column, id string) ([]identity.Grant, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT `+grantColumns+` FROM grants WHERE `+column+` = ? ORDER BY created_at DESC`, id)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []identity.Grant
	for rows.Next() {
		g, err := scanGrant(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, translate(rows.Err())
}

func (x q) GrantsForProxy(ctx context.Context, proxyID string) ([]identity.Grant, error) {
	return x.grantsWhere(ctx, "proxy_id", proxyID)
}

func (x q) GrantsForGrantor(ctx context.Context, grantorID string) ([]identity.Grant, error) {
	return x.grantsWhere(ctx, "grantor_id", grantorID)
}

func (x q) PersonByIDIndex(ctx context.Context, index []byte) (identity.PersonRecord, error) {
	return scanPerson(x.db.QueryRowContext(ctx, `SELECT `+personColumns+` FROM persons WHERE id_index = ?`, index))
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

// AuditEntries reads the audit log (auditlog.Reader) from the read pool.
func (d *DB) AuditEntries(ctx context.Context, after int64, limit int) ([]auditlog.Entry, error) {
	return d.reader().AuditEntries(ctx, after, limit)
}

var _ identity.GrantTx = (*Tx)(nil)
