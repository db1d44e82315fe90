package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/store"
)

const billColumns = `id, person_id, insurance, period, kind, base_fen, rate, amount_fen, personal_account_fen,
	policy, status, order_id, paid_order_id, created_at`

func scanBills(rows *sql.Rows, err error) ([]billing.Bill, error) {
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []billing.Bill
	for rows.Next() {
		var b billing.Bill
		var orderID, paidOrderID sql.NullString
		var created int64
		if err := rows.Scan(&b.ID, &b.PersonID, &b.Insurance, &b.Period, &b.Kind, &b.BaseFen, &b.Rate, &b.AmountFen,
			&b.PersonalAccountFen, &b.Policy, &b.Status, &orderID, &paidOrderID, &created); err != nil {
			return nil, translate(err)
		}
		b.OrderID, b.PaidOrderID, b.CreatedAt = orderID.String, paidOrderID.String, fromMS(created)
		out = append(out, b)
	}
	return out, translate(rows.Err())
}

func (x q) InsertBill(ctx context.Context, b billing.Bill) error {
	_, err := x.db.ExecContext(ctx, `INSERT INTO bills (`+billColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,NULL,NULL,?)`,
		b.ID, b.PersonID, b.Insurance, b.Period, b.Kind, b.BaseFen, b.Rate, b.AmountFen, b.PersonalAccountFen,
		b.Policy, b.Status, ms(b.CreatedAt))
	return translate(err)
}

func (x q) BillsForPerson(ctx context.Context, personID string) ([]billing.Bill, error) {
	return scanBills(x.db.QueryContext(ctx, `SELECT `+billColumns+` FROM bills WHERE person_id = ? ORDER BY period, insurance`, personID))
}

func (x q) BillsByIDs(ctx context.Context, ids []string) ([]billing.Bill, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return scanBills(x.db.QueryContext(ctx, `SELECT `+billColumns+` FROM bills WHERE id IN (`+placeholders(len(ids))+`) ORDER BY period, insurance`, args...))
}

// LockBills takes every bill for the order or none: the UPDATE only touches
// due, unheld bills, and a count short of len(ids) aborts the transaction.
// The count is taken before writing (inside the same write transaction, so
// nothing changes in between): a refused lock writes nothing, even if the
// caller went on to commit.
func (x q) LockBills(ctx context.Context, orderID string, ids []string) error {
	args := make([]any, 0, len(ids)+1)
	for _, id := range ids {
		args = append(args, id)
	}
	var free int
	if err := x.db.QueryRowContext(ctx, `SELECT count(*) FROM bills
		WHERE id IN (`+placeholders(len(ids))+`) AND status = 'due' AND order_id IS NULL`, args...).Scan(&free); err != nil {
		return translate(err)
	}
	if free != len(ids) {
		return fmt.Errorf("%w: %d of %d bills could not be locked", store.ErrConflict, len(ids)-free, len(ids))
	}
	_, err := x.db.ExecContext(ctx, `UPDATE bills SET order_id = ?
		WHERE id IN (`+placeholders(len(ids))+`) AND status = 'due' AND order_id IS NULL`, append([]any{orderID}, args...)...)
	return translate(err)
}

func (x q) ReleaseBills(ctx context.Context, orderID string) error {
	_, err := x.db.ExecContext(ctx, `UPDATE bills SET order_id = NULL WHERE order_id = ? AND status = 'due'`, orderID)
	return translate(err)
}

func (x q) MarkBillsPaid(ctx context.Context, orderID string) error {
	_, err := x.db.ExecContext(ctx, `UPDATE bills SET status = 'paid', paid_order_id = order_id, order_id = NULL WHERE order_id = ?`, orderID)
	return translate(err)
}

func (x q) InsertNotification(ctx context.Context, provider, id, eventType, outTradeNo string, at time.Time) error {
	_, err := x.db.ExecContext(ctx, `INSERT INTO payment_notifications (provider, id, event_type, out_trade_no, received_at) VALUES (?,?,?,?,?)`,
		provider, id, eventType, outTradeNo, ms(at))
	return translate(err)
}

// NextSequence increments and returns a named counter inside the
// transaction, so numbers are gap-free among committed vouchers.
func (x q) NextSequence(ctx context.Context, name string) (int64, error) {
	var v int64
	err := x.db.QueryRowContext(ctx, `INSERT INTO sequences (name, value) VALUES (?, 1)
		ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value`, name).Scan(&v)
	return v, translate(err)
}

// RepriceBill rewrites the amounts of a bill still due and not in an order.
func (x q) RepriceBill(ctx context.Context, b billing.Bill) error {
	n, err := x.rowsAffected(x.db.ExecContext(ctx, `UPDATE bills SET base_fen = ?, rate = ?, amount_fen = ?,
		personal_account_fen = ?, policy = ? WHERE id = ? AND status = 'due' AND order_id IS NULL`,
		b.BaseFen, b.Rate, b.AmountFen, b.PersonalAccountFen, b.Policy, b.ID))
	if err != nil {
		return err
	}
	if n != 1 {
		return fmt.Errorf("%w: bill %s is paid or in an order", store.ErrConflict, b.ID)
	}
	return nil
}
