package policy

import "github.com/shebao-project/shebao/internal/money"

// monthLine prices item i for month m under pk.
func (c *quoteCtx) monthLine(i int, m Month, pk *pack) *Error {
	ins, err := c.offered(i, pk)
	if err != nil {
		return err
	}
	base, err := c.base(i, pk, ins)
	if err != nil {
		return err
	}
	line := Line{Insurance: ins.spec.Code, Period: m.String(), Policy: pk.policyID()}
	if err := c.price(&line, i, pk, ins, base); err != nil {
		return err
	}
	back, err := c.checkMonthTiming(i, m, pk, ins)
	if err != nil {
		return err
	}
	c.lines = append(c.lines, line)
	if back {
		return c.lateFee(i, m, line, pk, ins)
	}
	return nil
}

// yearLine prices item i for coverage year y.
func (c *quoteCtx) yearLine(i int, y int) *Error {
	pk, prem := c.yearPack(i, y)
	if pk == nil {
		return c.noYear(i, y)
	}
	ins, err := c.offered(i, pk)
	if err != nil {
		return err
	}
	line := Line{Insurance: ins.spec.Code, Period: yearString(y), Policy: pk.policyID()}
	var amount money.Fen
	switch {
	case ins.spec.Family == FamilyFlatAnnual:
		if !emptyBase(c.req.Items[i]) {
			return baseNotApplicable(i, "flat_annual")
		}
		amount = prem.Fen
		c.notes.addIfUnverified(pk.premiumNote(ins, prem))
	default:
		g, err := c.grade(i, pk, ins)
		if err != nil {
			return err
		}
		amount = g
	}
	line.AmountFen = amount
	if err := c.share(&line, i, pk, ins, amount); err != nil {
		return err
	}
	c.notes.add(roundingNote(pk))
	if err := c.checkYearTiming(i, y, pk, ins); err != nil {
		return err
	}
	c.lines = append(c.lines, line)
	return nil
}

// yearPack finds the window for coverage year y: the window that lists a
// premium for y (flat premiums), or the window in force in January of y.
func (c *quoteCtx) yearPack(i, y int) (*pack, yearFigure) {
	code := c.req.Items[i].Insurance
	flat := false
	for _, pk := range c.r.packs {
		if ins := pk.insurances[code]; ins != nil && ins.spec.Family == FamilyFlatAnnual {
			flat = true
			if prem, ok := ins.premiums[y]; ok {
				return pk, prem
			}
		}
	}
	if flat {
		return nil, yearFigure{}
	}
	return c.r.packAt(Month{Year: y, Month: 1}), yearFigure{}
}

func (c *quoteCtx) noYear(i, y int) *Error {
	code := c.req.Items[i].Insurance
	years := []int{}
	for _, pk := range c.r.packs {
		if ins := pk.insurances[code]; ins != nil {
			for _, p := range ins.spec.AnnualPremiums {
				years = append(years, p.Year)
			}
		}
	}
	return errorf(CodeNoPolicy, "periods", yearString(y)+" 年度没有适用的缴费标准",
		"no premium is published for coverage year "+yearString(y)+" in region "+c.r.code,
		map[string]any{"years": years, "windows": c.r.windows()})
}

// price fills base, rate, amount and personal account for a monthly line.
func (c *quoteCtx) price(line *Line, i int, pk *pack, ins *insurance, base money.Fen) *Error {
	field := indexed("items", i)
	amount, err := ins.rate.value.Apply(base, pk.rounding)
	if err != nil {
		return overflow(field)
	}
	line.BaseFen, line.Rate, line.AmountFen = base, ins.rate.value.String(), amount
	c.notes.addIfUnverified(pk.rateNote(ins))
	c.notes.add(roundingNote(pk))
	return c.share(line, i, pk, ins, base)
}

// share computes the personal-account part of a line from its base.
func (c *quoteCtx) share(line *Line, i int, pk *pack, ins *insurance, base money.Fen) *Error {
	if ins.share == nil {
		return nil
	}
	v, err := ins.share.value.Apply(base, pk.rounding)
	if err != nil {
		return overflow(indexed("items", i))
	}
	line.PersonalAccountFen = v
	c.notes.addIfUnverified(pk.shareNote(ins))
	return nil
}
