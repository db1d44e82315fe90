package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/shebao-project/shebao/internal/console"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/store"
)

// The console's reads (and its few writes).

type consoleStore struct{ d *DB }

// consoleOrderColumns are an order with both persons' masked identifiers.
const consoleOrderColumns = `o.id, o.out_trade_no, o.person_id, o.payer_id, o.region, o.channel, o.state, o.amount_fen,
	o.hold_reason, o.hold_until, o.created_at, coalesce(o.paid_at, 0),
	p.name_masked, p.id_masked, p.phone_masked, y.name_masked, y.id_masked, y.phone_masked`

const consoleOrderJoin = ` FROM orders o JOIN persons p ON p.id = o.person_id JOIN persons y ON y.id = o.payer_id`

func scanOrderRow(row scanner, extra ...any) (console.OrderRow, error) {
	var o console.OrderRow
	var hold, created, paid int64
	dest := append([]any{&o.ID, &o.OutTradeNo, &o.PersonID, &o.PayerID, &o.Region, &o.Channel, &o.State, &o.AmountFen,
		&o.HoldReason, &hold, &created, &paid, &o.Person.Name, &o.Person.IDNumber, &o.Person.Phone,
		&o.Payer.Name, &o.Payer.IDNumber, &o.Payer.Phone}, extra...)
	err := row.Scan(dest...)
	o.HoldUntil, o.CreatedAt, o.PaidAt = fromZMS(hold), fromMS(created), fromZMS(paid)
	return o, translate(err)
}

func (s consoleStore) PersonMasked(ctx context.Context, id string) (console.Masked, error) {
	var m console.Masked
	err := s.d.reader().db.QueryRowContext(ctx, `SELECT name_masked, id_masked, phone_masked FROM persons WHERE id = $1`, id).
		Scan(&m.Name, &m.IDNumber, &m.Phone)
	return m, translate(err)
}

func (s consoleStore) HeldOrders(ctx context.Context, limit int) ([]console.OrderRow, error) {
	rows, err := s.d.reader().db.QueryContext(ctx, `SELECT `+consoleOrderColumns+consoleOrderJoin+`
		WHERE o.state = 'held' ORDER BY o.hold_until LIMIT $1`, limit)
	return scanAll(rows, err, func(r scanner) (console.OrderRow, error) { return scanOrderRow(r) })
}

func (s consoleStore) FindOrder(ctx context.Context, key string) (console.OrderRow, error) {
	return scanOrderRow(s.d.reader().db.QueryRowContext(ctx, `SELECT `+consoleOrderColumns+consoleOrderJoin+`
		WHERE o.id = $1 OR o.out_trade_no = $1`, key))
}

func (s consoleStore) RefundForOrder(ctx context.Context, orderID string) (payment.Refund, error) {
	return s.d.RefundForOrder(ctx, orderID)
}

func (s consoleStore) RefundAttempts(ctx context.Context, orderID string) ([]payment.RefundAttempt, error) {
	return s.d.RefundAttempts(ctx, orderID)
}

// Refunds lists failed refunds first (the money did not go back: an
// operator must act), then those under way, then the rest, newest first.
func (s consoleStore) Refunds(ctx context.Context, limit int) ([]console.RefundRow, error) {
	rows, err := s.d.reader().db.QueryContext(ctx, `SELECT r.out_refund_no, r.order_id, r.amount_fen, r.reason, r.status,
		r.refund_id, r.created_at, r.updated_at, r.attempt, r.provider_status, o.out_trade_no, y.name_masked, y.id_masked, y.phone_masked
		FROM refunds r JOIN orders o ON o.id = r.order_id JOIN persons y ON y.id = o.payer_id
		ORDER BY CASE r.status WHEN 'failed' THEN 0 WHEN 'requested' THEN 1 WHEN 'processing' THEN 2 ELSE 3 END, r.created_at DESC
		LIMIT $1`, limit)
	return scanAll(rows, err, func(r scanner) (console.RefundRow, error) {
		var x console.RefundRow
		var created, updated int64
		err := r.Scan(&x.OutRefundNo, &x.OrderID, &x.AmountFen, &x.Reason, &x.Status, &x.RefundID, &created, &updated,
			&x.Attempt, &x.ProviderStatus, &x.OutTradeNo, &x.Payer.Name, &x.Payer.IDNumber, &x.Payer.Phone)
		x.CreatedAt, x.UpdatedAt = fromMS(created), fromMS(updated)
		return x, err
	})
}

func (s consoleStore) OpenDiffs(ctx context.Context, limit int) ([]payment.Diff, error) {
	return s.d.OpenDiffs(ctx, limit)
}

// ResolveDiff resolves an open difference once: a second operator resolving
// it at the same time re-checks NOT resolved after the first and finds none.
func (s consoleStore) ResolveDiff(ctx context.Context, k console.DiffKey, action, by string, at time.Time) error {
	w := s.d.writer()
	n, err := w.rowsAffected(w.db.ExecContext(ctx, `UPDATE recon_diffs SET resolved = true, action = $1, resolved_by = $2, resolved_at = $3
		WHERE channel = $4 AND bill_date = $5 AND out_trade_no = $6 AND kind = $7 AND NOT resolved`,
		action, by, ms(at), k.Channel, k.Date, k.OutTradeNo, k.Kind))
	if err == nil && n != 1 {
		err = fmt.Errorf("%w: open difference %v", store.ErrNotFound, k)
	}
	return err
}

