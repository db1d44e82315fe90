package policy

import (
	"sort"

	"github.com/shebao-project/shebao/internal/money"
)

func checkInsurances(p problems, pk *pack) {
	if len(pk.spec.Insurances) == 0 {
		p.add("insurances", "at least one insurance type is required")
	}
	for i := range pk.spec.Insurances {
		spec := &pk.spec.Insurances[i]
		f := indexed("insurances", i)
		if _, ok := insuranceNames[spec.Code]; !ok {
			p.add(f+".code", "unknown insurance code %q (aae140: 110 170 210 310 390 410 510)", spec.Code)
			continue
		}
		if pk.insurances[spec.Code] != nil {
			p.add(f+".code", "duplicate insurance code %q", spec.Code)
			continue
		}
		ins := checkInsurance(p, f, spec, pk.spec)
		pk.insurances[spec.Code] = ins
		pk.order = append(pk.order, spec.Code)
	}
}

func checkInsurance(p problems, f string, spec *insuranceSpec, ps *packSpec) *insurance {
	ins := &insurance{spec: spec, persons: map[string]bool{}, cycles: map[string]bool{}}
	if !knownFamilies[spec.Family] {
		p.add(f+".family", "unknown family %q (want range|grades|agency|flat_annual)", spec.Family)
	}
	checkList(p, f+".person_types", spec.PersonTypes, knownPersons)
	for _, t := range spec.PersonTypes {
		ins.persons[t] = true
	}
	if !spec.Online && (spec.OfflineReason == "" || spec.OfflineReasonEn == "") {
		p.add(f+".online", "a type not offered online must give offline_reason and offline_reason_en")
	}
	ins.rate = parseRate(p, f+".rate", spec.Rate, one)
	ins.share = parseRate(p, f+".personal_account", spec.PersonalAccount, one)
	ins.lateFee = parseRate(p, f+".late_fee", spec.LateFee, maxLateFee)
	if spec.LateFee != nil && ins.annual() {
		p.add(f+".late_fee", "late fees apply to monthly contributions only")
	}
	if ins.rate != nil && ins.share != nil && ins.share.value.Cmp(ins.rate.value) > 0 {
		p.add(f+".personal_account", "personal-account share %s exceeds the rate %s", ins.share.value, ins.rate.value)
	}
	checkGrades(p, f, ins)
	checkPremiums(p, f, ins)
	checkBinding(p, f, spec)
	checkCycles(p, f, ins)
	checkBack(p, f, spec)
	if spec.Online {
		checkOnlineNeeds(p, f, ins, ps)
	}
	return ins
}

func checkGrades(p problems, f string, ins *insurance) {
	g := ins.spec.Grades
	if g == nil {
		return
	}
	if !knownUnits[g.Unit] {
		p.add(f+".grades.unit", "unknown grade unit %q (want base|annual_amount)", g.Unit)
	}
	if len(g.Fen) == 0 {
		p.add(f+".grades.fen", "at least one grade is required")
	}
	ins.grades = map[money.Fen]bool{}
	for i, v := range g.Fen {
		if v <= 0 || (i > 0 && v <= g.Fen[i-1]) {
			p.add(indexed(f+".grades.fen", i), "grades must be positive and strictly ascending")
		}
		ins.grades[v] = true
	}
	g.Source.check(p, f+".grades.source")
}

func checkPremiums(p problems, f string, ins *insurance) {
	checkYears(p, f+".annual_premiums", ins.spec.AnnualPremiums)
	ins.premiums = map[int]yearFigure{}
	for _, y := range ins.spec.AnnualPremiums {
		ins.premiums[y.Year] = y
	}
}

func checkBinding(p problems, f string, spec *insuranceSpec) {
	b := spec.Binding
	if b == nil {
		if spec.Code == medicalCode && spec.Online {
			p.add(f+".binding", "employee medical insurance (310) must declare its binding to pension")
		}
		return
	}
	if !medicalCodes[spec.Code] {
		p.add(f+".binding", "binding applies only to medical insurance (310, 390)")
	}
	if !knownBindings[b.Rule] {
		p.add(f+".binding.rule", "unknown binding %q (want with_pension_required|alone_allowed|family_offset_allowed)", b.Rule)
	}
	b.Source.check(p, f+".binding.source")
}

func checkCycles(p problems, f string, ins *insurance) {
	c := ins.spec.Cycles
	if c == nil {
		return
	}
	checkList(p, f+".cycles.allowed", c.Allowed, knownCycles)
	for _, cy := range c.Allowed {
		ins.cycles[cy] = true
	}
	if ins.annual() != (len(c.Allowed) == 1 && ins.cycles[CycleAnnual]) {
		p.add(f+".cycles.allowed", "yearly premiums use exactly [annual]; monthly contributions never use annual")
	}
	if c.AdvanceMonths < 0 || c.AdvanceMonths > 24 {
		p.add(f+".cycles.advance_months", "advance_months %d is outside 0..24", c.AdvanceMonths)
	}
	c.Source.check(p, f+".cycles.source")
}

func checkBack(p problems, f string, spec *insuranceSpec) {
	b := spec.BackPayment
	if b == nil {
		return
	}
	if b.Months < 0 || b.Months > 120 {
		p.add(f+".back_payment.months", "back-payment window %d is outside 0..120 months", b.Months)
	}
	b.Source.check(p, f+".back_payment.source")
}

// checkOnlineNeeds makes sure an online type has every figure a quote needs.
func checkOnlineNeeds(p problems, f string, ins *insurance, ps *packSpec) {
	spec := ins.spec
	if spec.Cycles == nil {
		p.add(f+".cycles", "an online type must declare its cycles")
	}
	needsRate := spec.Family == FamilyRange || spec.Family == FamilyAgency ||
		(spec.Family == FamilyGrades && spec.Grades != nil && spec.Grades.Unit == GradeBase)
	if needsRate && spec.Rate == nil {
		p.add(f+".rate", "family %s needs a rate", spec.Family)
	}
	if !needsRate && spec.Rate != nil {
		p.add(f+".rate", "family %s takes no rate: the amount is the grade or premium itself", spec.Family)
	}
	switch spec.Family {
	case FamilyRange:
		if ps.Floor == nil || ps.Ceiling == nil {
			p.add(f+".family", "family range needs the pack's floor and ceiling")
		}
	case FamilyGrades:
		if spec.Grades == nil {
			p.add(f+".grades", "family grades needs a grade list")
		}
	case FamilyFlatAnnual:
		if len(spec.AnnualPremiums) == 0 {
			p.add(f+".annual_premiums", "family flat_annual needs premiums by coverage year")
		}
	}
}

// sortedGrades returns the grades of ins in ascending order.
func (ins *insurance) sortedGrades() []money.Fen {
	out := make([]money.Fen, 0, len(ins.grades))
	for g := range ins.grades {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
