package payment

import (
	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/money"
)

// Limits are a channel's limits for one payer (seed §3, §5): per payment,
// per day, and what the payer already used today.
type Limits struct {
	PerPaymentFen money.Fen `json:"per_payment_fen"`
	PerDayFen     money.Fen `json:"per_day_fen"`
	UsedTodayFen  money.Fen `json:"used_today_fen"`
}

// Part is one payment of a split plan: the bills to pay together, and on
// which day counted from today (0 = today).
type Part struct {
	Day       int       `json:"day"`
	BillIDs   []string  `json:"bill_ids"`
	AmountFen money.Fen `json:"amount_fen"`
}

// SplitPlan divides bills into payments that each respect the limits,
// oldest period first (arrears before the current month). Bills of the same
// period stay together, because some regions accept medical insurance only
// with the same month's pension. It returns nil when one period alone is
// over a limit: that needs another channel, not a split.
func SplitPlan(bills []billing.Bill, l Limits) []Part {
	left := max(l.PerDayFen-l.UsedTodayFen, 0) // allowance left on the plan's current day
	day := 0
	var plan []Part
	cur := Part{}
	for _, g := range byPeriod(bills) {
		if g.amount > l.PerPaymentFen || g.amount > l.PerDayFen {
			return nil
		}
		if cur.AmountFen+g.amount > l.PerPaymentFen || cur.AmountFen+g.amount > left {
			if len(cur.BillIDs) > 0 {
				plan = append(plan, cur)
				left -= cur.AmountFen
			}
			cur = Part{Day: day}
			if g.amount > left {
				day++
				left = l.PerDayFen
				cur.Day = day
			}
		}
		cur.BillIDs = append(cur.BillIDs, g.ids...)
		cur.AmountFen += g.amount
	}
	if len(cur.BillIDs) > 0 {
		plan = append(plan, cur)
	}
	return plan
}

type periodGroup struct {
	period string
	ids    []string
	amount money.Fen
}

// byPeriod groups bills by period, in period order (periods sort as text:
// "2026-08" < "2026-11", "2027" for annual premiums).
func byPeriod(bills []billing.Bill) []periodGroup {
	idx := map[string]int{}
	var out []periodGroup
	for _, b := range bills {
		i, ok := idx[b.Period]
		if !ok {
			i = len(out)
			idx[b.Period] = i
			out = append(out, periodGroup{period: b.Period})
		}
		out[i].ids = append(out[i].ids, b.ID)
		out[i].amount += b.AmountFen
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].period < out[j-1].period; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
