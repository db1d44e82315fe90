package payment

import (
	"testing"
	"time"
)

func TestRepayDue(t *testing.T) {
	cst := Beijing()
	tests := []struct {
		name string
		at   time.Time
		day  int
		want time.Time
	}{
		{"mid-month", time.Date(2026, 11, 27, 7, 0, 0, 0, time.UTC), 15, time.Date(2026, 12, 15, 9, 0, 0, 0, cst)},
		{"December rolls into the new year", time.Date(2026, 12, 3, 2, 0, 0, 0, time.UTC), 15, time.Date(2027, 1, 15, 9, 0, 0, 0, cst)},
		// 30 Nov 17:00 UTC is already 1 Dec in Beijing: the month that counts is Beijing's.
		{"Beijing's month, not UTC's", time.Date(2026, 11, 30, 17, 0, 0, 0, time.UTC), 15, time.Date(2027, 1, 15, 9, 0, 0, 0, cst)},
		{"January 31st to the 28th of February", time.Date(2027, 1, 31, 3, 0, 0, 0, time.UTC), 28, time.Date(2027, 2, 28, 9, 0, 0, 0, cst)},
		{"first day", time.Date(2026, 6, 1, 0, 0, 0, 0, cst), 1, time.Date(2026, 7, 1, 9, 0, 0, 0, cst)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RepayDue(tt.at, tt.day); !got.Equal(tt.want) {
				t.Fatalf("RepayDue(%s, %d) = %s, want %s", tt.at, tt.day, got, tt.want)
			}
		})
	}
}

func TestRepayTradeNo(t *testing.T) {
	o := Order{OutTradeNo: "SB20261127151017L5DZL9SY69"}
	seen := map[string]bool{}
	for attempt := range 11 {
		no := repayTradeNo(o, attempt)
		if len(no) > 32 || seen[no] || no[:2] != "CP" {
			t.Fatalf("attempt %d: trade number %q (length %d, seen before %v)", attempt, no, len(no), seen[no])
		}
		seen[no] = true
	}
	// The same attempt, asked again (say after a crash), reuses its number,
	// so a lost answer is recovered by query rather than paid twice.
	first, again := repayTradeNo(o, 3), repayTradeNo(Order{OutTradeNo: o.OutTradeNo}, 3)
	if first != again {
		t.Fatalf("attempt 3 gave %q, then %q", first, again)
	}
}

func TestCreditOwed(t *testing.T) {
	for status, owed := range map[string]bool{CreditOutstanding: true, CreditOverdue: true, CreditRepaid: false, CreditCancelled: false} {
		if (Credit{Status: status}).Owed() != owed {
			t.Errorf("%s: owed = %v", status, !owed)
		}
	}
}
