package voucher

import (
	"testing"
	"time"
)

func TestRetainUntil(t *testing.T) {
	shanghai := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 5, 0, cst) }
	tests := []struct {
		name   string
		kind   Kind
		issued time.Time
		want   time.Time
		ok     bool
	}{
		{"fiscal is long-term", FiscalReceipt, testNow, time.Time{}, false},
		{"acceptance 2 years", AcceptanceReceipt, testNow, shanghai(2028, 11, 15, 10, 4), true},
		{"statement 18 months", TransactionStatement, testNow, shanghai(2028, 5, 15, 10, 4), true},
		// 23:30 UTC on 31 January is already 1 February in Beijing: count from there.
		{"statement counts in CST", TransactionStatement, time.Date(2026, 1, 31, 23, 30, 5, 0, time.UTC),
			shanghai(2027, 8, 1, 7, 30), true},
		// 31 August + 18 months has no 31 February: roll forward, never keep less.
		{"statement rolls forward", TransactionStatement, shanghai(2026, 8, 31, 9, 0), shanghai(2028, 3, 2, 9, 0), true},
		{"acceptance from leap day", AcceptanceReceipt, shanghai(2028, 2, 29, 9, 0), shanghai(2030, 3, 1, 9, 0), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.kind.RetainUntil(tt.issued)
			if ok != tt.ok || !got.Equal(tt.want) {
				t.Fatalf("RetainUntil = %v, %t; want %v, %t", got, ok, tt.want, tt.ok)
			}
			if ok && got.Location() != cst {
				t.Errorf("RetainUntil in %v, want CST", got.Location())
			}
		})
	}
}

func TestKindNames(t *testing.T) {
	tests := []struct {
		kind           Kind
		title, titleEn string
		years, months  int
	}{
		{FiscalReceipt, "财政电子票据", "Fiscal e-receipt", 0, 0},
		{AcceptanceReceipt, "受理回执", "Acceptance receipt", 2, 0},
		{TransactionStatement, "交易明细", "Transaction statement", 0, 18},
	}
	for _, tt := range tests {
		y, m := tt.kind.Retention()
		if !tt.kind.Valid() || tt.kind.Title() != tt.title || tt.kind.TitleEn() != tt.titleEn || y != tt.years || m != tt.months {
			t.Errorf("%s: %t %q %q %d/%d", tt.kind, tt.kind.Valid(), tt.kind.Title(), tt.kind.TitleEn(), y, m)
		}
	}
	if Kind("invoice").Valid() {
		t.Error("unknown kind is valid")
	}
}

func TestParseTimeIsStrict(t *testing.T) {
	for _, s := range []string{"2026-11-15T02:04:05Z", "2026-11-15T10:04:05.5+08:00", "2026-11-15 10:04:05", ""} {
		if _, err := parseTime("t", s); err == nil {
			t.Errorf("parseTime(%q) accepted a non-canonical time", s)
		}
	}
	if _, err := parseTime("t", "2026-11-15T10:04:05+08:00"); err != nil {
		t.Errorf("canonical time refused: %v", err)
	}
}
