package sqlite

import (
	"context"

	"github.com/shebao-project/shebao/internal/payment"
)

// OrderAttempts lists every order that included any of orderID's bills,
// orderID's own included, oldest first: the attempts to pay the same
// contributions. order_bills keeps the link after an order closes.
func (x q) OrderAttempts(ctx context.Context, orderID string, limit int) ([]payment.Order, error) {
	return x.ordersWhere(ctx, `WHERE id IN (
			SELECT ob.order_id FROM order_bills ob WHERE ob.bill_id IN (SELECT bill_id FROM order_bills WHERE order_id = ?))
		ORDER BY created_at, id LIMIT ?`, orderID, limit)
}

// ordersWhere reads the orders that a WHERE (and ORDER BY) clause selects,
// each with its bill ids, in one statement: it was one for the ids and one
// per order (two before an order's bill ids came with its row), and GET
// /api/v1/orders/{id}, which a payer's app polls, lists the attempts.
func (x q) ordersWhere(ctx context.Context, where string, args ...any) ([]payment.Order, error) {
	rows, err := x.db.QueryContext(ctx, selectOrder+` `+where, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []payment.Order{} // never nil, as before: lists are rendered as [] not null
	for rows.Next() {
		o, err := x.scanOrder(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, translate(rows.Err())
}

func (d *DB) OrderAttempts(ctx context.Context, orderID string, limit int) ([]payment.Order, error) {
	return d.reader().OrderAttempts(ctx, orderID, limit)
}
