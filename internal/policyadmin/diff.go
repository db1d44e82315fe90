package policyadmin

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/policy"
)

// Change is one figure or rule that differs between the window in force and
// the new pack, shown as text. Old is "" for something the new pack adds,
// New "" for something it drops.
type Change struct {
	Field   string // the pack's field, e.g. "floor", "insurances[110].rate"
	Label   string
	LabelEn string
	Old     string
	New     string
}

// changes collects Changes, keeping only real differences.
type changes []Change

func (cs *changes) add(field, zh, en, old, new string) {
	if old != new {
		*cs = append(*cs, Change{Field: field, Label: zh, LabelEn: en, Old: old, New: new})
	}
}

// diff compares region's rules in month m before and after the upload. A
// region or month with no window before compares against nothing, so
// every figure shows as added.
func diff(before, after *policy.Engine, region string, m policy.Month) ([]Change, error) {
	nv, err := after.RegionAt(region, m)
	if err != nil {
		return nil, fmt.Errorf("policyadmin: diff: %w", err)
	}
	nb, err := after.CalcBasesAt(region, m)
	if err != nil {
		return nil, fmt.Errorf("policyadmin: diff: %w", err)
	}
	ov, ob := &policy.RegionView{}, []policy.YearFigureView(nil)
	var pe *policy.Error
	if v, err := before.RegionAt(region, m); err == nil {
		ov = v
		ob, _ = before.CalcBasesAt(region, m) // the window RegionAt just found
	} else if !errors.As(err, &pe) {
		return nil, fmt.Errorf("policyadmin: diff: %w", err)
	}
	var cs changes
	diffHeader(&cs, ov, nv)
	cs.add("average_wage", "社平工资", "average wage", figure(ov.AverageWage), figure(nv.AverageWage))
	cs.add("floor", "缴费基数下限", "base floor", figure(ov.Floor), figure(nv.Floor))
	cs.add("ceiling", "缴费基数上限", "base ceiling", figure(ov.Ceiling), figure(nv.Ceiling))
	diffYears(&cs, "pension_calc_base", "基本养老金计发基数", "pension calculation base", ob, nb)
	diffChannels(&cs, ov.Channels, nv.Channels)
	oi, ni := insurances(ov), insurances(nv)
	for _, code := range unionKeys(oi, ni) {
		diffInsurance(&cs, code, oi[code], ni[code])
	}
	return cs, nil
}

func diffHeader(cs *changes, o, n *policy.RegionView) {
	cs.add("name", "地区名称", "region name", join(o.Name, o.NameEn), join(n.Name, n.NameEn))
	cs.add("profile", "展示模板", "profile", o.Profile, n.Profile)
	cs.add("effective", "生效期间", "window", window(o), window(n))
	cs.add("auth_methods", "认证方式", "authentication", strings.Join(o.AuthMethods, ", "), strings.Join(n.AuthMethods, ", "))
	cs.add("rounding", "取整规则", "rounding", string(o.Rounding), string(n.Rounding))
}

func join(zh, en string) string {
	if zh == "" && en == "" {
		return ""
	}
	return zh + " / " + en
}

func window(v *policy.RegionView) string {
	if v.Window.Policy == "" {
		return ""
	}
	if v.Window.To == nil {
		return v.Window.From.String() + " 起（未定截止 open）"
	}
	return v.Window.From.String() + " – " + v.Window.To.String()
}

// figure shows an amount, marked when no official notice backs it.
func figure(f *policy.FigureView) string {
	if f == nil {
		return ""
	}
	return amount(f.Fen, f.Source)
}

func amount(f money.Fen, src policy.Source) string {
	s := f.Yuan() + " 元"
	if !src.Verified() {
		s += "（未核实 unverified）"
	}
	return s
}

func rate(r *policy.RateView) string {
	if r == nil {
		return ""
	}
	s := r.Value.String()
	if !r.Source.Verified() {
		s += "（未核实 unverified）"
	}
	return s
}

func diffYears(cs *changes, field, zh, en string, o, n []policy.YearFigureView) {
	om, nm := map[int]string{}, map[int]string{}
	for _, y := range o {
		om[y.Year] = amount(y.Fen, y.Source)
	}
	for _, y := range n {
		nm[y.Year] = amount(y.Fen, y.Source)
	}
	for _, y := range unionKeys(om, nm) {
		ys := strconv.Itoa(y)
		cs.add(field+"["+ys+"]", ys+" 年"+zh, ys+" "+en, om[y], nm[y])
	}
}

