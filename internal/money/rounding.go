package money

import "fmt"

// Rounding is how a computed amount with fractions of a fen becomes whole
// money. Notices differ (national practice is half-up to the fen; some cities
// have used 见分进角, rounding up to the jiao), so packs declare it and code
// always passes it explicitly.
type Rounding string

// The rounding modes a policy pack may declare.
const (
	HalfUpFen  Rounding = "half_up_fen"  // 四舍五入到分
	DownFen    Rounding = "down_fen"     // 舍去分以下
	UpJiao     Rounding = "up_jiao"      // 见分进角: any fen rounds up to the next 0.1 yuan
	HalfUpYuan Rounding = "half_up_yuan" // 四舍五入到元
)

// Valid reports whether m is a known mode.
func (m Rounding) Valid() bool {
	switch m {
	case HalfUpFen, DownFen, UpJiao, HalfUpYuan:
		return true
	}
	return false
}

// divide computes num/den in fen under mode m. num is in "fen × den" units.
func (m Rounding) divide(num, den uint64) (Fen, error) {
	q, rem := num/den, num%den
	switch m {
	case HalfUpFen:
		if rem*2 >= den {
			q++
		}
	case DownFen:
	case UpJiao:
		if rem > 0 {
			q++
		}
		if q%10 != 0 {
			q += 10 - q%10
		}
	case HalfUpYuan:
		// Round the exact value, not the already-rounded fen, to avoid double rounding.
		whole := num / (den * 100)
		if (num%(den*100))*2 >= den*100 {
			whole++
		}
		q = whole * 100
	default:
		return 0, fmt.Errorf("money: unknown rounding mode %q", string(m))
	}
	if q > 1<<62 {
		return 0, ErrOverflow
	}
	return Fen(q), nil
}
