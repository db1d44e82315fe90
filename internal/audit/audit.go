// Package audit checks the invariants that say no fen was lost or doubled:
// the ledger balances, every paid order was posted, refunded or held exactly
// once, vouchers exist for exactly the credited orders, and bills were paid
// by exactly the orders that credited them. `shebao audit` prints the result
// and exits non-zero on any difference.
package audit

import (
	"context"
	"fmt"
	"sort"

	"github.com/shebao-project/shebao/internal/ledger"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/payment"
)

// OrderFacts is what the store knows about one order, gathered for checking.
type OrderFacts struct {
	ID        string
	State     payment.State
	AmountFen money.Fen
	// Postings maps each ledger movement of the order to its debit total.
	Postings map[ledger.Kind]money.Fen
	Vouchers int
	// BillsPaid counts the bills whose paid_order_id is this order, and
	// BillsPaidFen their amounts; BillsHeld counts bills it holds unpaid.
	BillsPaid    int
	BillsPaidFen money.Fen
	BillsHeld    int
	Bills        int // bills the order was for
	RefundStatus string
}

// Store is what the audit reads.
type Store interface {
	// UnbalancedPostings lists postings whose entries do not sum to zero.
	UnbalancedPostings(ctx context.Context) ([]string, error)
	// AuditOrders calls fn for every order, in id order.
	AuditOrders(ctx context.Context, fn func(OrderFacts) error) error
	Balances(ctx context.Context) (map[string]int64, error)
	// OutstandingCreditFen sums the credit pay credits still owed
	// (outstanding or overdue).
	OutstandingCreditFen(ctx context.Context) (money.Fen, error)
	// OffsetDebitedFen sums the family-offset orders whose debit from a
	// medical personal account stands (paid, not refunded).
	OffsetDebitedFen(ctx context.Context) (money.Fen, error)
	// AuditRepayments calls fn for every WeChat Pay repayment of overdue
	// credits, in id order.
	AuditRepayments(ctx context.Context, fn func(RepaymentFacts) error) error
	// AuditCardExcesses calls fn for every card debit owed back (on record
	// or posted), in trade number order.
	AuditCardExcesses(ctx context.Context, fn func(CardExcessFacts) error) error
}

// Report is the audit's findings.
type Report struct {
	Orders    int                   `json:"orders"`
	ByState   map[payment.State]int `json:"by_state"`
	Balances  map[string]int64      `json:"balances_fen"`
	Problems  []string              `json:"problems"`
	CreditFen money.Fen             `json:"credited_fen"` // money credited to funds
}

