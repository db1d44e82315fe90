package policy

import (
	"math/big"

	"github.com/shebao-project/shebao/internal/money"
)

// Exact arithmetic for the pension estimate: rationals throughout, one
// half-up rounding to the fen at the end of each amount. No floats.

func ratRate(r money.Rate) *big.Rat {
	x, _ := new(big.Rat).SetString(r.String())
	return x
}

func ratInt(v int64) *big.Rat { return new(big.Rat).SetInt64(v) }

func mul(xs ...*big.Rat) *big.Rat {
	out := big.NewRat(1, 1)
	for _, x := range xs {
		out.Mul(out, x)
	}
	return out
}

// roundFen rounds a non-negative amount in fen half-up; false if it does not fit.
func roundFen(x *big.Rat) (money.Fen, bool) {
	if x.Sign() < 0 {
		return 0, false
	}
	q, r := new(big.Int).QuoRem(x.Num(), x.Denom(), new(big.Int))
	if r.Lsh(r, 1).Cmp(x.Denom()) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if !q.IsInt64() || q.Int64() > 1<<62 {
		return 0, false
	}
	return money.Fen(q.Int64()), true
}

// pow returns x^n for n >= 0.
func pow(x *big.Rat, n int) *big.Rat {
	out := big.NewRat(1, 1)
	for range n {
		out.Mul(out, x)
	}
	return out
}

// ratString prints a rational with up to 4 decimals, half-up, for steps.
func ratString(x *big.Rat) string { return x.FloatString(4) }
