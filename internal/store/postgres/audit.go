package postgres

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
	rows, err := x.db.QueryContext(ctx, `SELECT p.order_id, p.kind, sum(e.amount_fen)::bigint, count(e.amount_fen)
		FROM ledger_postings p LEFT JOIN ledger_entries e ON e.posting_id = p.id
		GROUP BY p.id HAVING coalesce(sum(e.amount_fen), 0) <> 0 OR count(e.amount_fen) < 2`)
	return scanAll(rows, err, func(rows scanner) (string, error) {
		var order, kind string
		var sum sql.NullInt64
		var n int
		err := rows.Scan(&order, &kind, &sum, &n)
		return fmt.Sprintf("%s/%s sums to %d fen over %d entries", order, kind, sum.Int64, n), err
	})
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
		(SELECT coalesce(sum(b.amount_fen), 0)::bigint FROM bills b WHERE b.paid_order_id = o.id),
		(SELECT count(*) FROM bills b WHERE b.order_id = o.id),
		(SELECT count(*) FROM order_bills ob WHERE ob.order_id = o.id),
		coalesce((SELECT r.status FROM refunds r WHERE r.order_id = o.id), '')
		FROM orders o WHERE o.id > $1 ORDER BY o.id LIMIT $2`, after, limit)
	out, err := scanAll(rows, err, func(rows scanner) (audit.OrderFacts, error) {
		f := audit.OrderFacts{Postings: map[ledger.Kind]money.Fen{}}
		err := rows.Scan(&f.ID, &f.State, &f.AmountFen, &f.Vouchers, &f.BillsPaid, &f.BillsPaidFen, &f.BillsHeld, &f.Bills, &f.RefundStatus)
		return f, err
	})
	if err != nil {
		return nil, err
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
	rows, err := x.db.QueryContext(ctx, `SELECT p.kind, coalesce(sum(CASE WHEN e.amount_fen > 0 THEN e.amount_fen END), 0)::bigint
		FROM ledger_postings p JOIN ledger_entries e ON e.posting_id = p.id WHERE p.order_id = $1 GROUP BY p.id`, f.ID)
	type moved struct {
		kind ledger.Kind
		fen  money.Fen
	}
	moves, err := scanAll(rows, err, func(rows scanner) (moved, error) {
		var m moved
		err := rows.Scan(&m.kind, &m.fen)
		return m, err
	})
	for _, m := range moves {
		f.Postings[m.kind] += m.fen
	}
	return err
}
