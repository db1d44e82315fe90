package money

import (
	"errors"
	"math"
	"testing"
)

func TestYuanAndDisplay(t *testing.T) {
	tests := []struct {
		in            Fen
		yuan, display string
	}{
		{0, "0.00", "¥0.00"},
		{1, "0.01", "¥0.01"},
		{145400, "1454.00", "¥1,454.00"},
		{123456789, "1234567.89", "¥1,234,567.89"},
		{-5, "-0.05", "-¥0.05"},
	}
	for _, tt := range tests {
		if got := tt.in.Yuan(); got != tt.yuan {
			t.Errorf("Fen(%d).Yuan() = %q, want %q", tt.in, got, tt.yuan)
		}
		if got := tt.in.Display(); got != tt.display {
			t.Errorf("Fen(%d).Display() = %q, want %q", tt.in, got, tt.display)
		}
	}
}

func TestParseYuan(t *testing.T) {
	tests := []struct {
		in      string
		want    Fen
		wantErr bool
	}{
		{"7270", 727000, false},
		{"7270.5", 727050, false},
		{"7270.05", 727005, false},
		{"-1.10", -110, false},
		{"0.001", 0, true}, // three decimals are a misreading, not something to round
		{"1e3", 0, true},
		{"", 0, true},
		{"12.", 0, true},
		{"99999999999999999999", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseYuan(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseYuan(%q) = %d, %v; want %d, err=%v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestSumOverflow(t *testing.T) {
	if got, err := Sum(1, 2, 3); err != nil || got != 6 {
		t.Fatalf("Sum(1,2,3) = %d, %v", got, err)
	}
	if _, err := Sum(math.MaxInt64, 1); !errors.Is(err, ErrOverflow) {
		t.Fatalf("Sum(max, 1) err = %v, want ErrOverflow", err)
	}
	if _, err := Sum(math.MinInt64, -1); !errors.Is(err, ErrOverflow) {
		t.Fatalf("Sum(min, -1) err = %v, want ErrOverflow", err)
	}
}

func TestParseRate(t *testing.T) {
	tests := []struct {
		in, str string
		wantErr bool
	}{
		{"0.20", "0.20", false},
		{"0.08", "0.08", false},
		{"0.0005", "0.0005", false},
		{"1", "1", false},
		{"0.105", "0.105", false},
		{"-0.2", "", true},
		{"0.123456789", "", true},
		{"2e-1", "", true},
		{".2", "", true},
	}
	for _, tt := range tests {
		r, err := ParseRate(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseRate(%q) err = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if err == nil && r.String() != tt.str {
			t.Errorf("ParseRate(%q).String() = %q, want %q", tt.in, r.String(), tt.str)
		}
	}
}

func TestRateCmp(t *testing.T) {
	if MustRate("0.2").Cmp(MustRate("0.20")) != 0 {
		t.Error("0.2 != 0.20")
	}
	if MustRate("0.105").Cmp(MustRate("0.11")) != -1 {
		t.Error("0.105 should be below 0.11")
	}
	if MustRate("1").Cmp(MustRate("0.99999999")) != 1 {
		t.Error("1 should be above 0.99999999")
	}
}

// TestApply checks every rounding mode on the cases where they disagree, with
// figures from real notices where they exist (Beijing 2026 floor 7270 yuan).
func TestApply(t *testing.T) {
	tests := []struct {
		base Fen
		rate string
		mode Rounding
		want Fen
	}{
		{727000, "0.20", HalfUpFen, 145400},  // Beijing floor × 20%: exact
		{738400, "0.11", HalfUpFen, 81224},   // 7384 × 0.11 = 812.24 exactly
		{738450, "0.11", HalfUpFen, 81230},   // 812.295 → 812.30 (half rounds up)
		{738450, "0.11", DownFen, 81229},     // 812.295 → 812.29
		{738400, "0.11", UpJiao, 81230},      // 见分进角: 812.24 → 812.30
		{738000, "0.11", UpJiao, 81180},      // 811.80 is already whole jiao
		{738450, "0.11", HalfUpYuan, 81200},  // 812.295 → 812
		{745460, "0.11", HalfUpYuan, 82000},  // 820.006 → 820, not 820.01 → 820 twice
		{100, "0.0005", HalfUpFen, 0},        // 0.05 fen rounds to 0
		{1000, "0.0005", HalfUpFen, 1},       // 0.5 fen rounds up to 1
		{3634800, "0.20", HalfUpFen, 726960}, // Beijing ceiling × 20%
		{0, "0.20", HalfUpFen, 0},
	}
	for _, tt := range tests {
		got, err := MustRate(tt.rate).Apply(tt.base, tt.mode)
		if err != nil || got != tt.want {
			t.Errorf("%s × %s (%s) = %d, %v; want %d", tt.base.Yuan(), tt.rate, tt.mode, got, err, tt.want)
		}
	}
	if _, err := MustRate("0.2").Apply(-1, HalfUpFen); err == nil {
		t.Error("negative base accepted")
	}
	if _, err := MustRate("0.2").Apply(100, Rounding("banker")); err == nil {
		t.Error("unknown rounding accepted")
	}
	if _, err := MustRate("99999.99999999").Apply(math.MaxInt64/2, HalfUpFen); !errors.Is(err, ErrOverflow) {
		t.Errorf("overflow not reported: %v", err)
	}
}

func TestRateMul(t *testing.T) {
	daily := MustRate("0.0005")
	days := MustRate("30")
	got, err := daily.Mul(days)
	if err != nil || got.Cmp(MustRate("0.015")) != 0 {
		t.Fatalf("0.0005 × 30 = %s, %v", got, err)
	}
}

// FuzzApplyMonotone checks that a larger base never yields a smaller amount,
// whatever the mode: people choosing a higher base must never pay less.
func FuzzApplyMonotone(f *testing.F) {
	f.Add(int64(727000), int64(1), uint8(0))
	f.Fuzz(func(t *testing.T, base, delta int64, m uint8) {
		modes := []Rounding{HalfUpFen, DownFen, UpJiao, HalfUpYuan}
		mode := modes[int(m)%len(modes)]
		if base < 0 || delta < 0 || base > 1e12 || delta > 1e12 {
			t.Skip()
		}
		r := MustRate("0.105")
		a, err1 := r.Apply(Fen(base), mode)
		b, err2 := r.Apply(Fen(base+delta), mode)
		if err1 != nil || err2 != nil {
			t.Fatalf("errors: %v %v", err1, err2)
		}
		if b < a {
			t.Fatalf("base %d→%d gave %d→%d under %s", base, base+delta, a, b, mode)
		}
	})
}
