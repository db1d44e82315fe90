package audit

import (
	"strings"
	"testing"

	"github.com/shebao-project/shebao/internal/ledger"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/payment"
)

func TestCheck(t *testing.T) {
	const amt = money.Fen(223916)
	p := func(kinds ...ledger.Kind) map[ledger.Kind]money.Fen {
		m := map[ledger.Kind]money.Fen{}
		for _, k := range kinds {
			m[k] = amt
		}
		return m
	}
	credited := OrderFacts{ID: "o", State: payment.Credited, AmountFen: amt, Postings: p(ledger.Received, ledger.Credited),
		Vouchers: 3, Bills: 2, BillsPaid: 2, BillsPaidFen: amt}
	tests := []struct {
		name string
		f    func(OrderFacts) OrderFacts
		want string // "" = clean; else a fragment of the problem
	}{
		{"credited clean", func(f OrderFacts) OrderFacts { return f }, ""},
		{"credited twice", func(f OrderFacts) OrderFacts { f.Postings[ledger.Credited] = 2 * amt; return f }, `"credited" posting of 447832`},
		{"credited without vouchers", func(f OrderFacts) OrderFacts { f.Vouchers = 0; return f }, "0 vouchers"},
		{"credited, a bill unpaid", func(f OrderFacts) OrderFacts { f.BillsPaid, f.BillsPaidFen = 1, 145400; return f }, "1 of 2 bills"},
		{"credited and refunded", func(f OrderFacts) OrderFacts { f.Postings[ledger.Refunded] = amt; return f }, `has a "refunded"`},
		{"closed clean", func(f OrderFacts) OrderFacts {
			return OrderFacts{ID: "o", State: payment.Closed, AmountFen: amt, Postings: p()}
		}, ""},
		{"closed but received money", func(f OrderFacts) OrderFacts {
			return OrderFacts{ID: "o", State: payment.Closed, AmountFen: amt, Postings: p(ledger.Received)}
		}, `closed but has a "received"`},
		{"closed still holding bills", func(f OrderFacts) OrderFacts {
			return OrderFacts{ID: "o", State: payment.Closed, AmountFen: amt, Postings: p(), BillsHeld: 2}
		}, "still holds 2 bills"},
		{"paid without posting", func(f OrderFacts) OrderFacts {
			return OrderFacts{ID: "o", State: payment.Paid, AmountFen: amt, Postings: p()}
		}, `no "received"`},
		{"refunded clean", func(f OrderFacts) OrderFacts {
			return OrderFacts{ID: "o", State: payment.Refunded, AmountFen: amt, Postings: p(ledger.Received, ledger.RefundPending, ledger.Refunded), RefundStatus: "succeeded"}
		}, ""},
		{"refunded what arrived, another amount than the order's", func(f OrderFacts) OrderFacts {
			ps := map[ledger.Kind]money.Fen{ledger.Received: amt - 1, ledger.RefundPending: amt - 1, ledger.Refunded: amt - 1}
			return OrderFacts{ID: "o", State: payment.Refunded, AmountFen: amt, Postings: ps, RefundStatus: "succeeded"}
		}, ""},
		{"refunded less than arrived", func(f OrderFacts) OrderFacts {
			ps := map[ledger.Kind]money.Fen{ledger.Received: amt + 1, ledger.RefundPending: amt, ledger.Refunded: amt}
			return OrderFacts{ID: "o", State: payment.Refunded, AmountFen: amt, Postings: ps, RefundStatus: "succeeded"}
		}, `"refund_pending" posting of 223916 fen, 223917 fen received`},
		{"refunding without owing it", func(f OrderFacts) OrderFacts {
			return OrderFacts{ID: "o", State: payment.Refunding, AmountFen: amt, Postings: p(ledger.Received)}
		}, `no "refund_pending"`},
		{"refunded, provider not done", func(f OrderFacts) OrderFacts {
			return OrderFacts{ID: "o", State: payment.Refunded, AmountFen: amt, Postings: p(ledger.Received, ledger.RefundPending, ledger.Refunded), RefundStatus: "processing"}
		}, "refund is processing"},
		{"refunding with vouchers", func(f OrderFacts) OrderFacts {
			return OrderFacts{ID: "o", State: payment.Refunding, AmountFen: amt, Postings: p(ledger.Received, ledger.RefundPending), Vouchers: 3}
		}, "has 3 vouchers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := credited
			c.Postings = p(ledger.Received, ledger.Credited)
			got := strings.Join(Check(tt.f(c)), "; ")
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Fatalf("Check = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCheckCredit(t *testing.T) {
	tests := []struct {
		receivable int64
		owed       money.Fen
		bad        bool
	}{
		{0, 0, false},
		{145400, 145400, false},
		{145400, 0, true},  // a repayment without its posting
		{0, 145400, true},  // a credit extended without its posting
		{-145400, 0, true}, // repaid twice
	}
	for _, tt := range tests {
		if got := CheckCredit(tt.receivable, tt.owed); (got != "") != tt.bad {
			t.Errorf("CheckCredit(%d, %d) = %q, want problem %v", tt.receivable, tt.owed, got, tt.bad)
		}
	}
}

func TestCheckOffset(t *testing.T) {
	tests := []struct {
		balance int64
		debited money.Fen
		bad     bool
	}{
		{0, 0, false},
		{40000, 40000, false},
		{40000, 0, true},  // a refund without its reversal posting, or a debit posted twice
		{0, 40000, true},  // an order paid by offset without its debit posting
		{-40000, 0, true}, // reversed twice
	}
	for _, tt := range tests {
		if got := CheckOffset(tt.balance, tt.debited); (got != "") != tt.bad {
			t.Errorf("CheckOffset(%d, %d) = %q, want problem %v", tt.balance, tt.debited, got, tt.bad)
		}
	}
}

func TestCheckCardExcess(t *testing.T) {
	for _, tt := range []struct {
		name string
		f    CardExcessFacts
		want string // a part of the one problem, or "" for none
	}{
		{"being refunded", CardExcessFacts{RefundStatus: "processing", AmountFen: 500, ExcessPosted: 500, ReturnedPosted: -1}, ""},
		{"refund asked", CardExcessFacts{RefundStatus: "requested", AmountFen: 500, ExcessPosted: 500, ReturnedPosted: -1}, ""},
		{"refused, for an operator", CardExcessFacts{RefundStatus: "failed", AmountFen: 500, ExcessPosted: 500, ReturnedPosted: -1}, ""},
		{"returned", CardExcessFacts{RefundStatus: "succeeded", AmountFen: 500, ExcessPosted: 500, ReturnedPosted: 500}, ""},
		{"posted, no record", CardExcessFacts{AmountFen: -1, ExcessPosted: 500, ReturnedPosted: -1}, "no refund of it is on record"},
		{"record, not posted", CardExcessFacts{RefundStatus: "processing", AmountFen: 500, ExcessPosted: -1, ReturnedPosted: -1}, "posted as owed back"},
		{"returned, not posted", CardExcessFacts{RefundStatus: "succeeded", AmountFen: 500, ExcessPosted: 500, ReturnedPosted: -1}, "posted as returned"},
		{"returned twice the amount", CardExcessFacts{RefundStatus: "succeeded", AmountFen: 500, ExcessPosted: 500, ReturnedPosted: 1000}, "posted as returned"},
		{"posted returned while open", CardExcessFacts{RefundStatus: "processing", AmountFen: 500, ExcessPosted: 500, ReturnedPosted: 500}, "refund processing"},
		{"unknown status", CardExcessFacts{RefundStatus: "lost", AmountFen: 500, ExcessPosted: 500, ReturnedPosted: -1}, "unknown"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := CheckCardExcess(tt.f)
			switch {
			case tt.want == "" && len(got) != 0:
				t.Errorf("problems %q, want none", got)
			case tt.want != "" && (len(got) != 1 || !strings.Contains(got[0], tt.want)):
				t.Errorf("problems %q, want one with %q", got, tt.want)
			}
		})
	}
}
