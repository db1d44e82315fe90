package postgres

import (
	"context"

	"github.com/shebao-project/shebao/internal/money"
)

// OffsetDebitedFen implements audit.Store: the family-offset orders whose
// debit from a medical personal account stands (paid and not refunded),
// which the medical_account_offset account must equal.
func (d *DB) OffsetDebitedFen(ctx context.Context) (money.Fen, error) {
	var fen money.Fen
	err := d.reader().db.QueryRowContext(ctx, `SELECT coalesce(sum(amount_fen), 0)::bigint FROM orders
		WHERE channel = 'family_offset' AND state IN ('paid', 'posting', 'credited', 'held', 'refunding')`).Scan(&fen)
	return fen, translate(err)
}
