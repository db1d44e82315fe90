package risk

import (
	"strings"
	"testing"
)

func TestAssess(t *testing.T) {
	r := Default()
	tests := []struct {
		name string
		f    Facts
		want string
	}{
		{"ordinary month", Facts{AmountFen: 223916, TypicalFen: 223916, PaidLastDay: 0, PayeesLastDay: 1}, ""},
		{"first payment of a large back payment", Facts{AmountFen: 4_000_000, PayeesLastDay: 1}, ""},
		{"above the review line", Facts{AmountFen: 5_000_001, PayeesLastDay: 1}, "single-payment review line"},
		{"exactly the line is not above it", Facts{AmountFen: 5_000_000, PayeesLastDay: 1}, ""},
		{"sudden jump", Facts{AmountFen: 2_500_000, TypicalFen: 200_000, PayeesLastDay: 1}, "over 10×"},
		{"small amounts never count as a jump", Facts{AmountFen: 900_000, TypicalFen: 10_000, PayeesLastDay: 1}, ""},
		{"many payments", Facts{AmountFen: 100, PaidLastDay: 6, PayeesLastDay: 1}, "6 other payments"},
		{"many payees", Facts{AmountFen: 100, PayeesLastDay: 4}, "4 different people"},
	}
	for _, tt := range tests {
		got := strings.Join(r.Assess(tt.f), "; ")
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("%s: Assess = %q, want %q", tt.name, got, tt.want)
		}
	}
	if (Rules{}).Assess(Facts{AmountFen: 1 << 40, PaidLastDay: 99, PayeesLastDay: 99}) != nil {
		t.Error("zero rules hold payments")
	}
}
