package sqlite

import (
	"context"

	"github.com/shebao-project/shebao/internal/audit"
)

// auditRepaymentsQuery gathers each repayment with what the rest of the
// store says about it: the credits its transaction repaid and the debit
// totals of its two refund postings (-1 when absent).
const auditRepaymentsQuery = `SELECT r.id, r.status, r.refund_status, r.paid_fen, r.applied_fen, r.refund_fen,
	CAST(coalesce((SELECT sum(c.amount_fen) FROM credits c WHERE c.status = 'repaid' AND r.transaction_id <> ''
		AND c.repay_txn_id = r.transaction_id AND c.repay_channel = r.channel), 0) AS BIGINT),
	CAST(coalesce((SELECT sum(e.amount_fen) FROM ledger_postings p JOIN ledger_entries e ON e.posting_id = p.id
		WHERE p.kind = 'repay_excess:' || r.id AND e.amount_fen > 0), -1) AS BIGINT),
	CAST(coalesce((SELECT sum(e.amount_fen) FROM ledger_postings p JOIN ledger_entries e ON e.posting_id = p.id
		WHERE p.kind = 'repay_refunded:' || r.id AND e.amount_fen > 0), -1) AS BIGINT)
	FROM credit_repayments r ORDER BY r.id`

// AuditRepayments implements audit.Store.
func (d *DB) AuditRepayments(ctx context.Context, fn func(audit.RepaymentFacts) error) error {
	rows, err := d.reader().db.QueryContext(ctx, auditRepaymentsQuery)
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var f audit.RepaymentFacts
		if err := rows.Scan(&f.ID, &f.Status, &f.RefundStatus, &f.PaidFen, &f.AppliedFen, &f.RefundFen,
			&f.RepaidFen, &f.ExcessPosted, &f.RefundPosted); err != nil {
			return translate(err)
		}
		if err := fn(f); err != nil {
			return err
		}
	}
	return translate(rows.Err())
}
