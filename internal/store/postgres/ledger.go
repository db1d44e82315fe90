package postgres

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
	err := x.db.QueryRowContext(ctx, `INSERT INTO ledger_postings (order_id, kind, at) VALUES ($1,$2,$3)
		ON CONFLICT DO NOTHING RETURNING id`, p.OrderID, p.Kind, ms(at)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		// Nothing inserted, nothing returned: the posting exists.
		return fmt.Errorf("%w: posting %s/%s already recorded", store.ErrConflict, p.OrderID, p.Kind)
	}
	if err != nil {
		return translate(err)
	}
	for _, e := range p.Entries {
		if _, err := x.db.ExecContext(ctx, `INSERT INTO ledger_entries (posting_id, account, amount_fen) VALUES ($1,$2,$3)`,
			id, e.Account, e.Amount); err != nil {
			return translate(err)
		}
	}
	return nil
}

// Balances returns every account's balance (sum of its entries). sum() of
// BIGINT is NUMERIC in PostgreSQL (it cannot overflow); the cast brings it
// back to the int64 SQLite returns, and fails loudly rather than wrap.
func (x q) Balances(ctx context.Context) (map[string]int64, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT account, sum(amount_fen)::bigint FROM ledger_entries GROUP BY account ORDER BY account`)
	type balance struct {
		account string
		fen     int64
	}
	bs, err := scanAll(rows, err, func(rows scanner) (balance, error) {
		var b balance
		err := rows.Scan(&b.account, &b.fen)
		return b, err
	})
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, b := range bs {
		out[b.account] = b.fen
	}
	return out, nil
}

const refundColumns = `out_refund_no, order_id, amount_fen, reason, status, refund_id, created_at, updated_at, attempt, provider_status`

func scanRefund(row scanner) (payment.Refund, error) {
	var r payment.Refund
	var created, updated int64
	err := row.Scan(&r.OutRefundNo, &r.OrderID, &r.AmountFen, &r.Reason, &r.Status, &r.RefundID, &created, &updated, &r.Attempt, &r.ProviderStatus)
	r.CreatedAt, r.UpdatedAt = fromMS(created), fromMS(updated)
	return r, translate(err)
}

func (x q) InsertRefund(ctx context.Context, r payment.Refund) error {
	return x.insert(ctx, "refund "+r.OutRefundNo, `INSERT INTO refunds (`+refundColumns+`)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT DO NOTHING`,
		r.OutRefundNo, r.OrderID, r.AmountFen, r.Reason, r.Status, r.RefundID, ms(r.CreatedAt), ms(r.UpdatedAt), max(r.Attempt, 1), r.ProviderStatus)
}

func (x q) UpdateRefund(ctx context.Context, r payment.Refund) error {
	n, err := x.rowsAffected(x.db.ExecContext(ctx, `UPDATE refunds SET status = $1, refund_id = $2, updated_at = $3, provider_status = $4 WHERE out_refund_no = $5`,
		r.Status, r.RefundID, ms(r.UpdatedAt), r.ProviderStatus, r.OutRefundNo))
	if err == nil && n != 1 {
		return translate(fmt.Errorf("refund %s: %w", r.OutRefundNo, sql.ErrNoRows))
	}
	return err
}

func (x q) RefundForOrder(ctx context.Context, orderID string) (payment.Refund, error) {
	return scanRefund(x.db.QueryRowContext(ctx, `SELECT `+refundColumns+` FROM refunds WHERE order_id = $1`, orderID))
}

func (x q) RefundByOutRefundNo(ctx context.Context, no string) (payment.Refund, error) {
	r, err := scanRefund(x.db.QueryRowContext(ctx, `SELECT `+refundColumns+` FROM refunds WHERE out_refund_no = $1`, no))
	if errors.Is(err, store.ErrNotFound) {
		return scanRefund(x.db.QueryRowContext(ctx, `SELECT `+earlierAttemptColumns+earlierAttemptJoin+` WHERE a.out_refund_no = $1`, no))
	}
	return r, err
}

// payerLock is the first key of the advisory lock PayerActivity takes on
// the payer; it spells "SBPA".
const payerLock = 0x53425041

// PayerActivity implements payment.Tx for the risk rules. Paid means money
// arrived: paid_at is set. Each query is a range on orders(payer_id, paid_at).
//
// The risk check reads the payer's other payments and then decides about
// this one. Under SQLite two such checks never overlap (one writer); here
// two app servers could each pass a payment while not yet seeing the
// other's. So the payer is locked until the transaction ends: the second
// check waits, then reads (in a fresh snapshot) the first one's outcome.
func (x q) PayerActivity(ctx context.Context, payerID, personID, exclude string, since time.Time) (payment.Activity, error) {
	var a payment.Activity
	if _, err := x.db.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, payerLock, payerID); err != nil {
		return a, translate(err)
	}
	var largest sql.NullInt64
	err := x.db.QueryRowContext(ctx, `SELECT count(*), max(amount_fen) FROM orders
		WHERE payer_id = $1 AND paid_at >= 0 AND id <> $2`, payerID, exclude).Scan(new(int), &largest)
	if err != nil {
		return a, translate(err)
	}
	a.LargestBefore = money.Fen(largest.Int64)
	type paid struct{ id, person string }
	rows, err := x.db.QueryContext(ctx, `SELECT id, person_id FROM orders WHERE payer_id = $1 AND paid_at >= $2`, payerID, ms(since))
	ps, err := scanAll(rows, err, func(rows scanner) (paid, error) {
		var p paid
		err := rows.Scan(&p.id, &p.person)
		return p, err
	})
	if err != nil {
		return a, err
	}
	payees := map[string]bool{personID: true}
	for _, p := range ps {
		if p.id != exclude {
			a.PaidSince++
			payees[p.person] = true
		}
	}
	a.PayeesSince = len(payees)
	return a, nil
}

// ChannelUsedSince implements payment.Store for the daily limits.
func (x q) ChannelUsedSince(ctx context.Context, payerID, channel string, since time.Time) (money.Fen, error) {
	var v int64
	err := x.db.QueryRowContext(ctx, `SELECT coalesce(sum(amount_fen), 0)::bigint FROM orders
		WHERE payer_id = $1 AND channel = $2 AND created_at >= $3
		AND state IN ('created', 'awaiting_payment', 'paid', 'posting', 'credited', 'held')`,
		payerID, channel, ms(since)).Scan(&v)
	return money.Fen(v), translate(err)
}
