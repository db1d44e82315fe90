// Package risk decides whether a payment that has arrived looks anomalous
// enough to hold it (冻结, seed §3) for an operator before it is credited.
// It is pure: the payment service gathers the facts, Assess applies the
// rules, and every reason is named so an operator sees why.
package risk

import (
	"fmt"
	"time"

	"github.com/shebao-project/shebao/internal/money"
)

// Facts about one paid order and its payer's recent activity.
type Facts struct {
	AmountFen money.Fen
	// PaidLastDay counts the payer's other paid orders in the 24 hours
	// before this one; PayeesLastDay the distinct insured persons they paid
	// for in that time (proxy payments), this order's included.
	PaidLastDay   int
	PayeesLastDay int
	// TypicalFen is the payer's largest paid order before this one (0 if none).
	TypicalFen money.Fen
}

// Rules are the thresholds. They are operator settings, not policy: the
// defaults are deliberately conservative and documented in Default.
type Rules struct {
	LargeFen      money.Fen // any single payment above this is held
	UnusualFactor int64     // above this many times the payer's largest earlier payment…
	UnusualMinFen money.Fen // …and above this amount, is held
	MaxPaidPerDay int       // more paid orders than this in 24 hours is held
	MaxPayeesDay  int       // paying for more people than this in 24 hours is held
	// ConfirmFen: a payment above this asks the payer for a second factor
	// (e-card password or an SMS code, other than how they signed in)
	// before it is created (seed §3 security); 0 never asks.
	ConfirmFen     money.Fen
	HoldFor        time.Duration // how long a hold lasts before its expiry action (seed: up to 24 hours)
	ExpiryReleases bool          // at expiry: true releases the payment to posting, false refunds it
}

// Default rules: 50,000 yuan is above a year of contributions at Beijing's
// 2026 ceiling for one insurance type plus arrears of several months; ten
// times a payer's usual payment flags a sudden change; more than six orders
// or more than three people a day is unusual for a household. A payment
// above 5,000 yuan (several months of a flexible worker's contributions)
// is confirmed with a second factor first, as banks confirm large transfers.
func Default() Rules {
	return Rules{
		LargeFen: 5_000_000, UnusualFactor: 10, UnusualMinFen: 1_000_000, ConfirmFen: 500_000,
		MaxPaidPerDay: 6, MaxPayeesDay: 3, HoldFor: 24 * time.Hour, ExpiryReleases: true,
	}
}

// Assess returns the reasons to hold, or none.
func (r Rules) Assess(f Facts) []string {
	var why []string
	if r.LargeFen > 0 && f.AmountFen > r.LargeFen {
		why = append(why, fmt.Sprintf("amount %s yuan above the single-payment review line %s", f.AmountFen.Yuan(), r.LargeFen.Yuan()))
	}
	if r.UnusualFactor > 0 && f.TypicalFen > 0 && f.AmountFen > r.UnusualMinFen &&
		int64(f.AmountFen) > r.UnusualFactor*int64(f.TypicalFen) {
		why = append(why, fmt.Sprintf("amount %s yuan is over %d× the payer's largest earlier payment %s", f.AmountFen.Yuan(), r.UnusualFactor, f.TypicalFen.Yuan()))
	}
	if r.MaxPaidPerDay > 0 && f.PaidLastDay >= r.MaxPaidPerDay {
		why = append(why, fmt.Sprintf("%d other payments in the last 24 hours", f.PaidLastDay))
	}
	if r.MaxPayeesDay > 0 && f.PayeesLastDay > r.MaxPayeesDay {
		why = append(why, fmt.Sprintf("payments for %d different people in the last 24 hours", f.PayeesLastDay))
	}
	return why
}
