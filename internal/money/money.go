// Package money holds shebao's representation of amounts and rates.
//
// Amounts are integer fen (分, 0.01 yuan) in an int64: a float can neither hold
// 0.1 yuan exactly nor add a column of amounts without drift. Rates are exact
// decimals (an integer and a power-of-ten scale), parsed from the strings the
// official notices publish, so "0.20" stays 20/100 and "0.0005" stays 5/10000.
// Every multiplication names its rounding mode; there is no default hidden in
// the arithmetic.
package money

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Fen is an amount of Chinese yuan in fen (分). 100 fen = 1 yuan.
type Fen int64

// Yuan formats f as yuan with two decimals and no grouping, "1454.00",
// the form WeChat Pay trade bills and fiscal receipts use.
func (f Fen) Yuan() string {
	sign := ""
	v := int64(f)
	if v < 0 {
		sign = "-"
		v = -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// Display formats f for people: "¥1,454.00".
func (f Fen) Display() string {
	s := f.Yuan()
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	out := "¥" + b.String() + "." + frac
	if neg {
		out = "-" + out
	}
	return out
}

// ParseYuan reads a yuan amount with at most two decimals ("7270", "7270.5",
// "7270.50") into fen. More decimals are refused rather than rounded, because a
// published figure with three decimals means the caller misread it.
func ParseYuan(s string) (Fen, error) {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, hasFrac := strings.Cut(s, ".")
	if intPart == "" || !allDigits(intPart) || (hasFrac && (frac == "" || !allDigits(frac))) {
		return 0, fmt.Errorf("money: %q is not a yuan amount", s)
	}
	if len(frac) > 2 {
		return 0, fmt.Errorf("money: %q has more than two decimals", s)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	whole, err := strconv.ParseInt(intPart, 10, 64)
	if err != nil || whole > maxWholeYuan {
		return 0, fmt.Errorf("money: %q is out of range", s)
	}
	cents, _ := strconv.ParseInt(frac, 10, 64)
	v := Fen(whole*100 + cents)
	if neg {
		v = -v
	}
	return v, nil
}

// maxWholeYuan keeps yuan*100 well inside int64.
const maxWholeYuan = 1 << 50

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Sum adds amounts, refusing overflow instead of wrapping around.
func Sum(amounts ...Fen) (Fen, error) {
	var total int64
	for _, a := range amounts {
		next := total + int64(a)
		if (int64(a) > 0 && next < total) || (int64(a) < 0 && next > total) {
			return 0, ErrOverflow
		}
		total = next
	}
	return Fen(total), nil
}

// ErrOverflow reports an amount that does not fit in int64 fen.
var ErrOverflow = errors.New("money: amount overflows int64 fen")
