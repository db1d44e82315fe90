package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/ledger"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/store/sqlite"
)

// BenchmarkLedgerPosting records one credit posting (two funds) per
// transaction, with synchronous=FULL as in production.
func BenchmarkLedgerPosting(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	if err := db.CreatePerson(ctx, identity.PersonRecord{ID: "p", Region: "110000", Type: identity.Flexible,
		NameSealed: []byte{1}, IDSealed: []byte{2}, PhoneSealed: []byte{3}, IDIndex: []byte{4}, PhoneIndex: []byte{5}, CreatedAt: at}); err != nil {
		b.Fatal(err)
	}
	ids := make([]string, b.N)
	err = db.Payments().InTx(ctx, func(tx payment.Tx) error {
		for i := range ids {
			ids[i] = fmt.Sprintf("ord_%d", i)
			o := payment.Order{ID: ids[i], PersonID: "p", PayerID: "p", Region: "110000", Channel: "wechatpay", State: payment.Credited,
				AmountFen: 223916, Description: "x", OutTradeNo: "SB" + ids[i], IdempotencyKey: ids[i], RequestHash: []byte{1},
				CreatedAt: at, UpdatedAt: at, ExpiresAt: at, Version: 1}
			if err := tx.InsertOrder(ctx, o); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := ledger.Credit(ids[i], []ledger.Line{{Region: "110000", Insurance: "110", Amount: 145400}, {Region: "110000", Insurance: "310", Amount: 78516}})
		if err := db.Payments().InTx(ctx, func(tx payment.Tx) error { return tx.RecordPosting(ctx, p, at) }); err != nil {
			b.Fatal(err)
		}
	}
}
