package postgres

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

func scanBill(rows scanner) (billing.Bill, error) {
	var b billing.Bill
	var orderID, paidOrderID sql.NullString
	var created int64
	err := rows.Scan(&b.ID, &b.PersonID, &b.Insurance, &b.Period, &b.Kind, &b.BaseFen, &b.Rate, &b.AmountFen,
		&b.PersonalAccountFen, &b.Policy, &b.Status, &orderID, &paidOrderID, &created)
	b.OrderID, b.PaidOrderID, b.CreatedAt = orderID.String, paidOrderID.String, fromMS(created)
	return b, err
}

func (x q) InsertBill(ctx context.Context, b billing.Bill) error {
	return x.insert(ctx, "bill "+b.ID, `INSERT INTO bills (`+billColumns+`)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,NULL,NULL,$12) ON CONFLICT DO NOTHING`,
		b.ID, b.PersonID, b.Insurance, b.Period, b.Kind, b.BaseFen, b.Rate, b.AmountFen, b.PersonalAccountFen,
		b.Policy, b.Status, ms(b.CreatedAt))
}

func (x q) BillsForPerson(ctx context.Context, personID string) ([]billing.Bill, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT `+billColumns+` FROM bills WHERE person_id = $1 ORDER BY period, insurance`, personID)
	return scanAll(rows, err, scanBill)
}

func (x q) BillsByIDs(ctx context.Context, ids []string) ([]billing.Bill, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := x.db.QueryContext(ctx, `SELECT `+billColumns+` FROM bills WHERE id = ANY($1) ORDER BY period, insurance`, ids)
	return scanAll(rows, err, scanBill)
}

// LockBills takes every bill for the order or none, and a refused lock
// writes nothing, even if the caller goes on to commit.
//
// SQLite gets this from its single writer: nothing changes between the
// count and the UPDATE. Here two app servers may race for the same bills,
// so the bills are first locked, in id order (two orders wanting
// overlapping bills then queue instead of deadlocking), and counted as they
// stand once every lock is held: a transaction that waited re-reads the
// bill the winner left, sees it held, and refuses. FOR NO KEY UPDATE is the
// lock the UPDATE itself takes; unlike FOR UPDATE it does not wait for
// transactions that merely reference the bills (order_bills' foreign key
// takes a key-share lock on them in InsertOrder).
func (x q) LockBills(ctx context.Context, orderID string, ids []string) error {
	rows, err := x.db.QueryContext(ctx, `SELECT status = 'due' AND order_id IS NULL FROM bills
		WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE`, ids)
	locked, err := scanAll(rows, err, func(rows scanner) (bool, error) {
		var free bool
		err := rows.Scan(&free)
		return free, err
	})
	if err != nil {
		return err
	}
	free := 0
	for _, ok := range locked {
		if ok {
			free++
		}
	}
	if free != len(ids) {
		return fmt.Errorf("%w: %d of %d bills could not be locked", store.ErrConflict, len(ids)-free, len(ids))
	}
	_, err = x.db.ExecContext(ctx, `UPDATE bills SET order_id = $1
		WHERE id = ANY($2) AND status = 'due' AND order_id IS NULL`, orderID, ids)
	return translate(err)
}

func (x q) ReleaseBills(ctx context.Context, orderID string) error {
	_, err := x.db.ExecContext(ctx, `UPDATE bills SET order_id = NULL WHERE order_id = $1 AND status = 'due'`, orderID)
	return translate(err)
}

func (x q) MarkBillsPaid(ctx context.Context, orderID string) error {
	_, err := x.db.ExecContext(ctx, `UPDATE bills SET status = 'paid', paid_order_id = order_id, order_id = NULL WHERE order_id = $1`, orderID)
	return translate(err)
}

func (x q) InsertNotification(ctx context.Context, provider, id, eventType, outTradeNo string, at time.Time) error {
	return x.insert(ctx, "notification "+provider+"/"+id, `INSERT INTO payment_notifications (provider, id, event_type, out_trade_no, received_at)
		VALUES ($1,$2,$3,$4,$5) ON CONFLICT DO NOTHING`, provider, id, eventType, outTradeNo, ms(at))
}

// NextSequence increments and returns a named counter inside the
// transaction, so numbers are gap-free among committed vouchers: the upsert
// keeps the counter's row locked until commit, so a concurrent transaction
// waits and then counts on from the committed value (or from the old one,
// if this transaction rolled back).
func (x q) NextSequence(ctx context.Context, name string) (int64, error) {
	var v int64
	err := x.db.QueryRowContext(ctx, `INSERT INTO sequences (name, value) VALUES ($1, 1)
		ON CONFLICT (name) DO UPDATE SET value = sequences.value + 1 RETURNING value`, name).Scan(&v)
	return v, translate(err)
}

// RepriceBill rewrites the amounts of a bill still due and not in an order.
func (x q) RepriceBill(ctx context.Context, b billing.Bill) error {
	n, err := x.rowsAffected(x.db.ExecContext(ctx, `UPDATE bills SET base_fen = $1, rate = $2, amount_fen = $3,
		personal_account_fen = $4, policy = $5 WHERE id = $6 AND status = 'due' AND order_id IS NULL`,
		b.BaseFen, b.Rate, b.AmountFen, b.PersonalAccountFen, b.Policy, b.ID))
	if err != nil {
		return err
	}
	if n != 1 {
		return fmt.Errorf("%w: bill %s is paid or in an order", store.ErrConflict, b.ID)
	}
	return nil
}
