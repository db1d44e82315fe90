package sqlite

import (
	"context"
	"database/sql"

	"github.com/shebao-project/shebao/internal/voucher"
)

// kindOrder lists an order's vouchers as people expect them: the fiscal
// receipt first, then the acceptance receipt, then the statement.
const kindOrder = `CASE kind WHEN 'fiscal_receipt' THEN 0 WHEN 'acceptance_receipt' THEN 1 ELSE 2 END`

const voucherColumns = `id, order_id, kind, code, payload, signature, key_id, issued_at, retain_until`

func scanVouchers(rows *sql.Rows, err error) ([]voucher.Voucher, error) {
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []voucher.Voucher
	for rows.Next() {
		v, err := scanVoucher(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, translate(rows.Err())
}

func scanVoucher(row interface{ Scan(...any) error }) (voucher.Voucher, error) {
	var v voucher.Voucher
	var issued int64
	var retain sql.NullInt64
	err := row.Scan(&v.ID, &v.OrderID, &v.Kind, &v.Code, &v.Payload, &v.Signature, &v.KeyID, &issued, &retain)
	v.IssuedAt = fromMS(issued)
	if retain.Valid {
		t := fromMS(retain.Int64)
		v.RetainUntil = &t
	}
	return v, translate(err)
}

func (x q) InsertVoucher(ctx context.Context, v voucher.Voucher) error {
	var retain sql.NullInt64
	if v.RetainUntil != nil {
		retain = nullMS(*v.RetainUntil)
	}
	_, err := x.db.ExecContext(ctx, `INSERT INTO vouchers (`+voucherColumns+`) VALUES (?,?,?,?,?,?,?,?,?)`,
		v.ID, v.OrderID, v.Kind, v.Code, v.Payload, v.Signature, v.KeyID, ms(v.IssuedAt), retain)
	return translate(err)
}

func (x q) VouchersForOrder(ctx context.Context, orderID string) ([]voucher.Voucher, error) {
	return scanVouchers(x.db.QueryContext(ctx, `SELECT `+voucherColumns+` FROM vouchers WHERE order_id = ? ORDER BY `+kindOrder, orderID))
}

func (x q) VouchersForPerson(ctx context.Context, personID string) ([]voucher.Voucher, error) {
	return scanVouchers(x.db.QueryContext(ctx, `SELECT v.id, v.order_id, v.kind, v.code, v.payload, v.signature, v.key_id, v.issued_at, v.retain_until
		FROM vouchers v JOIN orders o ON o.id = v.order_id
		WHERE o.person_id = ? OR o.payer_id = ? ORDER BY v.issued_at DESC, `+kindOrder, personID, personID))
}

func (x q) VoucherByCode(ctx context.Context, code string) (voucher.Voucher, error) {
	return scanVoucher(x.db.QueryRowContext(ctx, `SELECT `+voucherColumns+` FROM vouchers WHERE code = ?`, code))
}

func (x q) VoucherByID(ctx context.Context, id string) (voucher.Voucher, error) {
	return scanVoucher(x.db.QueryRowContext(ctx, `SELECT `+voucherColumns+` FROM vouchers WHERE id = ?`, id))
}
