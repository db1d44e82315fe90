package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/store"
)

const orderColumns = `id, person_id, payer_id, region, channel, state, amount_fen, description, out_trade_no,
	prepay_id, transaction_id, idempotency_key, request_hash, core_ref, hold_reason,
	created_at, updated_at, expires_at, paid_at, credited_at, version, pay_params, supersedes, hold_until, received_fen`

// selectOrder reads an order's row and its bill ids (in position order, as
// a JSON array) in one statement: reading them apart doubled the statements
// of every order read, and GET /api/v1/orders/{id} reads up to four.
const selectOrder = `SELECT ` + orderColumns + `,
	(SELECT json_group_array(bill_id ORDER BY position) FROM order_bills WHERE order_id = orders.id) FROM orders`

func (x q) scanOrder(row scanner) (payment.Order, error) {
	var o payment.Order
	var created, updated, expires int64
	var paid, credited sql.NullInt64
	var payParams, billIDs string
	var holdUntil int64
	err := row.Scan(&o.ID, &o.PersonID, &o.PayerID, &o.Region, &o.Channel, &o.State, &o.AmountFen, &o.Description,
		&o.OutTradeNo, &o.PrepayID, &o.TransactionID, &o.IdempotencyKey, &o.RequestHash, &o.CoreRef, &o.HoldReason,
		&created, &updated, &expires, &paid, &credited, &o.Version, &payParams, &o.Supersedes, &holdUntil, &o.ReceivedFen, &billIDs)
	if err != nil {
		return o, translate(err)
	}
	if billIDs != "[]" {
		if err := json.Unmarshal([]byte(billIDs), &o.BillIDs); err != nil {
			return o, fmt.Errorf("sqlite: order %s bill ids: %w", o.ID, err)
		}
	}
	if o.PayParams, err = decodePayParams(payParams); err != nil {
		return o, fmt.Errorf("sqlite: order %s pay params: %w", o.ID, err)
	}
	if holdUntil != 0 {
		o.HoldUntil = fromMS(holdUntil)
	}
	o.CreatedAt, o.UpdatedAt, o.ExpiresAt = fromMS(created), fromMS(updated), fromMS(expires)
	o.PaidAt, o.CreditedAt = fromNullMS(paid), fromNullMS(credited)
	return o, nil
}

func (x q) OrderByID(ctx context.Context, id string) (payment.Order, error) {
	return x.scanOrder(x.db.QueryRowContext(ctx, selectOrder+` WHERE id = ?`, id))
}

func (x q) OrderByOutTradeNo(ctx context.Context, no string) (payment.Order, error) {
	return x.scanOrder(x.db.QueryRowContext(ctx, selectOrder+` WHERE out_trade_no = ?`, no))
}

func (x q) OrderByIdempotencyKey(ctx context.Context, payerID, key string) (payment.Order, error) {
	return x.scanOrder(x.db.QueryRowContext(ctx, selectOrder+` WHERE payer_id = ? AND idempotency_key = ?`, payerID, key))
}

func (x q) OrdersForPerson(ctx context.Context, personID string, limit int) ([]payment.Order, error) {
	return x.ordersWhere(ctx, `WHERE person_id = ? OR payer_id = ? ORDER BY created_at DESC LIMIT ?`, personID, personID, limit)
}

func (x q) InsertOrder(ctx context.Context, o payment.Order) error {
	pp, err := encodePayParams(o.PayParams)
	if err != nil {
		return err
	}
	_, err = x.db.ExecContext(ctx, `INSERT INTO orders (`+orderColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		o.ID, o.PersonID, o.PayerID, o.Region, o.Channel, o.State, o.AmountFen, o.Description, o.OutTradeNo,
		o.PrepayID, o.TransactionID, o.IdempotencyKey, o.RequestHash, o.CoreRef, o.HoldReason,
		ms(o.CreatedAt), ms(o.UpdatedAt), ms(o.ExpiresAt), nullMS(o.PaidAt), nullMS(o.CreditedAt), o.Version,
		pp, o.Supersedes, holdMS(o.HoldUntil), o.ReceivedFen)
	if err != nil {
		return translate(err)
	}
	for i, b := range o.BillIDs {
		if _, err := x.db.ExecContext(ctx, `INSERT INTO order_bills (order_id, bill_id, position) VALUES (?,?,?)`, o.ID, b, i); err != nil {
			return translate(err)
		}
	}
	return nil
}

// UpdateOrder writes the mutable columns if nobody changed the row since it
// was read (version check).
func (x q) UpdateOrder(ctx context.Context, o payment.Order) error {
	pp, err := encodePayParams(o.PayParams)
	if err != nil {
		return err
	}
	n, err := x.rowsAffected(x.db.ExecContext(ctx, `UPDATE orders SET state = ?, prepay_id = ?, transaction_id = ?,
		core_ref = ?, hold_reason = ?, updated_at = ?, paid_at = ?, credited_at = ?, version = ?,
		pay_params = ?, hold_until = ?, received_fen = ?
		WHERE id = ? AND version = ?`,
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
	_, err := x.db.ExecContext(ctx, `INSERT INTO order_events (order_id, from_state, to_state, reason, detail, at) VALUES (?,?,?,?,?,?)`,
		e.OrderID, e.From, e.To, e.Reason, e.Detail, ms(e.At))
	return translate(err)
}

func (x q) OrderEvents(ctx context.Context, orderID string) ([]payment.Event, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT seq, order_id, from_state, to_state, reason, detail, at FROM order_events WHERE order_id = ? ORDER BY seq`, orderID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []payment.Event
	for rows.Next() {
		var e payment.Event
		var at int64
		if err := rows.Scan(&e.Seq, &e.OrderID, &e.From, &e.To, &e.Reason, &e.Detail, &at); err != nil {
			return nil, translate(err)
		}
		e.At = fromMS(at)
		out = append(out, e)
	}
	return out, translate(rows.Err())
}

func (x q) NotificationSeen(ctx context.Context, provider, id string) (bool, error) {
	var n int
	err := x.db.QueryRowContext(ctx, `SELECT count(*) FROM payment_notifications WHERE provider = ? AND id = ?`, provider, id).Scan(&n)
	return n > 0, translate(err)
}

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?,", n), ",") }

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
