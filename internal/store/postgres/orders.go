package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/store"
)

const orderColumns = `id, person_id, payer_id, region, channel, state, amount_fen, description, out_trade_no,
	prepay_id, transaction_id, idempotency_key, request_hash, core_ref, hold_reason,
	created_at, updated_at, expires_at, paid_at, credited_at, version, pay_params, supersedes, hold_until, received_fen`

func (x q) scanOrder(ctx context.Context, row *sql.Row) (payment.Order, error) {
	var o payment.Order
	var created, updated, expires, holdUntil int64
	var paid, credited sql.NullInt64
	var payParams string
	err := row.Scan(&o.ID, &o.PersonID, &o.PayerID, &o.Region, &o.Channel, &o.State, &o.AmountFen, &o.Description,
		&o.OutTradeNo, &o.PrepayID, &o.TransactionID, &o.IdempotencyKey, &o.RequestHash, &o.CoreRef, &o.HoldReason,
		&created, &updated, &expires, &paid, &credited, &o.Version, &payParams, &o.Supersedes, &holdUntil, &o.ReceivedFen)
	if err != nil {
		return o, translate(err)
	}
	if o.PayParams, err = decodePayParams(payParams); err != nil {
		return o, fmt.Errorf("postgres: order %s pay params: %w", o.ID, err)
	}
	if holdUntil != 0 {
		o.HoldUntil = fromMS(holdUntil)
	}
	o.CreatedAt, o.UpdatedAt, o.ExpiresAt = fromMS(created), fromMS(updated), fromMS(expires)
	o.PaidAt, o.CreditedAt = fromNullMS(paid), fromNullMS(credited)
	o.BillIDs, err = x.orderBillIDs(ctx, o.ID)
	return o, err
}

func (x q) orderBillIDs(ctx context.Context, orderID string) ([]string, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT bill_id FROM order_bills WHERE order_id = $1 ORDER BY position`, orderID)
	return scanAll(rows, err, scanString)
}

func (x q) OrderByID(ctx context.Context, id string) (payment.Order, error) {
	return x.scanOrder(ctx, x.db.QueryRowContext(ctx, `SELECT `+orderColumns+` FROM orders WHERE id = $1`, id))
}

func (x q) OrderByOutTradeNo(ctx context.Context, no string) (payment.Order, error) {
	return x.scanOrder(ctx, x.db.QueryRowContext(ctx, `SELECT `+orderColumns+` FROM orders WHERE out_trade_no = $1`, no))
}

func (x q) OrderByIdempotencyKey(ctx context.Context, payerID, key string) (payment.Order, error) {
	return x.scanOrder(ctx, x.db.QueryRowContext(ctx, `SELECT `+orderColumns+` FROM orders WHERE payer_id = $1 AND idempotency_key = $2`, payerID, key))
}

func (x q) OrdersForPerson(ctx context.Context, personID string, limit int) ([]payment.Order, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT id FROM orders WHERE person_id = $1 OR payer_id = $1 ORDER BY created_at DESC LIMIT $2`, personID, limit)
	return x.ordersByIDs(ctx, rows, err)
}

