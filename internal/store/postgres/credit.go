package postgres

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/store"
)

// Credits adapts the DB to payment.CreditStore.
func (d *DB) Credits() payment.CreditStore { return creditStore{d} }

type creditStore struct{ *DB }

func (s creditStore) InCreditTx(ctx context.Context, fn func(payment.CreditTx) error) error {
	return s.DB.InTx(ctx, func(tx *Tx) error { return fn(tx) })
}

const agreementColumns = `person_id, region, limit_fen, mandate_ref, status, suspended_reason, signed_at, updated_at`

func scanAgreement(row interface{ Scan(...any) error }) (payment.CreditAgreement, error) {
	var a payment.CreditAgreement
	var signed, updated int64
	err := row.Scan(&a.PersonID, &a.Region, &a.LimitFen, &a.MandateRef, &a.Status, &a.SuspendedReason, &signed, &updated)
	a.SignedAt, a.UpdatedAt = fromMS(signed), fromMS(updated)
	return a, translate(err)
}

func (s creditStore) CreditAgreement(ctx context.Context, personID string) (payment.CreditAgreement, error) {
	return scanAgreement(s.reader().db.QueryRowContext(ctx, `SELECT `+agreementColumns+` FROM credit_agreements WHERE person_id = $1`, personID))
}

// LockCreditAgreement reads the agreement FOR UPDATE: two orders of the
// same person then take turns, so both cannot pass the limit check.
func (x Tx) LockCreditAgreement(ctx context.Context, personID string) (payment.CreditAgreement, error) {
	return scanAgreement(x.db.QueryRowContext(ctx, `SELECT `+agreementColumns+` FROM credit_agreements WHERE person_id = $1 FOR UPDATE`, personID))
}

