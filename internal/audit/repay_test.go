package audit

import "testing"

func TestCheckRepayment(t *testing.T) {
	tests := []struct {
		name string
		f    RepaymentFacts
		bad  bool
	}{
		{"open", RepaymentFacts{Status: "awaiting_payment", ExcessPosted: -1, RefundPosted: -1}, false},
		{"closed with a posting", RepaymentFacts{Status: "closed", ExcessPosted: 100, RefundPosted: -1}, true},
		{"repaid", RepaymentFacts{Status: "paid", PaidFen: 100, AppliedFen: 100, RepaidFen: 100, ExcessPosted: -1, RefundPosted: -1}, false},
		{"applied but credit not marked", RepaymentFacts{Status: "paid", PaidFen: 100, AppliedFen: 100, RepaidFen: 0, ExcessPosted: -1, RefundPosted: -1}, true},
		{"fen unaccounted", RepaymentFacts{Status: "paid", PaidFen: 150, AppliedFen: 100, RepaidFen: 100, ExcessPosted: -1, RefundPosted: -1}, true},
		{"refund pending", RepaymentFacts{Status: "paid", PaidFen: 100, RefundFen: 100, RefundStatus: "processing", ExcessPosted: 100, RefundPosted: -1}, false},
		{"refunded", RepaymentFacts{Status: "paid", PaidFen: 100, RefundFen: 100, RefundStatus: "succeeded", ExcessPosted: 100, RefundPosted: 100}, false},
		{"refunded, not posted", RepaymentFacts{Status: "paid", PaidFen: 100, RefundFen: 100, RefundStatus: "succeeded", ExcessPosted: 100, RefundPosted: -1}, true},
		{"refund not owed in the ledger", RepaymentFacts{Status: "paid", PaidFen: 100, RefundFen: 100, RefundStatus: "requested", ExcessPosted: -1, RefundPosted: -1}, true},
		{"part repaid, part refunded", RepaymentFacts{Status: "paid", PaidFen: 300, AppliedFen: 200, RepaidFen: 200, RefundFen: 100, RefundStatus: "succeeded", ExcessPosted: 100, RefundPosted: 100}, false},
	}
	for _, tt := range tests {
		if got := CheckRepayment(tt.f); (len(got) > 0) != tt.bad {
			t.Errorf("%s: problems %q, want bad=%v", tt.name, got, tt.bad)
		}
	}
}
