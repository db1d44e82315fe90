package audit

import (
	"fmt"

	"github.com/shebao-project/shebao/internal/money"
)

// CardExcessFacts is what the store knows about one card debit that
// landed on a credit no longer owed and is owed back, gathered for
// checking: its row (AmountFen -1 when there is none) and the debit totals
// of its "owed back" and "returned" postings (-1 when absent).
type CardExcessFacts struct {
	TradeNo        string
	RefundStatus   string
	AmountFen      money.Fen
	ExcessPosted   money.Fen
	ReturnedPosted money.Fen
}

// CheckCardExcess applies the invariants of a card debit owed back: it is
// posted as owed back once, for its amount; once refunded it is posted as
// returned for the same amount, so its refund payable is back to 0; until
// then it is still owed back, with a refund under way or failed (listed
// for operators), and nothing is posted as returned. It is pure and
// table-tested.
func CheckCardExcess(f CardExcessFacts) []string {
	switch {
	case f.AmountFen < 0:
		return []string{fmt.Sprintf("%d fen posted as owed back but no refund of it is on record", f.ExcessPosted)}
	case f.ExcessPosted != f.AmountFen:
		return []string{fmt.Sprintf("%d fen owed back but %d fen posted as owed back", f.AmountFen, f.ExcessPosted)}
	}
	switch f.RefundStatus {
	case "succeeded":
		if f.ReturnedPosted != f.AmountFen {
			return []string{fmt.Sprintf("refunded but %d fen posted as returned, want %d", f.ReturnedPosted, f.AmountFen)}
		}
	case "requested", "processing", "failed":
		if f.ReturnedPosted >= 0 {
			return []string{fmt.Sprintf("refund %s but %d fen posted as returned", f.RefundStatus, f.ReturnedPosted)}
		}
	default:
		return []string{"unknown refund status " + f.RefundStatus}
	}
	return nil
}