func (x Tx) PutCreditAgreement(ctx context.Context, a payment.CreditAgreement) error {
	_, err := x.db.ExecContext(ctx, `INSERT INTO credit_agreements (`+agreementColumns+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)
		ON CONFLICT (person_id) DO UPDATE SET region = excluded.region, limit_fen = excluded.limit_fen,
		mandate_ref = excluded.mandate_ref, status = excluded.status, suspended_reason = excluded.suspended_reason,
		updated_at = excluded.updated_at`,
		a.PersonID, a.Region, a.LimitFen, a.MandateRef, a.Status, a.SuspendedReason, ms(a.SignedAt), ms(a.UpdatedAt))
	return translate(err)
}

const creditColumns = `order_id, person_id, amount_fen, due_at, next_attempt_at, status, attempts, last_failure,
	repay_channel, coalesce(repay_trade_no, ''), repay_txn_id, repaid_at, created_at, updated_at, version`

func scanCredit(row interface{ Scan(...any) error }) (payment.Credit, error) {
	var c payment.Credit
	var due, created, updated int64
	var next, repaid sql.NullInt64
	err := row.Scan(&c.OrderID, &c.PersonID, &c.AmountFen, &due, &next, &c.Status, &c.Attempts, &c.LastFailure,
		&c.RepayChannel, &c.RepayTradeNo, &c.RepayTxnID, &repaid, &created, &updated, &c.Version)
	c.DueAt, c.CreatedAt, c.UpdatedAt = fromMS(due), fromMS(created), fromMS(updated)
	if next.Valid {
		c.NextAttemptAt = fromMS(next.Int64)
	}
	if repaid.Valid {
		c.RepaidAt = fromMS(repaid.Int64)
	}
	return c, translate(err)
}

func nullText(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func (x Tx) InsertCredit(ctx context.Context, c payment.Credit) error {
	_, err := x.db.ExecContext(ctx, `INSERT INTO credits (order_id, person_id, amount_fen, due_at, next_attempt_at, status,
		attempts, last_failure, repay_channel, repay_trade_no, repay_txn_id, repaid_at, created_at, updated_at, version)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)`,
		c.OrderID, c.PersonID, c.AmountFen, ms(c.DueAt), nullMS(c.NextAttemptAt), c.Status, c.Attempts, c.LastFailure,
		c.RepayChannel, nullText(c.RepayTradeNo), c.RepayTxnID, nullMS(c.RepaidAt), ms(c.CreatedAt), ms(c.UpdatedAt), c.Version)
	return translate(err)
}

func (x Tx) UpdateCredit(ctx context.Context, c payment.Credit) error {
	n, err := x.rowsAffected(x.db.ExecContext(ctx, `UPDATE credits SET next_attempt_at = $1, status = $2, attempts = $3,
		last_failure = $4, repay_channel = $5, repay_trade_no = $6, repay_txn_id = $7, repaid_at = $8, updated_at = $9, version = $10
		WHERE order_id = $11 AND version = $12`,
		nullMS(c.NextAttemptAt), c.Status, c.Attempts, c.LastFailure, c.RepayChannel, nullText(c.RepayTradeNo), c.RepayTxnID,
		nullMS(c.RepaidAt), ms(c.UpdatedAt), c.Version, c.OrderID, c.Version-1))
	if err != nil {
		return err
	}
	if n != 1 {
		return fmt.Errorf("%w: credit %s changed concurrently", store.ErrConflict, c.OrderID)
	}
	return nil
}

func (x Tx) CreditOwed(ctx context.Context, personID string) (money.Fen, error) {
	var owed money.Fen
	err := x.db.QueryRowContext(ctx, `SELECT coalesce(sum(amount_fen), 0)::bigint FROM credits
		WHERE person_id = $1 AND status IN ('outstanding', 'overdue')`, personID).Scan(&owed)
	return owed, translate(err)
}

func (x Tx) CountOverdue(ctx context.Context, personID string) (int, error) {
	var n int
	err := x.db.QueryRowContext(ctx, `SELECT count(*) FROM credits WHERE person_id = $1 AND status = 'overdue'`, personID).Scan(&n)
	return n, translate(err)
}

func (x q) CreditByOrder(ctx context.Context, orderID string) (payment.Credit, error) {
	return scanCredit(x.db.QueryRowContext(ctx, `SELECT `+creditColumns+` FROM credits WHERE order_id = $1`, orderID))
}

func (s creditStore) CreditByOrder(ctx context.Context, orderID string) (payment.Credit, error) {
	return s.reader().CreditByOrder(ctx, orderID)
}

func (s creditStore) CreditByRepayTradeNo(ctx context.Context, tradeNo string) (payment.Credit, error) {
	return scanCredit(s.reader().db.QueryRowContext(ctx, `SELECT `+creditColumns+` FROM credits WHERE repay_trade_no = $1`, tradeNo))
}

func (s creditStore) CreditsForPerson(ctx context.Context, personID string) ([]payment.Credit, error) {
	return s.credits(ctx, `SELECT `+creditColumns+` FROM credits WHERE person_id = $1 ORDER BY created_at DESC, order_id DESC`, personID)
}

func (s creditStore) OverdueCredits(ctx context.Context, limit int) ([]payment.Credit, error) {
	return s.credits(ctx, `SELECT `+creditColumns+` FROM credits WHERE status = 'overdue' ORDER BY due_at, order_id LIMIT $1`, limit)
}

func (s creditStore) credits(ctx context.Context, query string, args ...any) ([]payment.Credit, error) {
	rows, err := s.reader().db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []payment.Credit
	for rows.Next() {
		c, err := scanCredit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, translate(rows.Err())
}

// OutstandingCreditFen implements audit.Store: what people owe on credits,
// which the credit_receivable account must equal.
func (d *DB) OutstandingCreditFen(ctx context.Context) (money.Fen, error) {
	var owed money.Fen
	err := d.reader().db.QueryRowContext(ctx, `SELECT coalesce(sum(amount_fen), 0)::bigint FROM credits
		WHERE status IN ('outstanding', 'overdue')`).Scan(&owed)
	return owed, translate(err)
}

var _ payment.CreditStore = creditStore{}
var _ payment.CreditTx = (*Tx)(nil)
