package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/shebao-project/shebao/internal/audit"
	"github.com/shebao-project/shebao/internal/ledger"
	"github.com/shebao-project/shebao/internal/money"
)

// UnbalancedPostings implements audit.Store.
func (x q) UnbalancedPostings(ctx context.Context) ([]string, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT p.order_id, p.kind, sum(e.amount_fen), count(e.amount_fen)
		FROM ledger_postings p LEFT JOIN ledger_entries e ON e.posting_id = p.id
		GROUP BY p.id HAVING coalesce(sum(e.amount_fen), 0) <> 0 OR count(e.amount_fen) < 2`)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var order, kind string
		var sum sql.NullInt64
		var n int
		if err := rows.Scan(&order, &kind, &sum, &n); err != nil {
			return nil, translate(err)
		}
		out = append(out, fmt.Sprintf("%s/%s sums to %d fen over %d entries", order, kind, sum.Int64, n))
	}
	return out, translate(rows.Err())
}

// AuditOrders implements audit.Store: one pass over orders in pages, each
// with its postings, vouchers, bills and refund gathered by subqueries.
func (x q) AuditOrders(ctx context.Context, fn func(audit.OrderFacts) error) error {
	after := ""
	for {
		page, err := x.auditPage(ctx, after, 500)
		if err != nil || len(page) == 0 {
			return err
		}
		for _, f := range page {
			if err := fn(f); err != nil {
				return err
			}
		}
		after = page[len(page)-1].ID
	}
}

func (x q) auditPage(ctx context.Context, after string, limit int) ([]audit.OrderFacts, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT o.id, o.state, o.amount_fen,
		(SELECT count(*) FROM vouchers v WHERE v.order_id = o.id),
		(SELECT count(*) FROM bills b WHERE b.paid_order_id = o.id),
		(SELECT coalesce(sum(b.amount_fen), 0) FROM bills b WHERE b.paid_order_id = o.id),
		(SELECT count(*) FROM bills b WHERE b.order_id = o.id),
		(SELECT count(*) FROM order_bills ob WHERE ob.order_id = o.id),
		coalesce((SELECT r.status FROM refunds r WHERE r.order_id = o.id), '')
		FROM orders o WHERE o.id > ? ORDER BY o.id LIMIT ?`, after, limit)
	if err != nil {
		return nil, translate(err)
	}
	var out []audit.OrderFacts
	for rows.Next() {
		f := audit.OrderFacts{Postings: map[ledger.Kind]money.Fen{}}
		if err := rows.Scan(&f.ID, &f.State, &f.AmountFen, &f.Vouchers, &f.BillsPaid, &f.BillsPaidFen, &f.BillsHeld, &f.Bills, &f.RefundStatus); err != nil {
			rows.Close()
			return nil, translate(err)
		}
		out = append(out, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	for i := range out {
		if err := x.orderPostings(ctx, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// orderPostings sums each posting's debits: the amount the movement moved.
func (x q) orderPostings(ctx context.Context, f *audit.OrderFacts) error {
	rows, err := x.db.QueryContext(ctx, `SELECT p.kind, coalesce(sum(CASE WHEN e.amount_fen > 0 THEN e.amount_fen END), 0)
		FROM ledger_postings p JOIN ledger_entries e ON e.posting_id = p.id WHERE p.order_id = ? GROUP BY p.id`, f.ID)
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k ledger.Kind
		var v money.Fen
		if err := rows.Scan(&k, &v); err != nil {
			return translate(err)
		}
		f.Postings[k] += v
	}
	return translate(rows.Err())
}
