package sqlite

import (
	"context"
	"database/sql"

	"github.com/shebao-project/shebao/internal/payment"
)

// OrderAttempts lists every order that included any of orderID's bills,
// orderID's own included, oldest first: the attempts to pay the same
// contributions. order_bills keeps the link after an order closes.
func (x q) OrderAttempts(ctx context.Context, orderID string, limit int) ([]payment.Order, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT o.id FROM orders o WHERE o.id IN (
			SELECT ob.order_id FROM order_bills ob WHERE ob.bill_id IN (SELECT bill_id FROM order_bills WHERE order_id = ?))
		ORDER BY o.created_at, o.id LIMIT ?`, orderID, limit)
	return x.ordersByIDs(ctx, rows, err)
}

// ordersByIDs reads the orders whose ids rows lists, in that order.
func (x q) ordersByIDs(ctx context.Context, rows *sql.Rows, err error) ([]payment.Order, error) {
	if err != nil {
		return nil, translate(err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, translate(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	out := make([]payment.Order, 0, len(ids))
	for _, id := range ids {
		o, err := x.OrderByID(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

func (d *DB) OrderAttempts(ctx context.Context, orderID string, limit int) ([]payment.Order, error) {
	return d.reader().OrderAttempts(ctx, orderID, limit)
}