// ordersByIDs reads in full the orders whose ids a query returned, after
// closing it: a connection runs one query at a time, and inside a
// transaction every read goes through the same one.
func (x q) ordersByIDs(ctx context.Context, rows *sql.Rows, err error) ([]payment.Order, error) {
	ids, err := scanAll(rows, err, scanString)
	if err != nil {
		return nil, err
	}
	out := make([]payment.Order, 0, len(ids))
	for _, id := range ids {
		o, err := x.OrderByID(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

func (x q) InsertOrder(ctx context.Context, o payment.Order) error {
	pp, err := encodePayParams(o.PayParams)
	if err != nil {
		return err
	}
	err = x.insert(ctx, "order "+o.ID, `INSERT INTO orders (`+orderColumns+`)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25) ON CONFLICT DO NOTHING`,
		o.ID, o.PersonID, o.PayerID, o.Region, o.Channel, o.State, o.AmountFen, o.Description, o.OutTradeNo,
		o.PrepayID, o.TransactionID, o.IdempotencyKey, o.RequestHash, o.CoreRef, o.HoldReason,
		ms(o.CreatedAt), ms(o.UpdatedAt), ms(o.ExpiresAt), nullMS(o.PaidAt), nullMS(o.CreditedAt), o.Version,
		pp, o.Supersedes, holdMS(o.HoldUntil), o.ReceivedFen)
	if err != nil {
		return err
	}
	for i, b := range o.BillIDs {
		if err := x.insert(ctx, "bill "+b+" in order "+o.ID, `INSERT INTO order_bills (order_id, bill_id, position)
			VALUES ($1,$2,$3) ON CONFLICT DO NOTHING`, o.ID, b, i); err != nil {
			return err
		}
	}
	return nil
}

// UpdateOrder writes the mutable columns if nobody changed the row since it
// was read (version check). Of two concurrent updates from the same
// version, the second waits for the first's row lock, re-checks the version
// on the row the first left, matches nothing and reports a conflict.
func (x q) UpdateOrder(ctx context.Context, o payment.Order) error {
	pp, err := encodePayParams(o.PayParams)
	if err != nil {
		return err
	}
	n, err := x.rowsAffected(x.db.ExecContext(ctx, `UPDATE orders SET state = $1, prepay_id = $2, transaction_id = $3,
		core_ref = $4, hold_reason = $5, updated_at = $6, paid_at = $7, credited_at = $8, version = $9,
		pay_params = $10, hold_until = $11, received_fen = $12
		WHERE id = $13 AND version = $14`,
		o.State, o.PrepayID, o.TransactionID, o.CoreRef, o.HoldReason, ms(o.UpdatedAt), nullMS(o.PaidAt), nullMS(o.CreditedAt),
		o.Version, pp, holdMS(o.HoldUntil), o.ReceivedFen, o.ID, o.Version-1))
	if err != nil {
		return err
	}
	if n != 1 {
		return fmt.Errorf("%w: order %s changed concurrently", store.ErrConflict, o.ID)
	}
	return nil
}

func (x q) InsertEvent(ctx context.Context, e payment.Event) error {
	_, err := x.db.ExecContext(ctx, `INSERT INTO order_events (order_id, from_state, to_state, reason, detail, at) VALUES ($1,$2,$3,$4,$5,$6)`,
		e.OrderID, e.From, e.To, e.Reason, e.Detail, ms(e.At))
	return translate(err)
}

func (x q) OrderEvents(ctx context.Context, orderID string) ([]payment.Event, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT seq, order_id, from_state, to_state, reason, detail, at FROM order_events WHERE order_id = $1 ORDER BY seq`, orderID)
	return scanAll(rows, err, func(rows scanner) (payment.Event, error) {
		var e payment.Event
		var at int64
		err := rows.Scan(&e.Seq, &e.OrderID, &e.From, &e.To, &e.Reason, &e.Detail, &at)
		e.At = fromMS(at)
		return e, err
	})
}

func (x q) NotificationSeen(ctx context.Context, provider, id string) (bool, error) {
	var n int
	err := x.db.QueryRowContext(ctx, `SELECT count(*) FROM payment_notifications WHERE provider = $1 AND id = $2`, provider, id).Scan(&n)
	return n > 0, translate(err)
}

func encodePayParams(p *payment.PayParams) (string, error) {
	if p == nil {
		return "", nil
	}
	b, err := json.Marshal(p)
	return string(b), err
}

func decodePayParams(s string) (*payment.PayParams, error) {
	if s == "" {
		return nil, nil
	}
	var p payment.PayParams
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		return nil, err
	}
	return &p, nil
}

func holdMS(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return ms(t)
}
