package audit

import (
	"fmt"

	"github.com/shebao-project/shebao/internal/money"
)

// RepaymentFacts is what the store knows about one WeChat Pay repayment
// of overdue credits, gathered for checking.
type RepaymentFacts struct {
	ID           string
	Status       string
	RefundStatus string
	PaidFen      money.Fen
	AppliedFen   money.Fen
	RefundFen    money.Fen
	// RepaidFen sums the credits marked repaid by its transaction.
	RepaidFen money.Fen
	// ExcessPosted and RefundPosted are the debit totals of its "money
	// owed back" and "money refunded" postings; -1 when there is none.
	ExcessPosted money.Fen
	RefundPosted money.Fen
}

// CheckRepayment applies the invariants of a repayment: every fen paid
// either repaid credits (and exactly those marked repaid by it) or is
// owed back and, once refunded, posted as refunded; an unpaid repayment
// moved no money. It is pure and table-tested.
func CheckRepayment(f RepaymentFacts) []string {
	var out []string
	if f.Status != "paid" {
		if f.PaidFen != 0 || f.AppliedFen != 0 || f.RefundFen != 0 || f.RepaidFen != 0 || f.ExcessPosted >= 0 || f.RefundPosted >= 0 {
			out = append(out, fmt.Sprintf("%s but moved money (paid %d, applied %d, refund %d, credits repaid %d fen, postings %d/%d)",
				f.Status, f.PaidFen, f.AppliedFen, f.RefundFen, f.RepaidFen, f.ExcessPosted, f.RefundPosted))
		}
		return out
	}
	if f.PaidFen <= 0 || f.AppliedFen+f.RefundFen != f.PaidFen {
		out = append(out, fmt.Sprintf("paid %d fen, of which %d repaid credits and %d is refunded", f.PaidFen, f.AppliedFen, f.RefundFen))
	}
	if f.RepaidFen != f.AppliedFen {
		out = append(out, fmt.Sprintf("applied %d fen but credits of %d fen are marked repaid by it", f.AppliedFen, f.RepaidFen))
	}
	switch {
	case f.RefundFen == 0 && (f.ExcessPosted >= 0 || f.RefundPosted >= 0 || f.RefundStatus != ""):
		out = append(out, "nothing to refund but has a refund ("+f.RefundStatus+") or its postings")
	case f.RefundFen > 0 && f.ExcessPosted != f.RefundFen:
		out = append(out, fmt.Sprintf("refund of %d fen but %d fen posted as owed back", f.RefundFen, f.ExcessPosted))
	case f.RefundFen > 0 && (f.RefundStatus == "succeeded") != (f.RefundPosted == f.RefundFen):
		out = append(out, fmt.Sprintf("refund %s but %d fen posted as refunded, want %d once it succeeded", f.RefundStatus, f.RefundPosted, f.RefundFen))
	}
	return out
}
