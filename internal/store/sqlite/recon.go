package sqlite

import (
	"context"
	"time"

	"github.com/shebao-project/shebao/internal/payment"
)

// OrdersPaidBetween implements payment.Store for reconciliation.
func (x q) OrdersPaidBetween(ctx context.Context, channel string, from, to time.Time) ([]payment.Order, error) {
	return x.ordersWhere(ctx, `WHERE channel = ? AND paid_at >= ? AND paid_at < ? ORDER BY paid_at`, channel, ms(from), ms(to))
}

// RecordDiff implements payment.Store; a difference found again keeps its
// first record but takes the newer outcome.
func (x q) RecordDiff(ctx context.Context, d payment.Diff, at time.Time) error {
	_, err := x.db.ExecContext(ctx, `INSERT INTO recon_diffs (channel, bill_date, out_trade_no, kind, detail, action, resolved, found_at)
		VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (channel, bill_date, out_trade_no, kind)
		DO UPDATE SET detail = excluded.detail, action = excluded.action, resolved = max(recon_diffs.resolved, excluded.resolved)`,
		d.Channel, d.Date, d.OutTradeNo, d.Kind, d.Detail, d.Action, d.Resolved, ms(at))
	return translate(err)
}

// OpenDiffs lists unresolved reconciliation differences, oldest first.
func (x q) OpenDiffs(ctx context.Context, limit int) ([]payment.Diff, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT channel, bill_date, out_trade_no, kind, detail, action, resolved
		FROM recon_diffs WHERE resolved = 0 ORDER BY found_at LIMIT ?`, limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []payment.Diff
	for rows.Next() {
		var d payment.Diff
		if err := rows.Scan(&d.Channel, &d.Date, &d.OutTradeNo, &d.Kind, &d.Detail, &d.Action, &d.Resolved); err != nil {
			return nil, translate(err)
		}
		out = append(out, d)
	}
	return out, translate(rows.Err())
}
