package postgres

import (
	"context"

	"github.com/shebao-project/shebao/internal/payment"
)

// OrderAttempts lists every order that included any of orderID's bills,
// orderID's own included, oldest first: the attempts to pay the same
// contributions. order_bills keeps the link after an order closes.
func (x q) OrderAttempts(ctx context.Context, orderID string, limit int) ([]payment.Order, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT o.id FROM orders o WHERE o.id IN (
			SELECT ob.order_id FROM order_bills ob WHERE ob.bill_id IN (SELECT bill_id FROM order_bills WHERE order_id = $1))
		ORDER BY o.created_at, o.id LIMIT $2`, orderID, limit)
	return x.ordersByIDs(ctx, rows, err)
}

func (d *DB) OrderAttempts(ctx context.Context, orderID string, limit int) ([]payment.Order, error) {
	return d.reader().OrderAttempts(ctx, orderID, limit)
}
