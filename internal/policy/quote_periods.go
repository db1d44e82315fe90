package policy

import (
	"sort"
	"strconv"
)

func sortedCodes() []string {
	out := make([]string, 0, len(insuranceNames))
	for c := range insuranceNames {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// parsePeriods reads months ("2025-07") or coverage years ("2027").
func (c *quoteCtx) parsePeriods() *Error {
	p := c.req.Periods
	if len(p.From) == 4 || len(p.To) == 4 {
		return c.parseYears(p)
	}
	from, err1 := ParseMonth(p.From)
	to, err2 := ParseMonth(p.To)
	switch {
	case err1 != nil:
		return invalid("periods.from", "起始月份格式应为 2026-11", "periods.from must be a month like 2026-11 (or a year like 2027)")
	case err2 != nil:
		return invalid("periods.to", "结束月份格式应为 2026-11", "periods.to must be a month like 2026-11")
	case to.Before(from):
		return errorf(CodePeriodInvalid, "periods.to", "结束月份早于起始月份", "periods.to is before periods.from", nil)
	case to.Sub(from) >= maxMonthsQuote:
		return errorf(CodePeriodInvalid, "periods", "一次最多计算 60 个月", "a quote covers at most 60 months",
			map[string]int{"max_months": maxMonthsQuote})
	}
	for m := from; !m.After(to); m = m.Add(1) {
		c.months = append(c.months, m)
	}
	return nil
}

func (c *quoteCtx) parseYears(p Periods) *Error {
	from, err1 := parseYear(p.From)
	to, err2 := parseYear(p.To)
	switch {
	case err1 != nil:
		return invalid("periods.from", "起始年度格式应为 2027", "periods.from must be a year like 2027")
	case err2 != nil:
		return invalid("periods.to", "结束年度格式应为 2027", "periods.to must be a year like 2027")
	case to < from:
		return errorf(CodePeriodInvalid, "periods.to", "结束年度早于起始年度", "periods.to is before periods.from", nil)
	case to-from >= maxYearsQuote:
		return errorf(CodePeriodInvalid, "periods", "一次最多计算 10 个年度", "a quote covers at most 10 years",
			map[string]int{"max_years": maxYearsQuote})
	}
	for y := from; y <= to; y++ {
		c.years = append(c.years, y)
	}
	return nil
}

// resolveCycle applies the default (monthly, or annual for years) and
// checks that quarterly periods are whole calendar quarters.
func (c *quoteCtx) resolveCycle() *Error {
	c.cycle = c.req.Cycle
	if c.cycle == "" {
		c.cycle = CycleMonthly
		if c.years != nil {
			c.cycle = CycleAnnual
		}
	}
	if !knownCycles[c.cycle] {
		return errorf(CodeCycleNotAllowed, "cycle", "未知缴费周期："+c.cycle, "unknown cycle "+c.cycle,
			[]string{CycleMonthly, CycleQuarterly, CycleAnnual})
	}
	if (c.cycle == CycleAnnual) != (c.years != nil) {
		return invalid("periods", "按年缴费的险种期间应为年度（如 2027），按月缴费的险种期间应为月份（如 2026-11）",
			"yearly premiums take coverage years (2027); monthly contributions take months (2026-11)")
	}
	if c.cycle == CycleQuarterly {
		from, to := c.months[0], c.months[len(c.months)-1]
		if from != from.QuarterStart() || to != to.QuarterStart().Add(2) {
			return errorf(CodeCycleMisaligned, "periods", "按季缴费须为完整季度", "a quarterly payment covers whole calendar quarters",
				map[string]string{"from": from.QuarterStart().String(), "to": to.QuarterStart().Add(2).String()})
		}
	}
	return nil
}

// run computes every line: months (or years) in order, items in request order.
func (c *quoteCtx) run() *Error {
	for _, m := range c.months {
		pk := c.r.packAt(m)
		if pk == nil {
			return noPolicy(c.r, m.String(), "periods")
		}
		for i := range c.req.Items {
			if err := c.monthLine(i, m, pk); err != nil {
				return err
			}
		}
	}
	for _, y := range c.years {
		for i := range c.req.Items {
			if err := c.yearLine(i, y); err != nil {
				return err
			}
		}
	}
	return nil
}

// offered finds item i's insurance type in pk and checks it may be quoted.
func (c *quoteCtx) offered(i int, pk *pack) (*insurance, *Error) {
	code := c.req.Items[i].Insurance
	f := indexed("items", i) + ".insurance"
	ins := pk.insurances[code]
	if ins == nil || !ins.persons[c.req.PersonType] {
		return nil, errorf(CodeInsuranceNotOffered, f, "该地区不为此类人员办理该险种："+code,
			"insurance "+code+" is not offered to "+c.req.PersonType+" in "+pk.policyID(), pk.offeredCodes(c.req.PersonType))
	}
	if !ins.spec.Online {
		return nil, errorf(CodeNotOnline, f, "该险种暂不支持线上缴费："+ins.spec.OfflineReason,
			"insurance "+code+" is not offered online: "+ins.spec.OfflineReasonEn, pk.offeredCodes(c.req.PersonType))
	}
	if ins.annual() != (c.years != nil) {
		return nil, invalid("periods", "险种 "+code+" 的缴费期间应为"+periodKindZh(ins.annual()),
			"periods for insurance "+code+" must be "+periodKindEn(ins.annual()))
	}
	if !ins.cycles[c.cycle] {
		return nil, errorf(CodeCycleNotAllowed, "cycle", "该地区该险种不支持此缴费周期："+c.cycle,
			"cycle "+c.cycle+" is not allowed for "+code+" in "+pk.policyID(), ins.spec.Cycles.Allowed)
	}
	if ins.binding() == BindingWithPension && !c.hasPension {
		return nil, errorf(CodeBindingViolated, f, "本地区职工医保须与养老保险一并缴纳",
			"in this region employee medical insurance must be paid together with pension (110)", []string{pensionCode})
	}
	if ins.spec.Binding != nil {
		c.notes.addIfUnverified(pk.bindingNote(ins))
	}
	if c.cycle != CycleMonthly {
		c.notes.addIfUnverified(pk.cyclesNote(ins))
	}
	return ins, nil
}

// offeredCodes lists the codes pk offers online to a person type.
func (pk *pack) offeredCodes(person string) []string {
	out := []string{}
	for _, code := range pk.order {
		if ins := pk.insurances[code]; ins.spec.Online && ins.persons[person] {
			out = append(out, code)
		}
	}
	return out
}

func yearString(y int) string { return strconv.Itoa(y) }

func periodKindZh(annual bool) string {
	if annual {
		return "年度（如 2027）"
	}
	return "月份（如 2026-11）"
}

func periodKindEn(annual bool) string {
	if annual {
		return "coverage years (2027)"
	}
	return "months (2026-11)"
}
