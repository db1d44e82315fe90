package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/store"
)

const personColumns = `id, region, person_type, name_sealed, id_sealed, phone_sealed, id_index, phone_index,
	name_masked, id_masked, phone_masked, openid, mp_openid, created_at`

func scanPerson(row interface{ Scan(...any) error }) (identity.PersonRecord, error) {
	var p identity.PersonRecord
	var created int64
	err := row.Scan(personDest(&p, &created)...)
	p.CreatedAt = fromMS(created)
	return p, translate(err)
}

// personDest are the Scan destinations of personColumns, in order.
func personDest(p *identity.PersonRecord, created *int64) []any {
	return []any{&p.ID, &p.Region, &p.Type, &p.NameSealed, &p.IDSealed, &p.PhoneSealed, &p.IDIndex, &p.PhoneIndex,
		&p.NameMasked, &p.IDMasked, &p.PhoneMasked, &p.OpenID, &p.MiniOpenID, created}
}

func (x q) CreatePerson(ctx context.Context, p identity.PersonRecord) error {
	_, err := x.db.ExecContext(ctx, `INSERT INTO persons (`+personColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		p.ID, p.Region, p.Type, p.NameSealed, p.IDSealed, p.PhoneSealed, p.IDIndex, p.PhoneIndex,
		p.NameMasked, p.IDMasked, p.PhoneMasked, p.OpenID, p.MiniOpenID, ms(p.CreatedAt))
	return translate(err)
}

func (x q) PersonByID(ctx context.Context, id string) (identity.PersonRecord, error) {
	return scanPerson(x.db.QueryRowContext(ctx, `SELECT `+personColumns+` FROM persons WHERE id = ?`, id))
}

func (x q) PersonByPhoneIndex(ctx context.Context, index []byte) (identity.PersonRecord, error) {
	return scanPerson(x.db.QueryRowContext(ctx, `SELECT `+personColumns+` FROM persons WHERE phone_index = ?`, index))
}

// openIDColumn is where a WeChat app's openids are kept.
func openIDColumn(app string) (string, error) {
	switch app {
	case identity.AppOfficialAccount:
		return "openid", nil
	case identity.AppMiniProgram:
		return "mp_openid", nil
	}
	return "", fmt.Errorf("store: unknown WeChat app %q", app)
}

func (x q) PersonByOpenID(ctx context.Context, app, openID string) (identity.PersonRecord, error) {
	col, err := openIDColumn(app)
	if err != nil {
		return identity.PersonRecord{}, err
	}
	if openID == "" {
		return identity.PersonRecord{}, store.ErrNotFound
	}
	return scanPerson(x.db.QueryRowContext(ctx, `SELECT `+personColumns+` FROM persons WHERE `+col+` = ?`, openID))
}

