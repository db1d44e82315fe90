package sqlite

import (
	"context"
	"fmt"

	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/store"
)

// An earlier refund attempt read as a payment.Refund: the order's amount
// and reason with the attempt's own number, status and provider status.
const (
	earlierAttemptColumns = `a.out_refund_no, a.order_id, r.amount_fen, r.reason, a.status, a.refund_id,
		a.created_at, a.updated_at, a.attempt, a.provider_status`
	earlierAttemptJoin = ` FROM refund_attempts a JOIN refunds r ON r.order_id = a.order_id`
	attemptColumns     = `out_refund_no, order_id, attempt, status, provider_status, refund_id, created_at, updated_at`
)

// RetryRefund implements payment.Tx. The current attempt is copied among
// the earlier ones first: two retries of the same attempt meet on that
// row's primary key, and the second is store.ErrConflict.
func (x q) RetryRefund(ctx context.Context, p payment.RetryRefundParams) error {
	n, err := x.rowsAffected(x.db.ExecContext(ctx, `INSERT INTO refund_attempts (`+attemptColumns+`)
		SELECT `+attemptColumns+` FROM refunds WHERE order_id = ?1 AND attempt = ?2 AND status = 'failed'
		ON CONFLICT DO NOTHING`, p.OrderID, p.Attempt))
	if err == nil && n != 1 {
		err = fmt.Errorf("%w: no failed attempt to keep", store.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("refund of %s, attempt %d: %w", p.OrderID, p.Attempt, err)
	}
	n, err = x.rowsAffected(x.db.ExecContext(ctx, `UPDATE refunds SET out_refund_no = ?1, attempt = ?2, status = ?3,
		provider_status = '', refund_id = '', created_at = ?4, updated_at = ?4 WHERE order_id = ?5 AND attempt = ?6 AND status = 'failed'`,
		p.OutRefundNo, p.Attempt+1, p.Status, ms(p.At), p.OrderID, p.Attempt))
	if err == nil && n != 1 {
		err = fmt.Errorf("%w: refund of %s is not at attempt %d", store.ErrConflict, p.OrderID, p.Attempt)
	}
	return err
}

// RefundAttempts implements payment.Tx and payment.Store.
func (x q) RefundAttempts(ctx context.Context, orderID string) ([]payment.RefundAttempt, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT `+attemptColumns+` FROM refund_attempts WHERE order_id = ?1 ORDER BY attempt`, orderID)
	return collect(rows, err, func(r scanner) (payment.RefundAttempt, error) {
		var a payment.RefundAttempt
		var created, updated int64
		err := r.Scan(&a.OutRefundNo, &a.OrderID, &a.Attempt, &a.Status, &a.ProviderStatus, &a.RefundID, &created, &updated)
		a.CreatedAt, a.UpdatedAt = fromMS(created), fromMS(updated)
		return a, translate(err)
	})
}

// UpdateRefundAttempt implements payment.Tx: what the provider said later
// of an earlier attempt.
func (x q) UpdateRefundAttempt(ctx context.Context, a payment.RefundAttempt) error {
	n, err := x.rowsAffected(x.db.ExecContext(ctx, `UPDATE refund_attempts SET status = ?1, provider_status = ?2, refund_id = ?3,
		updated_at = ?4 WHERE out_refund_no = ?5`, a.Status, a.ProviderStatus, a.RefundID, ms(a.UpdatedAt), a.OutRefundNo))
	if err == nil && n != 1 {
		err = fmt.Errorf("%w: refund attempt %s", store.ErrNotFound, a.OutRefundNo)
	}
	return err
}

// RefundAttempts lists an order's earlier refund attempts.
func (d *DB) RefundAttempts(ctx context.Context, orderID string) ([]payment.RefundAttempt, error) {
	return d.reader().RefundAttempts(ctx, orderID)
}
