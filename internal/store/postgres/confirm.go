package postgres

import (
	"context"
	"time"

	"github.com/shebao-project/shebao/internal/store"
)

// ConfirmSession records that the session's person has just confirmed a
// sensitive step with a second factor.
func (x q) ConfirmSession(ctx context.Context, hash []byte, at time.Time) error {
	n, err := x.rowsAffected(x.db.ExecContext(ctx, `UPDATE sessions SET confirmed_at = $1 WHERE token_hash = $2`, ms(at), hash))
	if err == nil && n == 0 {
		return store.ErrNotFound
	}
	return err
}

// UpdatePhone replaces a person's phone number (sealed, its blind index and
// the masked form); store.ErrConflict when another person has that number.
func (x q) UpdatePhone(ctx context.Context, personID string, sealed, index []byte, masked string) error {
	n, err := x.rowsAffected(x.db.ExecContext(ctx,
		`UPDATE persons SET phone_sealed = $1, phone_index = $2, phone_masked = $3 WHERE id = $4`, sealed, index, masked, personID))
	if err == nil && n == 0 {
		return store.ErrNotFound
	}
	return err
}
