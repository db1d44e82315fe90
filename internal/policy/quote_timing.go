package policy

import (
	"strconv"
	"time"

	"github.com/shebao-project/shebao/internal/money"
)

// timing returns the rules that judge back payments and advance payments:
// those of the window in force at as_of (they are today's rules), falling
// back to the period's own window when as_of has none or lacks the type.
func (c *quoteCtx) timing(code string, pk *pack, ins *insurance) (*pack, *insurance) {
	if tp := c.r.packAt(c.asOfMonth); tp != nil {
		if ti := tp.insurances[code]; ti != nil && ti.spec.Cycles != nil {
			return tp, ti
		}
	}
	return pk, ins
}

// checkMonthTiming refuses a month before the back-payment window or after
// the advance window; it reports whether m is a back payment. The current
// period is as_of's month, or as_of's quarter for a quarterly cycle.
func (c *quoteCtx) checkMonthTiming(i int, m Month, pk *pack, ins *insurance) (bool, *Error) {
	tpk, tins := c.timing(ins.spec.Code, pk, ins)
	curStart, curEnd := c.asOfMonth, c.asOfMonth
	if c.cycle == CycleQuarterly {
		curStart = c.asOfMonth.QuarterStart()
		curEnd = curStart.Add(2)
	}
	switch {
	case m.Before(curStart):
		earliest := c.asOfMonth.Add(-tins.backMonths())
		if m.Before(earliest) {
			return false, errorf(CodePeriodTooOld, "periods.from",
				m.String()+" 已超出可补缴期限（最早 "+earliest.String()+"），请到经办机构办理",
				m.String()+" is outside the back-payment window (earliest "+earliest.String()+")",
				map[string]any{"earliest": earliest, "back_payment_months": tins.backMonths(), "policy": tpk.policyID()})
		}
		c.notes.addIfUnverified(tpk.backNote(tins))
		return true, nil
	case m.After(curEnd):
		latest := curEnd.Add(tins.spec.Cycles.AdvanceMonths)
		if m.After(latest) {
			return false, errorf(CodePeriodTooFarAhead, "periods.to",
				m.String()+" 超出可预缴范围（最晚 "+latest.String()+"）",
				m.String()+" is too far ahead (latest "+latest.String()+")",
				map[string]any{"latest": latest, "advance_months": tins.spec.Cycles.AdvanceMonths, "policy": tpk.policyID()})
		}
		c.notes.addIfUnverified(tpk.cyclesNote(tins))
	}
	return false, nil
}

// checkYearTiming: coverage year y may be paid from advance_months before
// its January until back_payment months after it.
func (c *quoteCtx) checkYearTiming(i, y int, pk *pack, ins *insurance) *Error {
	tpk, tins := c.timing(ins.spec.Code, pk, ins)
	start := Month{Year: y, Month: time.January}
	opens := start.Add(-tins.spec.Cycles.AdvanceMonths)
	closes := start.Add(tins.backMonths())
	switch {
	case c.asOfMonth.Before(opens):
		return errorf(CodePeriodTooFarAhead, "periods.from", yearString(y)+" 年度尚未开始缴费（"+opens.String()+" 起）",
			"payment for "+yearString(y)+" opens in "+opens.String(),
			map[string]any{"opens": opens, "closes": closes, "policy": tpk.policyID()})
	case c.asOfMonth.After(closes):
		return errorf(CodePeriodTooOld, "periods.to", yearString(y)+" 年度缴费已截止（"+closes.String()+"）",
			"payment for "+yearString(y)+" closed after "+closes.String(),
			map[string]any{"opens": opens, "closes": closes, "policy": tpk.policyID()})
	case c.asOfMonth.Before(start):
		c.notes.addIfUnverified(tpk.cyclesNote(tins))
	case c.asOfMonth.After(start) && tins.spec.BackPayment != nil:
		c.notes.addIfUnverified(tpk.backNote(tins))
	}
	return nil
}

// lateFee adds a late-fee line for a back-paid month, only where the pack
// declares a daily rate. Arrears for month m begin on the first day of the
// next month; days count from that day through as_of, both included.
func (c *quoteCtx) lateFee(i int, m Month, line Line, pk *pack, ins *insurance) *Error {
	tpk, tins := c.timing(line.Insurance, pk, ins)
	if tins.lateFee == nil {
		return nil
	}
	days := lateDays(m, c.asOf)
	if days <= 0 {
		return nil
	}
	factor, err := money.ParseRate(strconv.Itoa(days))
	if err != nil {
		return overflow(indexed("items", i))
	}
	r, err := tins.lateFee.value.Mul(factor)
	if err != nil {
		return overflow(indexed("items", i))
	}
	fee, err := r.Apply(line.AmountFen, tpk.rounding)
	if err != nil {
		return overflow(indexed("items", i))
	}
	c.notes.addIfUnverified(tpk.lateFeeNote(tins))
	c.lines = append(c.lines, Line{Insurance: line.Insurance, Kind: LateFeeKind, Period: line.Period,
		Policy: tpk.policyID(), Rate: tins.lateFee.value.String(), AmountFen: fee, Days: days})
	return nil
}

func lateDays(m Month, asOf time.Time) int {
	due := m.Add(1).Start(chinaTime)
	day := time.Date(asOf.Year(), asOf.Month(), asOf.Day(), 0, 0, 0, 0, chinaTime)
	if day.Before(due) {
		return 0
	}
	return int(day.Sub(due)/(24*time.Hour)) + 1
}