// FailingPostings reads River's jobs: a posting that failed or was put off
// (a snooze counts in its metadata) and is not finished.
func (s consoleStore) FailingPostings(ctx context.Context, limit int) ([]console.RetryRow, error) {
	rows, err := s.d.reader().db.QueryContext(ctx, `SELECT `+consoleOrderColumns+`, j.id,
			j.attempt + coalesce((j.metadata->>'snoozes')::int, 0),
			coalesce(j.errors[cardinality(j.errors)]->>'error', ''), j.scheduled_at, j.created_at
		FROM river_job j JOIN orders o ON o.id = j.args->>'ref'
		JOIN persons p ON p.id = o.person_id JOIN persons y ON y.id = o.payer_id
		WHERE j.kind = $1 AND j.state IN ('available', 'scheduled', 'retryable', 'running')
		AND (j.attempt > 1 OR cardinality(j.errors) > 0 OR coalesce((j.metadata->>'snoozes')::int, 0) > 0)
		ORDER BY j.created_at LIMIT $2`, payment.JobPost, limit)
	return scanAll(rows, err, func(r scanner) (console.RetryRow, error) {
		var x console.RetryRow
		o, err := scanOrderRow(r, &x.JobID, &x.Attempts, &x.LastError, &x.NextRun, &x.Since)
		x.Order = o
		return x, err
	})
}

// RunPostingNow makes a waiting posting job due at at; a job running,
// finished or of another kind is not touched.
func (s consoleStore) RunPostingNow(ctx context.Context, jobID int64, at time.Time) error {
	w := s.d.writer()
	n, err := w.rowsAffected(w.db.ExecContext(ctx, `UPDATE river_job SET scheduled_at = $1, state = 'available'
		WHERE id = $2 AND kind = $3 AND state IN ('available', 'scheduled', 'retryable')`,
		at.UTC(), jobID, payment.JobPost))
	if err == nil && n != 1 {
		err = fmt.Errorf("%w: waiting posting job %d", store.ErrNotFound, jobID)
	}
	return err
}

// Collections sums credited contributions by the Beijing day they were
// paid, region, channel and insurance type; an order refunded after being
// credited no longer counts.
func (s consoleStore) Collections(ctx context.Context, from, to time.Time) ([]console.CollectionRow, error) {
	rows, err := s.d.reader().db.QueryContext(ctx, `SELECT `+beijingDay("o.paid_at")+` AS day, o.region, o.channel, b.insurance,
		count(DISTINCT o.id), sum(b.amount_fen)::bigint
		FROM orders o JOIN bills b ON b.paid_order_id = o.id
		WHERE o.paid_at >= $1 AND o.paid_at < $2 AND o.state = 'credited'
		GROUP BY day, o.region, o.channel, b.insurance ORDER BY day, o.region, o.channel, b.insurance`, ms(from), ms(to))
	return scanAll(rows, err, func(r scanner) (console.CollectionRow, error) {
		var c console.CollectionRow
		err := r.Scan(&c.Date, &c.Region, &c.Channel, &c.Insurance, &c.Orders, &c.AmountFen)
		return c, err
	})
}

func (s consoleStore) PaymentAttempts(ctx context.Context, from, to time.Time) (console.Attempts, error) {
	var a console.Attempts
	err := s.d.reader().db.QueryRowContext(ctx, `SELECT count(*), count(paid_at) FROM orders WHERE created_at >= $1 AND created_at < $2`,
		ms(from), ms(to)).Scan(&a.Created, &a.Paid)
	if err != nil {
		return a, translate(err)
	}
	err = s.d.reader().db.QueryRowContext(ctx, `SELECT count(*) FROM orders WHERE created_at >= $1 AND created_at < $2
		AND paid_at IS NOT NULL AND payer_id <> person_id`, ms(from), ms(to)).Scan(&a.Proxy)
	if err != nil {
		return a, translate(err)
	}
	err = s.d.reader().db.QueryRowContext(ctx, `SELECT count(DISTINCT o.payer_id), count(DISTINCT CASE WHEN p.care THEN o.payer_id END)
		FROM orders o LEFT JOIN display_prefs p ON p.person_id = o.payer_id
		WHERE o.created_at >= $1 AND o.created_at < $2 AND o.paid_at IS NOT NULL`, ms(from), ms(to)).Scan(&a.Payers, &a.CarePayers)
	if err != nil {
		return a, translate(err)
	}
	rows, err := s.d.reader().db.QueryContext(ctx, `SELECT channel, count(*), (avg(paid_at - created_at) / 1000)::bigint FROM orders
		WHERE created_at >= $1 AND created_at < $2 AND paid_at IS NOT NULL GROUP BY channel ORDER BY channel`, ms(from), ms(to))
	a.Handling, err = scanAll(rows, err, func(r scanner) (console.ChannelHandling, error) {
		var h console.ChannelHandling
		return h, translate(r.Scan(&h.Channel, &h.Orders, &h.AvgSeconds))
	})
	return a, err
}