// OK reports a clean audit.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// Run audits the whole store.
func Run(ctx context.Context, s Store) (*Report, error) {
	r := &Report{ByState: map[payment.State]int{}}
	bad, err := s.UnbalancedPostings(ctx)
	if err != nil {
		return nil, err
	}
	for _, b := range bad {
		r.Problems = append(r.Problems, "ledger posting does not balance: "+b)
	}
	if r.Balances, err = s.Balances(ctx); err != nil {
		return nil, err
	}
	var sum int64
	for _, v := range r.Balances {
		sum += v
	}
	if sum != 0 {
		r.Problems = append(r.Problems, fmt.Sprintf("ledger total is %d fen, want 0", sum))
	}
	owed, err := s.OutstandingCreditFen(ctx)
	if err != nil {
		return nil, err
	}
	if p := CheckCredit(r.Balances[ledger.CreditReceivable], owed); p != "" {
		r.Problems = append(r.Problems, p)
	}
	debited, err := s.OffsetDebitedFen(ctx)
	if err != nil {
		return nil, err
	}
	if p := CheckOffset(r.Balances[ledger.MedicalAccountOffset], debited); p != "" {
		r.Problems = append(r.Problems, p)
	}
	err = s.AuditRepayments(ctx, func(f RepaymentFacts) error {
		for _, p := range CheckRepayment(f) {
			r.Problems = append(r.Problems, "credit repayment "+f.ID+": "+p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = s.AuditCardExcesses(ctx, func(f CardExcessFacts) error {
		for _, p := range CheckCardExcess(f) {
			r.Problems = append(r.Problems, "card debit owed back "+f.TradeNo+": "+p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = s.AuditOrders(ctx, func(f OrderFacts) error {
		r.Orders++
		r.ByState[f.State]++
		r.CreditFen += f.Postings[ledger.Credited]
		for _, p := range Check(f) {
			r.Problems = append(r.Problems, "order "+f.ID+": "+p)
		}
		return nil
	})
	return r, err
}

// Check applies the per-order invariants; it is pure and table-tested.
func Check(f OrderFacts) []string {
	var out []string
	has := func(k ledger.Kind) bool { _, ok := f.Postings[k]; return ok }
	want := func(k ledger.Kind, amount money.Fen) {
		if got, ok := f.Postings[k]; !ok {
			out = append(out, fmt.Sprintf("%s but no %q ledger posting", f.State, k))
		} else if got != amount {
			out = append(out, fmt.Sprintf("%q posting of %d fen, order amount %d fen", k, got, amount))
		}
	}
	none := func(kinds ...ledger.Kind) {
		for _, k := range kinds {
			if has(k) {
				out = append(out, fmt.Sprintf("%s but has a %q ledger posting", f.State, k))
			}
		}
	}
	switch f.State {
	case payment.Created, payment.AwaitingPayment, payment.Closed, payment.Failed:
		none(ledger.Received, ledger.Credited, ledger.RefundPending, ledger.Refunded)
	case payment.Paid, payment.Posting:
		want(ledger.Received, f.AmountFen)
		none(ledger.Credited, ledger.RefundPending, ledger.Refunded)
	case payment.Held:
		if !has(ledger.Received) {
			out = append(out, "held but no \"received\" ledger posting")
		}
		none(ledger.Credited, ledger.Refunded)
	case payment.Credited:
		want(ledger.Received, f.AmountFen)
		want(ledger.Credited, f.AmountFen)
		none(ledger.RefundPending, ledger.Refunded)
		if f.BillsPaid != f.Bills || f.BillsPaidFen != f.AmountFen {
			out = append(out, fmt.Sprintf("credited with %d of %d bills paid (%d fen of %d)", f.BillsPaid, f.Bills, f.BillsPaidFen, f.AmountFen))
		}
	case payment.Refunding, payment.Refunded:
		// What goes back is what arrived: for a payment held because it
		// was another amount than the order's, not the order's amount.
		received, ok := f.Postings[ledger.Received]
		if !ok {
			out = append(out, fmt.Sprintf("%s but no %q ledger posting", f.State, ledger.Received))
		}
		back := []ledger.Kind{ledger.RefundPending}
		if f.State == payment.Refunded {
			back = append(back, ledger.Refunded)
		} else {
			none(ledger.Refunded)
		}
		for _, k := range back {
			if got, ok := f.Postings[k]; !ok {
				out = append(out, fmt.Sprintf("%s but no %q ledger posting", f.State, k))
			} else if got != received {
				out = append(out, fmt.Sprintf("%q posting of %d fen, %d fen received", k, got, received))
			}
		}
		none(ledger.Credited)
		if f.State == payment.Refunded && f.RefundStatus != "succeeded" {
			out = append(out, "refunded but the refund is "+f.RefundStatus)
		}
	default:
		out = append(out, "unknown state "+string(f.State))
	}
	if f.State == payment.Credited && f.Vouchers != 3 {
		out = append(out, fmt.Sprintf("credited with %d vouchers, want 3", f.Vouchers))
	}
	if f.State != payment.Credited && f.Vouchers != 0 {
		out = append(out, fmt.Sprintf("%s but has %d vouchers", f.State, f.Vouchers))
	}
	if f.State != payment.Credited && f.BillsPaid != 0 {
		out = append(out, fmt.Sprintf("%s but marked %d bills paid", f.State, f.BillsPaid))
	}
	if (f.State == payment.Closed || f.State == payment.Failed || f.State == payment.Refunded || f.State == payment.Refunding) && f.BillsHeld != 0 {
		out = append(out, fmt.Sprintf("%s but still holds %d bills", f.State, f.BillsHeld))
	}
	return out
}

// Accounts lists the balances in a stable order for printing.
func (r *Report) Accounts() []string {
	out := make([]string, 0, len(r.Balances))
	for a := range r.Balances {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// CheckCredit compares the credit receivable account with the credits
// outstanding: every fen lent by credit pay is either still owed or was
// repaid (or written off) by a posting.
func CheckCredit(receivable int64, owed money.Fen) string {
	if money.Fen(receivable) != owed {
		return fmt.Sprintf("credit receivable is %d fen, outstanding credits %d fen", receivable, owed)
	}
	return ""
}

// CheckOffset compares the medical account offset account with the family
// offset orders whose debit stands: every fen taken from a personal account
// belongs to an order paid by it, until a reversal gives it back.
func CheckOffset(balance int64, debited money.Fen) string {
	if money.Fen(balance) != debited {
		return fmt.Sprintf("medical account offset is %d fen, offset orders paid and not refunded %d fen", balance, debited)
	}
	return ""
}
