package postgres

import (
	"context"
	"time"

	"github.com/shebao-project/shebao/internal/identity"
)

func (x q) PutPIN(ctx context.Context, p identity.PIN) error {
	_, err := x.db.ExecContext(ctx, `INSERT INTO ecard_pins (person_id, pin_hash, salt, failures, locked_until, set_at) VALUES ($1,$2,$3,0,0,$4)
		ON CONFLICT (person_id) DO UPDATE SET pin_hash = excluded.pin_hash, salt = excluded.salt, failures = 0, locked_until = 0, set_at = excluded.set_at`,
		p.PersonID, p.Hash, p.Salt, ms(p.SetAt))
	return translate(err)
}

func (x q) PINFor(ctx context.Context, personID string) (identity.PIN, error) {
	var p identity.PIN
	var locked, set int64
	err := x.db.QueryRowContext(ctx, `SELECT person_id, pin_hash, salt, failures, locked_until, set_at FROM ecard_pins WHERE person_id = $1`, personID).
		Scan(&p.PersonID, &p.Hash, &p.Salt, &p.Failures, &locked, &set)
	if locked != 0 {
		p.LockedUntil = fromMS(locked)
	}
	p.SetAt = fromMS(set)
	return p, translate(err)
}

// PINAttempt counts a failure, locking when the count reaches max, in one
// statement (concurrent failures queue on the row and each counts); a
// success resets the count.
func (x q) PINAttempt(ctx context.Context, personID string, ok bool, maxFailures int, lockUntil time.Time) error {
	if ok {
		_, err := x.db.ExecContext(ctx, `UPDATE ecard_pins SET failures = 0, locked_until = 0 WHERE person_id = $1`, personID)
		return translate(err)
	}
	_, err := x.db.ExecContext(ctx, `UPDATE ecard_pins SET
		locked_until = CASE WHEN failures + 1 >= $1 THEN $2 ELSE locked_until END,
		failures = CASE WHEN failures + 1 >= $1 THEN 0 ELSE failures + 1 END WHERE person_id = $3`,
		maxFailures, ms(lockUntil), personID)
	return translate(err)
}

func (x q) InsertFaceSession(ctx context.Context, id, personID, ref string, at time.Time) error {
	return x.insert(ctx, "face session "+id, `INSERT INTO face_sessions (id, person_id, provider_ref, created_at) VALUES ($1,$2,$3,$4)
		ON CONFLICT DO NOTHING`, id, personID, ref, ms(at))
}

func (x q) FaceSession(ctx context.Context, id string) (string, string, time.Time, error) {
	var person, ref string
	var at int64
	err := x.db.QueryRowContext(ctx, `SELECT person_id, provider_ref, created_at FROM face_sessions WHERE id = $1 AND NOT used`, id).Scan(&person, &ref, &at)
	return person, ref, fromMS(at), translate(err)
}

// UseFaceSession marks a session used, once: of two concurrent uses, the
// second waits for the first's row lock, re-checks NOT used, and matches
// nothing.
func (x q) UseFaceSession(ctx context.Context, id string) (bool, error) {
	n, err := x.rowsAffected(x.db.ExecContext(ctx, `UPDATE face_sessions SET used = true WHERE id = $1 AND NOT used`, id))
	return n == 1, err
}
