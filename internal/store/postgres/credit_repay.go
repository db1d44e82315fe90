package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/store"
)

// WeChat Pay repayments of overdue credits (migration 0020).

const repaymentColumns = `id, person_id, channel, out_trade_no, amount_fen, credit_order_ids, status, idempotency_key,
	request_hash, pay_params, transaction_id, paid_fen, applied_fen, refund_fen, coalesce(out_refund_no, ''), refund_status,
	refund_id, note, paid_at, expires_at, created_at, updated_at, version`

func scanRepayment(row interface{ Scan(...any) error }) (payment.Repayment, error) {
	var r payment.Repayment
	var ids, pp string
	var paid sql.NullInt64
	var expires, created, updated int64
	err := row.Scan(&r.ID, &r.PersonID, &r.Channel, &r.OutTradeNo, &r.AmountFen, &ids, &r.Status, &r.IdempotencyKey,
		&r.RequestHash, &pp, &r.TransactionID, &r.PaidFen, &r.AppliedFen, &r.RefundFen, &r.OutRefundNo, &r.RefundStatus,
		&r.RefundID, &r.Note, &paid, &expires, &created, &updated, &r.Version)
	if err != nil {
		return r, translate(err)
	}
	if ids != "" {
		r.CreditIDs = strings.Split(ids, ",")
	}
	if paid.Valid {
		r.PaidAt = fromMS(paid.Int64)
	}
	r.ExpiresAt, r.CreatedAt, r.UpdatedAt = fromMS(expires), fromMS(created), fromMS(updated)
	r.PayParams, err = decodePayParams(pp)
	return r, err
}

// FindRepayment finds a repayment by the one field of q that is set.
func (x q) FindRepayment(ctx context.Context, f payment.RepaymentQuery) (payment.Repayment, error) {
	var where string
	var args []any
	switch {
	case f.ID != "":
		where, args = "id = $1", []any{f.ID}
	case f.OutTradeNo != "":
		where, args = "out_trade_no = $1", []any{f.OutTradeNo}
	case f.OutRefundNo != "":
		where, args = "out_refund_no = $1", []any{f.OutRefundNo}
	case f.PersonID != "" && f.IdempotencyKey != "":
		where, args = "person_id = $1 AND idempotency_key = $2", []any{f.PersonID, f.IdempotencyKey}
	default:
		return payment.Repayment{}, fmt.Errorf("%w: empty repayment query", store.ErrNotFound)
	}
	return scanRepayment(x.db.QueryRowContext(ctx, `SELECT `+repaymentColumns+` FROM credit_repayments WHERE `+where, args...))
}

func (s creditStore) FindRepayment(ctx context.Context, f payment.RepaymentQuery) (payment.Repayment, error) {
	return s.reader().FindRepayment(ctx, f)
}

func (s creditStore) RepaymentsForPerson(ctx context.Context, personID string, limit int) ([]payment.Repayment, error) {
	return s.repayments(ctx, `SELECT `+repaymentColumns+` FROM credit_repayments WHERE person_id = $1
		ORDER BY created_at DESC, id DESC LIMIT $2`, personID, limit)
}

func (s creditStore) RepaymentRefundsOpen(ctx context.Context, limit int) ([]payment.Repayment, error) {
	return s.repayments(ctx, `SELECT `+repaymentColumns+` FROM credit_repayments
		WHERE refund_fen > 0 AND refund_status <> 'succeeded' ORDER BY paid_at, id LIMIT $1`, limit)
}

func (s creditStore) repayments(ctx context.Context, query string, args ...any) ([]payment.Repayment, error) {
	rows, err := s.reader().db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []payment.Repayment
	for rows.Next() {
		r, err := scanRepayment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, translate(rows.Err())
}

func (x Tx) InsertRepayment(ctx context.Context, r payment.Repayment) error {
	pp, err := encodePayParams(r.PayParams)
	if err != nil {
		return err
	}
	_, err = x.db.ExecContext(ctx, `INSERT INTO credit_repayments (id, person_id, channel, out_trade_no, amount_fen,
		credit_order_ids, status, idempotency_key, request_hash, pay_params, transaction_id, paid_fen, applied_fen,
		refund_fen, out_refund_no, refund_status, refund_id, note, paid_at, expires_at, created_at, updated_at, version)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23)`,
		r.ID, r.PersonID, r.Channel, r.OutTradeNo, r.AmountFen, strings.Join(r.CreditIDs, ","), r.Status, r.IdempotencyKey,
		r.RequestHash, pp, r.TransactionID, r.PaidFen, r.AppliedFen, r.RefundFen, nullText(r.OutRefundNo), r.RefundStatus,
		r.RefundID, r.Note, nullMS(r.PaidAt), ms(r.ExpiresAt), ms(r.CreatedAt), ms(r.UpdatedAt), r.Version)
	return translate(err)
}

func (x Tx) UpdateRepayment(ctx context.Context, r payment.Repayment) error {
	pp, err := encodePayParams(r.PayParams)
	if err != nil {
		return err
	}
	n, err := x.rowsAffected(x.db.ExecContext(ctx, `UPDATE credit_repayments SET status = $1, pay_params = $2,
		transaction_id = $3, paid_fen = $4, applied_fen = $5, refund_fen = $6, out_refund_no = $7, refund_status = $8, refund_id = $9,
		note = $10, paid_at = $11, updated_at = $12, version = $13 WHERE id = $14 AND version = $15`,
		r.Status, pp, r.TransactionID, r.PaidFen, r.AppliedFen, r.RefundFen, nullText(r.OutRefundNo), r.RefundStatus, r.RefundID,
		r.Note, nullMS(r.PaidAt), ms(r.UpdatedAt), r.Version, r.ID, r.Version-1))
	if err != nil {
		return err
	}
	if n != 1 {
		return fmt.Errorf("%w: repayment %s changed concurrently", store.ErrConflict, r.ID)
	}
	return nil
}
