package postgres

// The agency's side (issue #8): operators and their audit log here, tickets
// and the FAQ in tickets.go, the console's reads in console.go. Each domain
// gets an adapter so that none of these names joins DB's own method set.

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/shebao-project/shebao/internal/console"
	"github.com/shebao-project/shebao/internal/operator"
	"github.com/shebao-project/shebao/internal/ticket"
)

// OperatorStore adapts the DB to operator.Store.
func (d *DB) OperatorStore() operator.Store { return operatorStore{d} }

// TicketStore adapts the DB to ticket.Store.
func (d *DB) TicketStore() ticket.Store { return ticketStore{d} }

// ConsoleStore adapts the DB to console.Store.
func (d *DB) ConsoleStore() console.Store { return consoleStore{d} }

var (
	_ operator.Store = operatorStore{}
	_ ticket.Store   = ticketStore{}
	_ ticket.Tx      = ticketTx{}
	_ console.Store  = consoleStore{}
)

// zms stores a time that may be unset as 0; fromZMS reads it back.
func zms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromZMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return fromMS(v)
}

type operatorStore struct{ d *DB }

const operatorColumns = `id, name, display_name, role, password_hash, totp_sealed, totp_last_step, failed_logins,
	locked_until, disabled, created_at, created_by`

func scanOperator(row scanner) (operator.Operator, error) {
	var o operator.Operator
	var locked, created int64
	err := row.Scan(&o.ID, &o.Name, &o.DisplayName, &o.Role, &o.PasswordHash, &o.TOTPSealed, &o.TOTPLastStep,
		&o.FailedLogins, &locked, &o.Disabled, &created, &o.CreatedBy)
	o.LockedUntil, o.CreatedAt = fromZMS(locked), fromMS(created)
	return o, translate(err)
}

func (s operatorStore) CreateOperator(ctx context.Context, o operator.Operator) error {
	return s.d.writer().insert(ctx, "operator "+o.Name, `INSERT INTO operators (`+operatorColumns+`)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) ON CONFLICT DO NOTHING`,
		o.ID, o.Name, o.DisplayName, o.Role, o.PasswordHash, o.TOTPSealed, o.TOTPLastStep, o.FailedLogins,
		zms(o.LockedUntil), o.Disabled, ms(o.CreatedAt), o.CreatedBy)
}

func (s operatorStore) OperatorByID(ctx context.Context, id string) (operator.Operator, error) {
	return scanOperator(s.d.reader().db.QueryRowContext(ctx, `SELECT `+operatorColumns+` FROM operators WHERE id = $1`, id))
}

func (s operatorStore) OperatorByName(ctx context.Context, name string) (operator.Operator, error) {
	return scanOperator(s.d.reader().db.QueryRowContext(ctx, `SELECT `+operatorColumns+` FROM operators WHERE name = $1`, name))
}

func (s operatorStore) Operators(ctx context.Context) ([]operator.Operator, error) {
	rows, err := s.d.reader().db.QueryContext(ctx, `SELECT `+operatorColumns+` FROM operators ORDER BY name`)
	return scanAll(rows, err, scanOperator)
}

// RecordLoginFailure: the count is not reset when a lock ends, so after a
// lock the next failure locks again, until a good login or an unlock. One
// statement: concurrent failures queue on the row, and each one counts.
func (s operatorStore) RecordLoginFailure(ctx context.Context, id string, max int, lockUntil time.Time) (int, error) {
	var n int
	err := s.d.writer().db.QueryRowContext(ctx, `UPDATE operators SET failed_logins = failed_logins + 1,
		locked_until = CASE WHEN failed_logins + 1 >= $1 THEN $2 ELSE locked_until END
		WHERE id = $3 RETURNING failed_logins`, max, ms(lockUntil), id).Scan(&n)
	return n, translate(err)
}

func (s operatorStore) ClearLoginFailures(ctx context.Context, id string) error {
	_, err := s.d.writer().db.ExecContext(ctx, `UPDATE operators SET failed_logins = 0, locked_until = 0 WHERE id = $1`, id)
	return translate(err)
}

// UseTOTPStep accepts a code's time step once (RFC 6238 §5.2): of two
// logins with the same code, the second re-checks the step on the row the
// first left and is refused.
func (s operatorStore) UseTOTPStep(ctx context.Context, id string, step int64) (bool, error) {
	w := s.d.writer()
	n, err := w.rowsAffected(w.db.ExecContext(ctx, `UPDATE operators SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1`, step, id))
	return n == 1, err
}

