package policy

import (
	"strconv"
	"strings"
)

// Notes for each sourced figure of a pack, shared by RegionView (which lists
// all unverified ones) and Quote (which lists the ones it used).

func (pk *pack) avgWageNote() Note {
	f := pk.spec.AverageWage
	return figureNote(pk.policyID(), "average_wage", "社平工资（缴费基数核定依据）", "average wage", yuan(f.Fen), f.Source)
}

func (pk *pack) floorNote() Note {
	f := pk.spec.Floor
	return figureNote(pk.policyID(), "floor", "缴费基数下限", "base floor", yuan(f.Fen), f.Source)
}

func (pk *pack) ceilingNote() Note {
	f := pk.spec.Ceiling
	return figureNote(pk.policyID(), "ceiling", "缴费基数上限", "base ceiling", yuan(f.Fen), f.Source)
}

func (pk *pack) calcBaseNote(y yearFigure) Note {
	year := strconv.Itoa(y.Year)
	return figureNote(pk.policyID(), "pension_calc_base["+year+"]", year+"年基本养老金计发基数",
		year+" pension calculation base", yuan(y.Fen), y.Source)
}

// insNote describes one figure of an insurance type.
func (pk *pack) insNote(ins *insurance, field, zh, en string, value shown, src Source) Note {
	name := insuranceNames[ins.spec.Code]
	return figureNote(pk.policyID(), "insurances["+ins.spec.Code+"]."+field,
		name.Name+" "+zh, name.NameEn+" "+en, value, src)
}

func (pk *pack) rateNote(ins *insurance) Note {
	return pk.insNote(ins, "rate", "费率", "rate", plain(ins.rate.value.String()), ins.rate.source)
}

func (pk *pack) shareNote(ins *insurance) Note {
	return pk.insNote(ins, "personal_account", "个人账户记账比例", "personal-account share",
		plain(ins.share.value.String()), ins.share.source)
}

func (pk *pack) cyclesNote(ins *insurance) Note {
	c := ins.spec.Cycles
	return pk.insNote(ins, "cycles", "缴费周期及可预缴月数", "cycles and advance months",
		plain(joinCycles(c.Allowed)+" +"+strconv.Itoa(c.AdvanceMonths)), c.Source)
}

func (pk *pack) backNote(ins *insurance) Note {
	b := ins.spec.BackPayment
	return pk.insNote(ins, "back_payment", "可补缴月数", "back-payment window (months)", plain(strconv.Itoa(b.Months)), b.Source)
}

func (pk *pack) bindingNote(ins *insurance) Note {
	b := ins.spec.Binding
	return pk.insNote(ins, "binding", "与养老保险的绑定规则", "binding to pension", plain(b.Rule), b.Source)
}

func (pk *pack) lateFeeNote(ins *insurance) Note {
	return pk.insNote(ins, "late_fee", "滞纳金日费率", "daily late-fee rate", plain(ins.lateFee.value.String()), ins.lateFee.source)
}

func (pk *pack) gradesNote(ins *insurance) Note {
	return pk.insNote(ins, "grades", "缴费档次", "grades", shown{strconv.Itoa(len(ins.grades)) + " 档", strconv.Itoa(len(ins.grades)) + " grades"}, ins.spec.Grades.Source)
}

func (pk *pack) premiumNote(ins *insurance, y yearFigure) Note {
	year := strconv.Itoa(y.Year)
	return pk.insNote(ins, "annual_premiums["+year+"]", year+"年度个人缴费标准", year+" premium", yuan(y.Fen), y.Source)
}

func joinCycles(cs []string) string {
	out := ""
	for i, c := range cs {
		if i > 0 {
			out += "/"
		}
		out += c
	}
	return out
}

// unverifiedNotes lists every unverified figure of the window.
func (pk *pack) unverifiedNotes() []Note {
	var s noteSet
	s.addIfUnverified(roundingNote(pk))
	for _, f := range []struct {
		fig  *fenFigure
		note func() Note
	}{{pk.spec.AverageWage, pk.avgWageNote}, {pk.spec.Floor, pk.floorNote}, {pk.spec.Ceiling, pk.ceilingNote}} {
		if f.fig != nil {
			s.addIfUnverified(f.note())
		}
	}
	for _, y := range pk.spec.PensionCalcBase {
		s.addIfUnverified(pk.calcBaseNote(y))
	}
	for _, c := range pk.spec.Channels {
		s.addIfUnverified(figureNote(pk.policyID(), "channels["+c.Code+"]", "支付渠道 "+c.Code+" 限额",
			"limits of channel "+c.Code, plain(c.PerPaymentFen.Yuan()+"/"+c.PerDayFen.Yuan()), c.Source))
		if t := c.FamilyOffset; t != nil {
			scope := strings.Join(t.Insurances, ",") + " / " + strings.Join(t.Relationships, ",")
			s.addIfUnverified(figureNote(pk.policyID(), "channels["+c.Code+"].family_offset", "家庭共济抵扣范围",
				"family offset scope", plain(scope), t.Source))
		}
	}
	for _, code := range pk.order {
		for _, n := range pk.insuranceNotes(pk.insurances[code]) {
			s.add(n)
		}
	}
	return s.list()
}

// insuranceNotes lists the unverified figures of one insurance type.
func (pk *pack) insuranceNotes(ins *insurance) []Note {
	var s noteSet
	if ins.rate != nil {
		s.addIfUnverified(pk.rateNote(ins))
	}
	if ins.share != nil {
		s.addIfUnverified(pk.shareNote(ins))
	}
	if ins.lateFee != nil {
		s.addIfUnverified(pk.lateFeeNote(ins))
	}
	if ins.spec.Grades != nil {
		s.addIfUnverified(pk.gradesNote(ins))
	}
	for _, y := range ins.spec.AnnualPremiums {
		s.addIfUnverified(pk.premiumNote(ins, y))
	}
	if ins.spec.Binding != nil {
		s.addIfUnverified(pk.bindingNote(ins))
	}
	if ins.spec.Cycles != nil {
		s.addIfUnverified(pk.cyclesNote(ins))
	}
	if ins.spec.BackPayment != nil {
		s.addIfUnverified(pk.backNote(ins))
	}
	return s.notes
}
