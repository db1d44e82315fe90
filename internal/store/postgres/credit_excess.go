package postgres

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/shebao-project/shebao/internal/audit"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/store"
)

// Card debits owed back and their refunds (migration 0023).

const cardExcessColumns = `trade_no, order_id, person_id, channel, amount_fen, transaction_id, out_refund_no,
	refund_status, refund_id, refunded_at, created_at, updated_at, version, attempt`

func scanCardExcess(row interface{ Scan(...any) error }) (payment.CardExcess, error) {
	var x payment.CardExcess
	var refunded sql.NullInt64
	var created, updated int64
	err := row.Scan(&x.TradeNo, &x.OrderID, &x.PersonID, &x.Channel, &x.AmountFen, &x.TransactionID, &x.OutRefundNo,
		&x.RefundStatus, &x.RefundID, &refunded, &created, &updated, &x.Version, &x.Attempt)
	if err != nil {
		return x, translate(err)
	}
	if refunded.Valid {
		x.RefundedAt = fromMS(refunded.Int64)
	}
	x.CreatedAt, x.UpdatedAt = fromMS(created), fromMS(updated)
	return x, nil
}

func (x q) CardExcess(ctx context.Context, tradeNo string) (payment.CardExcess, error) {
	return scanCardExcess(x.db.QueryRowContext(ctx, `SELECT `+cardExcessColumns+` FROM card_excesses WHERE trade_no = $1`, tradeNo))
}

func (s creditStore) CardExcess(ctx context.Context, tradeNo string) (payment.CardExcess, error) {
	return s.reader().CardExcess(ctx, tradeNo)
}

func (s creditStore) CardExcessesForPerson(ctx context.Context, personID string) ([]payment.CardExcess, error) {
	return s.cardExcesses(ctx, `SELECT `+cardExcessColumns+` FROM card_excesses WHERE person_id = $1
		ORDER BY created_at DESC, trade_no DESC`, personID)
}

func (s creditStore) CardExcessesOpen(ctx context.Context, limit int) ([]payment.CardExcess, error) {
	return s.cardExcesses(ctx, `SELECT `+cardExcessColumns+` FROM card_excesses
		WHERE refund_status <> 'succeeded' ORDER BY created_at, trade_no LIMIT $1`, limit)
}

func (s creditStore) cardExcesses(ctx context.Context, query string, args ...any) ([]payment.CardExcess, error) {
	rows, err := s.reader().db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []payment.CardExcess
	for rows.Next() {
		x, err := scanCardExcess(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, translate(rows.Err())
}

// InsertCardExcess reports a taken trade number or out_refund_no as
// store.ErrConflict without aborting the transaction (ON CONFLICT DO
// NOTHING), as SQLite's goes on.
func (x Tx) InsertCardExcess(ctx context.Context, c payment.CardExcess) error {
	return x.insert(ctx, "card excess "+c.TradeNo, `INSERT INTO card_excesses (trade_no, order_id, person_id, channel, amount_fen,
		transaction_id, out_refund_no, refund_status, refund_id, refunded_at, created_at, updated_at, version, attempt)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14) ON CONFLICT DO NOTHING`,
		c.TradeNo, c.OrderID, c.PersonID, c.Channel, c.AmountFen, c.TransactionID, c.OutRefundNo, c.RefundStatus, c.RefundID,
		nullMS(c.RefundedAt), ms(c.CreatedAt), ms(c.UpdatedAt), c.Version, c.Attempt)
}

func (x Tx) UpdateCardExcess(ctx context.Context, c payment.CardExcess) error {
	n, err := x.rowsAffected(x.db.ExecContext(ctx, `UPDATE card_excesses SET refund_status = $1, refund_id = $2,
		refunded_at = $3, updated_at = $4, version = $5, out_refund_no = $6, attempt = $7 WHERE trade_no = $8 AND version = $9`,
		c.RefundStatus, c.RefundID, nullMS(c.RefundedAt), ms(c.UpdatedAt), c.Version, c.OutRefundNo, c.Attempt,
		c.TradeNo, c.Version-1))
	if err != nil {
		return err
	}
	if n != 1 {
		return fmt.Errorf("%w: card excess %s changed concurrently", store.ErrConflict, c.TradeNo)
	}
	return nil
}

// auditCardExcessesQuery gathers every card debit booked as owed back,
// from the ledger's side as well as the table's, so that a posting without
// its row shows: the row's amount and status (-1 and empty when absent) and
// the debit totals of its two postings (-1 when absent).
const auditCardExcessesQuery = `WITH k AS (
		SELECT substr(kind, 13) AS trade_no FROM ledger_postings WHERE kind LIKE 'card_excess:%'
		UNION SELECT trade_no FROM card_excesses)
	SELECT k.trade_no, coalesce(x.refund_status, ''), CAST(coalesce(x.amount_fen, -1) AS BIGINT),
	CAST(coalesce((SELECT sum(e.amount_fen) FROM ledger_postings p JOIN ledger_entries e ON e.posting_id = p.id
		WHERE p.kind = 'card_excess:' || k.trade_no AND e.amount_fen > 0), -1) AS BIGINT),
	CAST(coalesce((SELECT sum(e.amount_fen) FROM ledger_postings p JOIN ledger_entries e ON e.posting_id = p.id
		WHERE p.kind = 'card_returned:' || k.trade_no AND e.amount_fen > 0), -1) AS BIGINT)
	FROM k LEFT JOIN card_excesses x ON x.trade_no = k.trade_no ORDER BY k.trade_no`

// AuditCardExcesses implements audit.Store.
func (d *DB) AuditCardExcesses(ctx context.Context, fn func(audit.CardExcessFacts) error) error {
	rows, err := d.reader().db.QueryContext(ctx, auditCardExcessesQuery)
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var f audit.CardExcessFacts
		if err := rows.Scan(&f.TradeNo, &f.RefundStatus, &f.AmountFen, &f.ExcessPosted, &f.ReturnedPosted); err != nil {
			return translate(err)
		}
		if err := fn(f); err != nil {
			return err
		}
	}
	return translate(rows.Err())
}