func (s operatorStore) SetOperatorDisabled(ctx context.Context, id string, disabled bool) error {
	_, err := s.d.writer().db.ExecContext(ctx, `UPDATE operators SET disabled = $1 WHERE id = $2`, disabled, id)
	return translate(err)
}

func (s operatorStore) CreateOperatorSession(ctx context.Context, x operator.Session) error {
	return s.d.writer().insert(ctx, "operator session", `INSERT INTO operator_sessions (token_hash, operator_id, created_at, last_seen, expires_at)
		VALUES ($1,$2,$3,$4,$5) ON CONFLICT DO NOTHING`, x.TokenHash, x.OperatorID, ms(x.CreatedAt), ms(x.LastSeen), ms(x.ExpiresAt))
}

func (s operatorStore) OperatorSession(ctx context.Context, h []byte) (operator.Session, error) {
	var x operator.Session
	var created, seen, expires int64
	err := s.d.reader().db.QueryRowContext(ctx, `SELECT token_hash, operator_id, created_at, last_seen, expires_at
		FROM operator_sessions WHERE token_hash = $1`, h).Scan(&x.TokenHash, &x.OperatorID, &created, &seen, &expires)
	x.CreatedAt, x.LastSeen, x.ExpiresAt = fromMS(created), fromMS(seen), fromMS(expires)
	return x, translate(err)
}

func (s operatorStore) TouchOperatorSession(ctx context.Context, h []byte, at time.Time) error {
	_, err := s.d.writer().db.ExecContext(ctx, `UPDATE operator_sessions SET last_seen = $1 WHERE token_hash = $2`, ms(at), h)
	return translate(err)
}

func (s operatorStore) DeleteOperatorSession(ctx context.Context, h []byte) error {
	_, err := s.d.writer().db.ExecContext(ctx, `DELETE FROM operator_sessions WHERE token_hash = $1`, h)
	return translate(err)
}

func (s operatorStore) DeleteOperatorSessions(ctx context.Context, id string) error {
	_, err := s.d.writer().db.ExecContext(ctx, `DELETE FROM operator_sessions WHERE operator_id = $1`, id)
	return translate(err)
}

// operatorChainLock is the advisory lock key that serialises appends to
// the operator audit chain; it spells "SBOA".
const operatorChainLock = 0x53424f41

// AppendAudit reads the last entry and inserts the next in one transaction.
// SQLite's single writer serialises appenders; here the chain is locked
// first, until commit, so seq has no gaps and every entry chains to the one
// before even with several app servers.
func (s operatorStore) AppendAudit(ctx context.Context, e operator.Entry, seal func(*operator.Entry)) (operator.Entry, error) {
	start := e
	err := s.d.InTx(ctx, func(tx *Tx) error {
		e = start // InTx may run this again after a deadlock
		if _, err := tx.db.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(operatorChainLock)); err != nil {
			return err
		}
		err := tx.db.QueryRowContext(ctx, `SELECT seq, hash FROM operator_audit ORDER BY seq DESC LIMIT 1`).Scan(&e.Seq, &e.PrevHash)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		e.Seq++
		seal(&e)
		_, err = tx.db.ExecContext(ctx, `INSERT INTO operator_audit (seq, at, operator, action, target, reason, detail, prev_hash, hash)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`, e.Seq, ms(e.At), e.Operator, e.Action, e.Target, e.Reason, e.Detail, e.PrevHash, e.Hash)
		return err
	})
	return e, err
}

const operatorAuditColumns = `seq, at, operator, action, target, reason, detail, prev_hash, hash`

func scanOperatorAudit(row scanner) (operator.Entry, error) {
	var e operator.Entry
	var at int64
	err := row.Scan(&e.Seq, &at, &e.Operator, &e.Action, &e.Target, &e.Reason, &e.Detail, &e.PrevHash, &e.Hash)
	e.At = fromMS(at)
	return e, translate(err)
}

func (s operatorStore) AuditEntries(ctx context.Context, after int64, limit int) ([]operator.Entry, error) {
	rows, err := s.d.reader().db.QueryContext(ctx, `SELECT `+operatorAuditColumns+` FROM operator_audit WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	return scanAll(rows, err, scanOperatorAudit)
}

func (s operatorStore) RecentAudit(ctx context.Context, before int64, limit int) ([]operator.Entry, error) {
	if before <= 0 {
		before = 1 << 62
	}
	rows, err := s.d.reader().db.QueryContext(ctx, `SELECT `+operatorAuditColumns+` FROM operator_audit WHERE seq < $1 ORDER BY seq DESC LIMIT $2`, before, limit)
	return scanAll(rows, err, scanOperatorAudit)
}
