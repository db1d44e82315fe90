package storetest

import (
	"context"
	"testing"

	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/payment"
)

// offsetAudit is what `shebao audit` asks of an engine about the family
// offset: the orders whose debit from a medical personal account stands.
type offsetAudit interface {
	OffsetDebitedFen(ctx context.Context) (money.Fen, error)
}

// testOffset: OffsetDebitedFen sums the family-offset orders that were paid
// and not refunded, whatever else is stored.
func testOffset(t *testing.T, open Opener) {
	e := open(t)
	oa, ok := e.(offsetAudit)
	if !ok {
		t.Fatalf("%T has no OffsetDebitedFen", e)
	}
	seedPersons(t, e, 1, 2)
	states := map[string]payment.State{"O1": payment.Created, "O2": payment.Posting, "O3": payment.Credited, "O4": payment.Held,
		"O5": payment.Refunding, "O6": payment.Refunded, "O7": payment.Failed, "O8": payment.Closed, "O9": payment.Paid}
	inTx(t, e, func(tx payment.Tx) error {
		for id, st := range states {
			o := order(id, "P0001", "P0002")
			o.Channel, o.State, o.AmountFen = payment.OffsetChannel, st, 40_000
			if err := tx.InsertOrder(t.Context(), o); err != nil {
				return err
			}
		}
		other := order("W1", "P0001", "P0001")
		other.State = payment.Credited
		return tx.InsertOrder(t.Context(), other)
	})
	got, err := oa.OffsetDebitedFen(t.Context())
	must(t, err)
	// Paid, posting, credited, held and refunding: the debit stands.
	if got != 5*40_000 {
		t.Errorf("OffsetDebitedFen = %d, want %d", got, 5*40_000)
	}
}
