package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/shebao-project/shebao/internal/ledger"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/store"
)

// RecordPosting stores a balanced posting; the same (order, kind) twice is
// store.ErrConflict, which is what makes a movement happen once.
func (x q) RecordPosting(ctx context.Context, p ledger.Posting, at time.Time) error {
	if err := p.Check(); err != nil {
		return err
	}
	var id int64
	if err := x.db.QueryRowContext(ctx, `INSERT INTO ledger_postings (order_id, kind, at) VALUES (?,?,?) RETURNING id`,
		p.OrderID, p.Kind, ms(at)).Scan(&id); err != nil {
		return translate(err)
	}
	for _, e := range p.Entries {
		if _, err := x.db.ExecContext(ctx, `INSERT INTO ledger_entries (posting_id, account, amount_fen) VALUES (?,?,?)`,
			id, e.Account, e.Amount); err != nil {
			return translate(err)
		}
	}
	return nil
}

// Balances returns every account's balance (sum of its entries).
func (x q) Balances(ctx context.Context) (map[string]int64, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT account, sum(amount_fen) FROM ledger_entries GROUP BY account ORDER BY account`)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var a string
		var v int64
		if err := rows.Scan(&a, &v); err != nil {
			return nil, translate(err)
		}
		out[a] = v
	}
	return out, translate(rows.Err())
}

const refundColumns = `out_refund_no, order_id, amount_fen, reason, status, refund_id, created_at, updated_at, attempt, provider_status`

func scanRefund(row interface{ Scan(...any) error }) (payment.Refund, error) {
	var r payment.Refund
	var created, updated int64
	err := row.Scan(&r.OutRefundNo, &r.OrderID, &r.AmountFen, &r.Reason, &r.Status, &r.RefundID, &created, &updated, &r.Attempt, &r.ProviderStatus)
	r.CreatedAt, r.UpdatedAt = fromMS(created), fromMS(updated)
	return r, translate(err)
}

func (x q) InsertRefund(ctx context.Context, r payment.Refund) error {
	_, err := x.db.ExecContext(ctx, `INSERT INTO refunds (`+refundColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?)`,
		r.OutRefundNo, r.OrderID, r.AmountFen, r.Reason, r.Status, r.RefundID, ms(r.CreatedAt), ms(r.UpdatedAt), max(r.Attempt, 1), r.ProviderStatus)
	return translate(err)
}

func (x q) UpdateRefund(ctx context.Context, r payment.Refund) error {
	n, err := x.rowsAffected(x.db.ExecContext(ctx, `UPDATE refunds SET status = ?, refund_id = ?, updated_at = ?, provider_status = ? WHERE out_refund_no = ?`,
		r.Status, r.RefundID, ms(r.UpdatedAt), r.ProviderStatus, r.OutRefundNo))
	if err == nil && n != 1 {
		return translate(fmt.Errorf("refund %s: %w", r.OutRefundNo, sql.ErrNoRows))
	}
	return err
}

func (x q) RefundForOrder(ctx context.Context, orderID string) (payment.Refund, error) {
	return scanRefund(x.db.QueryRowContext(ctx, `SELECT `+refundColumns+` FROM refunds WHERE order_id = ?`, orderID))
}

func (x q) RefundByOutRefundNo(ctx context.Context, no string) (payment.Refund, error) {
	r, err := scanRefund(x.db.QueryRowContext(ctx, `SELECT `+refundColumns+` FROM refunds WHERE out_refund_no = ?`, no))
	if errors.Is(err, store.ErrNotFound) {
		return scanRefund(x.db.QueryRowContext(ctx, `SELECT `+earlierAttemptColumns+earlierAttemptJoin+` WHERE a.out_refund_no = ?`, no))
	}
	return r, err
}

// PayerActivity implements payment.Tx for the risk rules. Paid means money
// arrived: paid_at is set. Each query is a range on orders(payer_id, paid_at).
func (x q) PayerActivity(ctx context.Context, payerID, personID, exclude string, since time.Time) (payment.Activity, error) {
	var a payment.Activity
	var largest sql.NullInt64
	err := x.db.QueryRowContext(ctx, `SELECT count(*), max(amount_fen) FROM orders
		WHERE payer_id = ? AND paid_at >= 0 AND id <> ?`, payerID, exclude).Scan(new(int), &largest)
	if err != nil {
		return a, translate(err)
	}
	a.LargestBefore = money.Fen(largest.Int64)
	rows, err := x.db.QueryContext(ctx, `SELECT id, person_id FROM orders WHERE payer_id = ? AND paid_at >= ?`, payerID, ms(since))
	if err != nil {
		return a, translate(err)
	}
	defer rows.Close()
	payees := map[string]bool{personID: true}
	for rows.Next() {
		var id, person string
		if err := rows.Scan(&id, &person); err != nil {
			return a, translate(err)
		}
		if id != exclude {
			a.PaidSince++
			payees[person] = true
		}
	}
	a.PayeesSince = len(payees)
	return a, translate(rows.Err())
}

// ChannelUsedSince implements payment.Store for the daily limits.
func (x q) ChannelUsedSince(ctx context.Context, payerID, channel string, since time.Time) (money.Fen, error) {
	var v int64
	err := x.db.QueryRowContext(ctx, `SELECT coalesce(sum(amount_fen), 0) FROM orders
		WHERE payer_id = ? AND channel = ? AND created_at >= ?
		AND state IN ('created', 'awaiting_payment', 'paid', 'posting', 'credited', 'held')`,
		payerID, channel, ms(since)).Scan(&v)
	return money.Fen(v), translate(err)
}
