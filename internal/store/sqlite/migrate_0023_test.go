package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/shebao-project/shebao/internal/payment"
)

// TestCardExcessBackfill: a card debit booked as owed back before
// migration 0023 (a card_excess posting, no row) gets its row, failed, so
// that operators see it and return it by hand, and the audit finds it on
// record.
func TestCardExcessBackfill(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db")
	if err := open(t, path).Close(); err != nil {
		t.Fatal(err)
	}
	// The state before 0023, written as the old code did (no foreign keys
	// in a raw shell, so no person row is needed).
	db := raw(t, path)
	for _, q := range []string{
		`INSERT INTO orders (id, person_id, payer_id, region, channel, state, amount_fen, description, out_trade_no,
			idempotency_key, request_hash, created_at, updated_at, expires_at, version)
			VALUES ('O1', 'P1', 'P1', '330100', 'credit_pay', 'credited', 99720, 'x', 'SB2026110317301500000001', 'k', x'00', 1000, 1000, 1000, 1)`,
		`DROP TABLE card_excesses`,
		`DELETE FROM schema_migrations WHERE version LIKE '0023%' OR version LIKE '0025%'`, // 0025 alters the table
		`INSERT INTO credits (order_id, person_id, amount_fen, due_at, status, repay_channel, created_at, updated_at, version)
			VALUES ('O1', 'P1', 99720, 1000, 'repaid', 'wechatpay_native', 1000, 2000, 2)`,
		`INSERT INTO ledger_postings (id, order_id, kind, at) VALUES (7, 'O1', 'card_excess:CP2026110317301500000103', 3000)`,
		`INSERT INTO ledger_entries (posting_id, account, amount_fen) VALUES (7, 'clearing:ssc_account', 99720), (7, 'refund_payable', -99720)`,
	} {
		if _, err := db.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	d := open(t, path)
	defer d.Close()
	x, err := d.Credits().CardExcess(t.Context(), "CP2026110317301500000103")
	if err != nil {
		t.Fatal(err)
	}
	want := payment.CardExcess{TradeNo: "CP2026110317301500000103", OrderID: "O1", PersonID: "P1", Channel: "ssc_account",
		AmountFen: 99720, OutRefundNo: "RC2026110317301500000103", Attempt: 1, RefundStatus: "failed", Version: 1}
	if x.TradeNo != want.TradeNo || x.OrderID != want.OrderID || x.PersonID != want.PersonID || x.Channel != want.Channel ||
		x.AmountFen != want.AmountFen || x.OutRefundNo != want.OutRefundNo || x.Attempt != want.Attempt || x.RefundStatus != want.RefundStatus ||
		x.CreatedAt.UnixMilli() != 3000 {
		t.Fatalf("backfilled %+v, want %+v created at 3000 ms", x, want)
	}
}
