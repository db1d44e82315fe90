package money

import (
	"math"
	"strings"
	"testing"
)

// TestCapital covers the zero and 整 rules. Cases marked PBOC are the worked
// examples of 《正确填写票据和结算凭证的基本规定》; where that rule leaves a choice
// the comment says which form we take.
func TestCapital(t *testing.T) {
	tests := []struct {
		in   Fen
		want string
	}{
		{0, "零元整"},
		{1, "壹分"},
		{5, "伍分"},                    // 0.05: no 元, no leading 零
		{10, "壹角整"},                  // 角 then 整 (会计基础工作规范 art. 52)
		{15, "壹角伍分"},                 // nothing after 分
		{50, "伍角整"},                  // 0.50
		{100, "壹元整"},                 // 1.00
		{105, "壹元零伍分"},               // 角 zero, 分 not: 零 after 元
		{110, "壹元壹角整"},               // 1.10
		{1000, "壹拾元整"},               // tens keep their digit
		{1005, "壹拾元零伍分"},             // 10.05
		{1050, "壹拾元零伍角整"},            // 元 digit zero, 角 not: we write 零
		{2000, "贰拾元整"},               // 20
		{32504, "叁佰贰拾伍元零肆分"},         // PBOC 325.04
		{100050, "壹仟元零伍角整"},          // 1000.50
		{100100, "壹仟零壹元整"},           // 1001: inner zeros → one 零
		{101000, "壹仟零壹拾元整"},          // 1010: trailing zero unwritten
		{123456, "壹仟贰佰叁拾肆元伍角陆分"},     // the classic
		{140950, "壹仟肆佰零玖元伍角整"},       // PBOC 1409.50 (PBOC omits 整; we write it)
		{145400, "壹仟肆佰伍拾肆元整"},        // Beijing floor × 20%
		{168032, "壹仟陆佰捌拾元零叁角贰分"},     // PBOC 1680.32, first form
		{600714, "陆仟零柒元壹角肆分"},        // PBOC 6007.14
		{1001000, "壹万零壹拾元整"},         // 10010
		{1010100, "壹万零壹佰零壹元整"},       // 10101: two separate runs, two 零
		{1640902, "壹万陆仟肆佰零玖元零贰分"},    // PBOC 16409.02
		{10000000, "壹拾万元整"},          // 100000: zeros at group end unwritten
		{10010000, "壹拾万零壹佰元整"},       // 100100: zero across the 万 split
		{10700053, "壹拾万柒仟元零伍角叁分"},    // PBOC 107000.53, first form
		{100000100, "壹佰万零壹元整"},       // 1000001
		{1000010000, "壹仟万零壹佰元整"},     // 10000100
		{10000000000, "壹亿元整"},        // 100000000 yuan
		{10000000100, "壹亿零壹元整"},      // 100000001: a whole 万 group of zeros, one 零
		{10001000000, "壹亿零壹万元整"},     // 100010000
		{11000000000, "壹亿壹仟万元整"},     // 110000000
		{100000000000000, "壹万亿元整"},   // 1e12 yuan: 万 above 亿
		{100000000000100, "壹万亿零壹元整"}, // 1e12 + 1 yuan
		{123456789012345, "壹万贰仟叁佰肆拾伍亿陆仟柒佰捌拾玖万零壹佰贰拾叁元肆角伍分"},
	}
	for _, tt := range tests {
		got, err := tt.in.Capital()
		if err != nil || got != tt.want {
			t.Errorf("Fen(%d).Capital() = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestCapitalRefusesNegative(t *testing.T) {
	for _, f := range []Fen{-1, -145400, math.MinInt64 + 1} {
		if got, err := f.Capital(); err == nil {
			t.Errorf("Fen(%d).Capital() = %q, want an error", f, got)
		}
	}
}

// FuzzCapital checks the invariants every amount must keep, whatever its
// digits: no doubled 零, no 零 before a unit that closes a group, and an ending
// of 整 or 分.
func FuzzCapital(f *testing.F) {
	for _, seed := range []int64{0, 5, 100050, 1000010000, math.MaxInt64} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, n int64) {
		if n < 0 {
			t.Skip()
		}
		s, err := Fen(n).Capital()
		if err != nil {
			t.Fatalf("Fen(%d).Capital(): %v", n, err)
		}
		for _, bad := range []string{"零零", "零元", "零万", "零亿", "零角", "零分", "零整"} {
			if strings.Contains(s, bad) && s != "零元整" {
				t.Fatalf("Fen(%d).Capital() = %q contains %q", n, s, bad)
			}
		}
		if !strings.HasSuffix(s, "整") && !strings.HasSuffix(s, "分") {
			t.Fatalf("Fen(%d).Capital() = %q ends with neither 整 nor 分", n, s)
		}
	})
}
