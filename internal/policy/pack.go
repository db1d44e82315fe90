package policy

import (
	"sync"

	"github.com/shebao-project/shebao/internal/money"
)

// The YAML shape of a policy pack, policies/<region>/<effective_from>.yaml.
// Rates are strings ("0.20") so that they stay exact and a bad one is reported
// with its field; amounts are integer fen.
type packSpec struct {
	Sources         map[string]Source `yaml:"sources"` // a place for YAML anchors; each is checked
	Region          string            `yaml:"region"`
	Name            string            `yaml:"name"`
	NameEn          string            `yaml:"name_en"`
	Profile         string            `yaml:"profile"`
	EffectiveFrom   string            `yaml:"effective_from"`
	EffectiveTo     string            `yaml:"effective_to"`
	AuthMethods     []string          `yaml:"auth_methods"`
	Channels        []channelSpec     `yaml:"channels"`
	Rounding        *roundingSpec     `yaml:"rounding"`
	AverageWage     *fenFigure        `yaml:"average_wage"`
	Floor           *fenFigure        `yaml:"floor"`
	Ceiling         *fenFigure        `yaml:"ceiling"`
	PensionCalcBase []yearFigure      `yaml:"pension_calc_base"`
	Insurances      []insuranceSpec   `yaml:"insurances"`
}

type fenFigure struct {
	Fen    money.Fen `yaml:"fen"`
	Source Source    `yaml:"source"`
}

type yearFigure struct {
	Year   int       `yaml:"year"`
	Fen    money.Fen `yaml:"fen"`
	Source Source    `yaml:"source"`
}

type rateSpec struct {
	Value  string `yaml:"value"`
	Source Source `yaml:"source"`
}

type channelSpec struct {
	Code          string    `yaml:"code"`
	PerPaymentFen money.Fen `yaml:"per_payment_fen"`
	PerDayFen     money.Fen `yaml:"per_day_fen"`
	Source        Source    `yaml:"source"`
	// Credit is the terms of credit pay (社保信用付); only credit_pay has them.
	Credit *CreditTerms `yaml:"credit"`
	// FamilyOffset is the terms of the family mutual-aid offset (家庭共济);
	// only family_offset has them.
	FamilyOffset *OffsetTerms `yaml:"family_offset"`
}

type roundingSpec struct {
	Mode   money.Rounding `yaml:"mode"`
	Source Source         `yaml:"source"`
}

type gradeSpec struct {
	Unit   string      `yaml:"unit"`
	Fen    []money.Fen `yaml:"fen"`
	Source Source      `yaml:"source"`
}

type bindingSpec struct {
	Rule   string `yaml:"rule"`
	Source Source `yaml:"source"`
}

type cycleSpec struct {
	Allowed       []string `yaml:"allowed"`
	AdvanceMonths int      `yaml:"advance_months"`
	Source        Source   `yaml:"source"`
}

type backSpec struct {
	Months int    `yaml:"months"`
	Source Source `yaml:"source"`
}

type insuranceSpec struct {
	Code            string       `yaml:"code"`
	Family          string       `yaml:"family"`
	PersonTypes     []string     `yaml:"person_types"`
	Online          bool         `yaml:"online"`
	OfflineReason   string       `yaml:"offline_reason"`
	OfflineReasonEn string       `yaml:"offline_reason_en"`
	Rate            *rateSpec    `yaml:"rate"`
	PersonalAccount *rateSpec    `yaml:"personal_account"`
	Grades          *gradeSpec   `yaml:"grades"`
	AnnualPremiums  []yearFigure `yaml:"annual_premiums"`
	Binding         *bindingSpec `yaml:"binding"`
	Cycles          *cycleSpec   `yaml:"cycles"`
	BackPayment     *backSpec    `yaml:"back_payment"`
	LateFee         *rateSpec    `yaml:"late_fee"`
}

// pack is a validated pack: one region's rules for one window.
type pack struct {
	file       string
	extra      bool // given to LoadWith, not one of the files
	spec       *packSpec
	from, to   Month // to is zero when open-ended
	rounding   money.Rounding
	insurances map[string]*insurance
	order      []string // insurance codes in file order
	// viewOnce builds the pack's RegionView once: packs never change after
	// loading, and every order asks for channels and bindings several times.
	viewOnce   sync.Once
	viewCached *RegionView
}

// rate is a parsed rate with its source.
type rate struct {
	value  money.Rate
	source Source
}

// insurance is a validated insuranceSpec.
type insurance struct {
	spec     *insuranceSpec
	persons  map[string]bool
	cycles   map[string]bool
	rate     *rate
	share    *rate
	lateFee  *rate
	grades   map[money.Fen]bool
	premiums map[int]yearFigure
}

// policyID names a window the way quotes cite it: "110000@2025-07".
func (p *pack) policyID() string { return p.spec.Region + "@" + p.from.String() }

func (p *pack) open() bool { return p.to.IsZero() }

func (p *pack) contains(m Month) bool {
	return !m.Before(p.from) && (p.open() || !m.After(p.to))
}

// annual reports whether periods of ins are coverage years rather than months.
func (ins *insurance) annual() bool {
	return ins.spec.Family == FamilyFlatAnnual ||
		(ins.spec.Family == FamilyGrades && ins.spec.Grades != nil && ins.spec.Grades.Unit == GradeAnnual)
}

func (ins *insurance) backMonths() int {
	if ins.spec.BackPayment == nil {
		return 0
	}
	return ins.spec.BackPayment.Months
}

func (ins *insurance) binding() string {
	if ins.spec.Binding == nil {
		return ""
	}
	return ins.spec.Binding.Rule
}
