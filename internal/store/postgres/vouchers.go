package postgres

import (
	"context"
	"database/sql"

	"github.com/shebao-project/shebao/internal/voucher"
)

// kindOrder lists an order's vouchers as people expect them: the fiscal
// receipt first, then the acceptance receipt, then the statement.
const kindOrder = `CASE v.kind WHEN 'fiscal_receipt' THEN 0 WHEN 'acceptance_receipt' THEN 1 ELSE 2 END`

const voucherColumns = `v.id, v.order_id, v.kind, v.code, v.payload, v.signature, v.key_id, v.issued_at, v.retain_until`

func scanVoucher(row scanner) (voucher.Voucher, error) {
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
	return x.insert(ctx, "voucher "+v.ID, `INSERT INTO vouchers (id, order_id, kind, code, payload, signature, key_id, issued_at, retain_until)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT DO NOTHING`,
		v.ID, v.OrderID, v.Kind, v.Code, v.Payload, v.Signature, v.KeyID, ms(v.IssuedAt), retain)
}

func (x q) VouchersForOrder(ctx context.Context, orderID string) ([]voucher.Voucher, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT `+voucherColumns+` FROM vouchers v WHERE v.order_id = $1 ORDER BY `+kindOrder, orderID)
	return scanAll(rows, err, scanVoucher)
}

func (x q) VouchersForPerson(ctx context.Context, personID string) ([]voucher.Voucher, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT `+voucherColumns+`
		FROM vouchers v JOIN orders o ON o.id = v.order_id
		WHERE o.person_id = $1 OR o.payer_id = $1 ORDER BY v.issued_at DESC, `+kindOrder, personID)
	return scanAll(rows, err, scanVoucher)
}

func (x q) VoucherByCode(ctx context.Context, code string) (voucher.Voucher, error) {
	return scanVoucher(x.db.QueryRowContext(ctx, `SELECT `+voucherColumns+` FROM vouchers v WHERE v.code = $1`, code))
}

func (x q) VoucherByID(ctx context.Context, id string) (voucher.Voucher, error) {
	return scanVoucher(x.db.QueryRowContext(ctx, `SELECT `+voucherColumns+` FROM vouchers v WHERE v.id = $1`, id))
}