// BindOpenID moves an app's openID to personID: the unique index refuses it
// if another person holds it (store.ErrConflict).
func (x q) BindOpenID(ctx context.Context, personID, app, openID string) error {
	col, err := openIDColumn(app)
	if err != nil {
		return err
	}
	res, err := x.db.ExecContext(ctx, `UPDATE persons SET `+col+` = ? WHERE id = ?`, openID, personID)
	if err != nil {
		return translate(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return translate(err)
	} else if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

func (x q) CountPersons(ctx context.Context) (int, error) {
	var n int
	err := x.db.QueryRowContext(ctx, `SELECT count(*) FROM persons`).Scan(&n)
	return n, translate(err)
}

func (x q) PutEnrolment(ctx context.Context, e identity.Enrolment) error {
	_, err := x.db.ExecContext(ctx, `INSERT INTO enrolments (person_id, insurance, status, since, base) VALUES (?,?,?,?,?)
		ON CONFLICT (person_id, insurance) DO UPDATE SET status = excluded.status, since = excluded.since, base = excluded.base`,
		e.PersonID, e.Insurance, e.Status, e.Since, e.Base)
	return translate(err)
}

func (x q) Enrolments(ctx context.Context, personID string) ([]identity.Enrolment, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT person_id, insurance, status, since, base FROM enrolments WHERE person_id = ? ORDER BY insurance`, personID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []identity.Enrolment
	for rows.Next() {
		var e identity.Enrolment
		if err := rows.Scan(&e.PersonID, &e.Insurance, &e.Status, &e.Since, &e.Base); err != nil {
			return nil, translate(err)
		}
		out = append(out, e)
	}
	return out, translate(rows.Err())
}

func (x q) PutSMSCode(ctx context.Context, c identity.SMSCode) error {
	_, err := x.db.ExecContext(ctx, `INSERT INTO sms_codes (phone_index, code_mac, sent_at, expires_at, attempts) VALUES (?,?,?,?,0)
		ON CONFLICT (phone_index) DO UPDATE SET code_mac = excluded.code_mac, sent_at = excluded.sent_at,
		expires_at = excluded.expires_at, attempts = 0`, c.PhoneIndex, c.CodeMAC, ms(c.SentAt), ms(c.ExpiresAt))
	return translate(err)
}

func scanSMS(row interface{ Scan(...any) error }) (identity.SMSCode, error) {
	var c identity.SMSCode
	var sent, exp int64
	err := row.Scan(&c.PhoneIndex, &c.CodeMAC, &sent, &exp, &c.Attempts)
	c.SentAt, c.ExpiresAt = fromMS(sent), fromMS(exp)
	return c, translate(err)
}

func (x q) SMSCodeFor(ctx context.Context, phoneIndex []byte) (identity.SMSCode, error) {
	return scanSMS(x.db.QueryRowContext(ctx, `SELECT phone_index, code_mac, sent_at, expires_at, attempts FROM sms_codes WHERE phone_index = ?`, phoneIndex))
}

// AttemptSMSCode counts the attempt in the same statement that checks the
// limit, so concurrent guesses cannot exceed it.
func (x q) AttemptSMSCode(ctx context.Context, phoneIndex []byte, now time.Time, maxAttempts int) (identity.SMSCode, error) {
	return scanSMS(x.db.QueryRowContext(ctx, `UPDATE sms_codes SET attempts = attempts + 1
		WHERE phone_index = ? AND attempts < ? AND expires_at > ?
		RETURNING phone_index, code_mac, sent_at, expires_at, attempts`, phoneIndex, maxAttempts, ms(now)))
}

func (x q) ConsumeSMSCode(ctx context.Context, phoneIndex, codeMAC []byte) (bool, error) {
	n, err := x.rowsAffected(x.db.ExecContext(ctx, `DELETE FROM sms_codes WHERE phone_index = ? AND code_mac = ?`, phoneIndex, codeMAC))
	return n == 1, err
}

func (x q) CreateSession(ctx context.Context, s identity.Session) error {
	_, err := x.db.ExecContext(ctx, `INSERT INTO sessions (token_hash, person_id, method, created_at, expires_at) VALUES (?,?,?,?,?)`,
		s.TokenHash, s.PersonID, s.Method, ms(s.CreatedAt), ms(s.ExpiresAt))
	return translate(err)
}

func (x q) SessionByTokenHash(ctx context.Context, hash []byte) (identity.Session, error) {
	var s identity.Session
	var created, exp int64
	var confirmed sql.NullInt64
	err := x.db.QueryRowContext(ctx, `SELECT token_hash, person_id, method, created_at, expires_at, confirmed_at FROM sessions WHERE token_hash = ?`, hash).
		Scan(&s.TokenHash, &s.PersonID, &s.Method, &created, &exp, &confirmed)
	s.CreatedAt, s.ExpiresAt, s.ConfirmedAt = fromMS(created), fromMS(exp), fromNullMS(confirmed)
	return s, translate(err)
}

// sessionPersonQuery reads a session and its person in one statement:
// every signed-in request needs both, and two statements cost twice the
// round trips through the database driver.
var sessionPersonQuery = `SELECT s.token_hash, s.person_id, s.method, s.created_at, s.expires_at, s.confirmed_at, ` +
	store.Qualified("p", personColumns) + ` FROM sessions s JOIN persons p ON p.id = s.person_id WHERE s.token_hash = ?`

func (x q) SessionWithPerson(ctx context.Context, hash []byte) (identity.Session, identity.PersonRecord, error) {
	var s identity.Session
	var p identity.PersonRecord
	var created, exp, pcreated int64
	var confirmed sql.NullInt64
	dest := append([]any{&s.TokenHash, &s.PersonID, &s.Method, &created, &exp, &confirmed}, personDest(&p, &pcreated)...)
	if err := x.db.QueryRowContext(ctx, sessionPersonQuery, hash).Scan(dest...); err != nil {
		return identity.Session{}, identity.PersonRecord{}, translate(err)
	}
	s.CreatedAt, s.ExpiresAt, s.ConfirmedAt = fromMS(created), fromMS(exp), fromNullMS(confirmed)
	p.CreatedAt = fromMS(pcreated)
	return s, p, nil
}

func (x q) DeleteSession(ctx context.Context, hash []byte) error {
	n, err := x.rowsAffected(x.db.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, hash))
	if err == nil && n == 0 {
		return store.ErrNotFound
	}
	return err
}

// DeleteExpiredSessions removes sessions that ended before now.
func (x q) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	return x.rowsAffected(x.db.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, ms(now)))
}

// PersonIDs pages through person ids in order, after the given one.
func (x q) PersonIDs(ctx context.Context, after string, limit int) ([]string, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT id FROM persons WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, translate(err)
		}
		ids = append(ids, id)
	}
	return ids, translate(rows.Err())
}
