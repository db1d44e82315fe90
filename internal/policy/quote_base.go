package policy

import (
	"github.com/shebao-project/shebao/internal/money"
)

func emptyBase(it QuoteItem) bool {
	return it.BaseFen == nil && it.BaseRatio == "" && it.Base == "" && it.GradeFen == nil
}

func baseNotApplicable(i int, family string) *Error {
	return errorf(CodeBaseNotApplicable, indexed("items", i), "该险种不需要（或不接受）这种缴费基数写法",
		"this way of giving a base does not apply to family "+family, nil)
}

// base resolves the monthly base of item i under pk, refusing anything
// outside the window's published range: nothing is clamped.
func (c *quoteCtx) base(i int, pk *pack, ins *insurance) (money.Fen, *Error) {
	it := c.req.Items[i]
	switch ins.spec.Family {
	case FamilyRange:
		return c.rangeBase(i, pk)
	case FamilyAgency:
		if it.BaseFen == nil || it.BaseRatio != "" || it.Base != "" || it.GradeFen != nil {
			if emptyBase(it) {
				return 0, baseMissing(i, "base_fen", "经办机构核定的缴费基数（base_fen）", "the agency-supplied base_fen")
			}
			return 0, baseNotApplicable(i, FamilyAgency)
		}
		return c.checkRange(i, "base_fen", *it.BaseFen, pk)
	case FamilyGrades:
		return c.grade(i, pk, ins)
	}
	return 0, baseNotApplicable(i, ins.spec.Family)
}

func baseMissing(i int, field, zh, en string) *Error {
	return errorf(CodeBaseMissing, indexed("items", i)+"."+field, "请填写"+zh, "give "+en, nil)
}

func (c *quoteCtx) rangeBase(i int, pk *pack) (money.Fen, *Error) {
	it := c.req.Items[i]
	given := 0
	for _, b := range []bool{it.BaseFen != nil, it.BaseRatio != "", it.Base != ""} {
		if b {
			given++
		}
	}
	switch {
	case it.GradeFen != nil:
		return 0, baseNotApplicable(i, FamilyRange)
	case given == 0:
		return 0, baseMissing(i, "base_fen", "缴费基数（base_fen、base_ratio 或 base）", "one of base_fen, base_ratio, base")
	case given > 1:
		return 0, errorf(CodeBaseConflict, indexed("items", i), "缴费基数只能用一种方式填写",
			"give only one of base_fen, base_ratio, base", nil)
	case it.BaseFen != nil:
		return c.checkRange(i, "base_fen", *it.BaseFen, pk)
	case it.BaseRatio != "":
		return c.ratioBase(i, pk)
	}
	switch it.Base {
	case "floor":
		return c.checkRange(i, "base", pk.spec.Floor.Fen, pk)
	case "ceiling":
		return c.checkRange(i, "base", pk.spec.Ceiling.Fen, pk)
	}
	return 0, errorf(CodeInvalidRequest, indexed("items", i)+".base", "base 只能是 floor（下限）或 ceiling（上限）",
		"base must be floor or ceiling", []string{"floor", "ceiling"})
}

// ratioBase is base_ratio × the window's average wage, rounded half-up to
// the whole yuan (published bases are whole yuan), then checked in range.
func (c *quoteCtx) ratioBase(i int, pk *pack) (money.Fen, *Error) {
	field := indexed("items", i) + ".base_ratio"
	ratio, err := money.ParseRate(c.req.Items[i].BaseRatio)
	if err != nil || ratio.IsZero() {
		return 0, invalid(field, "base_ratio 应为正的小数，如 0.6", "base_ratio must be a positive decimal like 0.6")
	}
	if pk.spec.AverageWage == nil {
		return 0, errorf(CodeBaseNotApplicable, field, "该地区未公布社平工资，请直接填写缴费基数",
			"no average wage is published for "+pk.policyID()+"; give base_fen", nil)
	}
	base, err := ratio.Apply(pk.spec.AverageWage.Fen, money.HalfUpYuan)
	if err != nil {
		return 0, overflow(field)
	}
	c.notes.addIfUnverified(pk.avgWageNote())
	return c.checkRange(i, "base_ratio", base, pk)
}

// checkRange refuses a base outside the window's published floor and
// ceiling (each enforced where the window has it).
func (c *quoteCtx) checkRange(i int, field string, base money.Fen, pk *pack) (money.Fen, *Error) {
	f := indexed("items", i) + "." + field
	if base < 0 {
		return 0, invalid(f, "缴费基数不能为负", "the base cannot be negative")
	}
	lo, hi, allowed := money.Fen(0), money.Fen(1<<62), map[string]any{"policy": pk.policyID()}
	if fl := pk.spec.Floor; fl != nil {
		lo, allowed["min_fen"] = fl.Fen, fl.Fen
		c.notes.addIfUnverified(pk.floorNote())
	}
	if ce := pk.spec.Ceiling; ce != nil {
		hi, allowed["max_fen"] = ce.Fen, ce.Fen
		c.notes.addIfUnverified(pk.ceilingNote())
	}
	if base < lo || base > hi {
		return 0, errorf(CodeBaseOutOfRange, f,
			"缴费基数 "+base.Yuan()+" 元不在 "+pk.policyID()+" 的缴费基数范围内",
			"base "+base.Yuan()+" yuan is outside the range of "+pk.policyID(), allowed)
	}
	return base, nil
}

// grade checks grade_fen against the window's grade list.
func (c *quoteCtx) grade(i int, pk *pack, ins *insurance) (money.Fen, *Error) {
	it := c.req.Items[i]
	if it.BaseFen != nil || it.BaseRatio != "" || it.Base != "" {
		return 0, baseNotApplicable(i, FamilyGrades)
	}
	grades := ins.sortedGrades()
	if it.GradeFen == nil {
		e := baseMissing(i, "grade_fen", "缴费档次（grade_fen）", "grade_fen")
		e.Allowed = map[string]any{"grades_fen": grades}
		return 0, e
	}
	c.notes.addIfUnverified(pk.gradesNote(ins))
	if !ins.grades[*it.GradeFen] {
		return 0, errorf(CodeGradeNotOffered, indexed("items", i)+".grade_fen",
			"所选档次 "+it.GradeFen.Yuan()+" 元不在 "+pk.policyID()+" 的档次中",
			"grade "+it.GradeFen.Yuan()+" yuan is not offered by "+pk.policyID(),
			map[string]any{"grades_fen": grades, "policy": pk.policyID()})
	}
	return *it.GradeFen, nil
}