func diffChannels(cs *changes, o, n []policy.ChannelView) {
	show := func(cs []policy.ChannelView) map[string]string {
		m := map[string]string{}
		for _, c := range cs {
			m[c.Code] = "单笔 per payment " + c.PerPaymentFen.Yuan() + " / 单日 per day " + c.PerDayFen.Yuan() + " 元"
		}
		return m
	}
	om, nm := show(o), show(n)
	for _, code := range unionKeys(om, nm) {
		cs.add("channels["+code+"]", "支付渠道 "+code+" 限额", "channel "+code+" limits", om[code], nm[code])
	}
}

// insurances indexes a view's insurance types by code, online or not.
func insurances(v *policy.RegionView) map[string]*policy.InsuranceView {
	m := map[string]*policy.InsuranceView{}
	for _, pt := range v.PersonTypes {
		for i := range pt.Insurances {
			if _, ok := m[pt.Insurances[i].Code]; !ok {
				m[pt.Insurances[i].Code] = &pt.Insurances[i]
			}
		}
	}
	for i := range v.Offline {
		m[v.Offline[i].Code] = &v.Offline[i]
	}
	return m
}

func diffInsurance(cs *changes, code string, o, n *policy.InsuranceView) {
	name, _ := policy.Insurance(code)
	f := "insurances[" + code + "]"
	zh, en := name.Name+"（"+code+"）", name.NameEn+" ("+code+")"
	if o == nil || n == nil {
		cs.add(f, zh, en, offered(o), offered(n))
		return
	}
	cs.add(f+".online", zh+" 线上缴费", en+" online", yesNo(o.Online), yesNo(n.Online))
	cs.add(f+".person_types", zh+" 参保人员类别", en+" person types", strings.Join(o.PersonTypes, ", "), strings.Join(n.PersonTypes, ", "))
	cs.add(f+".family", zh+" 缴费方式", en+" family", o.Family, n.Family)
	cs.add(f+".rate", zh+" 费率", en+" rate", rate(o.Rate), rate(n.Rate))
	cs.add(f+".personal_account", zh+" 个人账户记账比例", en+" personal-account share", rate(o.PersonalAccount), rate(n.PersonalAccount))
	cs.add(f+".binding", zh+" 与养老保险的绑定", en+" binding", o.Binding, n.Binding)
	cs.add(f+".cycles", zh+" 缴费周期（可预缴月数）", en+" cycles (advance months)", cycles(o), cycles(n))
	cs.add(f+".back_payment", zh+" 可补缴月数", en+" back-payment months", strconv.Itoa(o.BackMonths), strconv.Itoa(n.BackMonths))
	cs.add(f+".late_fee", zh+" 滞纳金日费率", en+" daily late fee", rate(o.LateFeeDaily), rate(n.LateFeeDaily))
	cs.add(f+".grades", zh+" 缴费档次", en+" grades", grades(o), grades(n))
	diffYears(cs, f+".annual_premiums", name.Name+" 年度保费", name.NameEn+" yearly premium", o.AnnualPremiums, n.AnnualPremiums)
}

func offered(v *policy.InsuranceView) string {
	switch {
	case v == nil:
		return ""
	case v.Online:
		return "线上缴费 online"
	}
	return "仅线下 counter only"
}

func yesNo(b bool) string {
	if b {
		return "是 yes"
	}
	return "否 no"
}

func cycles(v *policy.InsuranceView) string {
	if len(v.Cycles) == 0 {
		return ""
	}
	return strings.Join(v.Cycles, ", ") + " (+" + strconv.Itoa(v.AdvanceMonths) + ")"
}

func grades(v *policy.InsuranceView) string {
	if len(v.Grades) == 0 {
		return ""
	}
	parts := make([]string, len(v.Grades))
	for i, g := range v.Grades {
		parts[i] = g.Yuan()
	}
	return v.GradeUnit + ": " + strings.Join(parts, ", ") + " 元"
}

// unionKeys lists the keys of both maps, sorted.
func unionKeys[K string | int, V any](a, b map[K]V) []K {
	seen := map[K]bool{}
	var out []K
	for _, m := range []map[K]V{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
