package money

import (
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

// Rate is an exact non-negative decimal such as a contribution rate ("0.20"),
// a personal-account share ("0.08") or a daily late-fee rate ("0.0005").
// It keeps the scale it was written with, so it prints back as published.
type Rate struct {
	units int64 // value = units / 10^scale
	scale int8
}

// MaxRateScale bounds the decimals a rate may have; no notice publishes more.
const MaxRateScale = 8

// ParseRate reads a decimal such as "0.20" or "1". Negative values, exponents
// and more than MaxRateScale decimals are refused.
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(s)
	intPart, frac, hasFrac := strings.Cut(s, ".")
	if intPart == "" || !allDigits(intPart) || (hasFrac && (frac == "" || !allDigits(frac))) {
		return Rate{}, fmt.Errorf("money: %q is not a decimal rate like 0.20", s)
	}
	if len(frac) > MaxRateScale {
		return Rate{}, fmt.Errorf("money: rate %q has more than %d decimals", s, MaxRateScale)
	}
	if len(intPart) > 6 {
		return Rate{}, fmt.Errorf("money: rate %q is out of range", s)
	}
	units, err := strconv.ParseInt(intPart+frac, 10, 64)
	if err != nil {
		return Rate{}, fmt.Errorf("money: rate %q: %w", s, err)
	}
	return Rate{units: units, scale: int8(len(frac))}, nil
}

// MustRate is ParseRate for constants in code and tests.
func MustRate(s string) Rate {
	r, err := ParseRate(s)
	if err != nil {
		panic(err)
	}
	return r
}

// String prints the rate with the decimals it was written with.
func (r Rate) String() string {
	if r.scale == 0 {
		return strconv.FormatInt(r.units, 10)
	}
	digits := strconv.FormatInt(r.units, 10)
	for len(digits) <= int(r.scale) {
		digits = "0" + digits
	}
	cut := len(digits) - int(r.scale)
	return digits[:cut] + "." + digits[cut:]
}

// IsZero reports whether the rate is zero.
func (r Rate) IsZero() bool { return r.units == 0 }

// Cmp compares two rates exactly: -1, 0 or +1.
func (r Rate) Cmp(o Rate) int {
	a, b := r.units, o.units
	// Bring both to the larger scale; at most 10^8 * 10^6 fits in int64.
	for s := r.scale; s < o.scale; s++ {
		a *= 10
	}
	for s := o.scale; s < r.scale; s++ {
		b *= 10
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// MarshalText lets rates appear in JSON and YAML as their decimal string.
func (r Rate) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText parses the decimal string form.
func (r *Rate) UnmarshalText(b []byte) error {
	v, err := ParseRate(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

var pow10 = [...]uint64{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000}

// Apply returns base × rate rounded to fen with the given mode. base must be
// non-negative; contributions are never computed on negative bases.
func (r Rate) Apply(base Fen, mode Rounding) (Fen, error) {
	if base < 0 {
		return 0, errors.New("money: rate applied to a negative base")
	}
	hi, lo := bits.Mul64(uint64(base), uint64(r.units))
	if hi != 0 {
		return 0, ErrOverflow
	}
	return mode.divide(lo, pow10[r.scale])
}

// Mul returns r × o exactly, for derived rates such as a daily rate times days.
func (r Rate) Mul(o Rate) (Rate, error) {
	hi, lo := bits.Mul64(uint64(r.units), uint64(o.units))
	if hi != 0 || lo > 1<<62 || int(r.scale)+int(o.scale) > len(pow10)-1 {
		return Rate{}, ErrOverflow
	}
	return Rate{units: int64(lo), scale: r.scale + o.scale}, nil
}
