package policy

import "github.com/shebao-project/shebao/internal/money"

// RegionView is everything pages, billing and the console need to know
// about a region in one month: presentation profile, authentication methods,
// channels and their limits, and the insurance types with their rules.
type RegionView struct {
	Code        string           `json:"code"`
	Name        string           `json:"name"`
	NameEn      string           `json:"name_en"`
	Profile     string           `json:"profile"`
	Window      Window           `json:"window"`
	AuthMethods []string         `json:"auth_methods"`
	Channels    []ChannelView    `json:"channels"`
	Rounding    money.Rounding   `json:"rounding"`
	AverageWage *FigureView      `json:"average_wage,omitempty"`
	Floor       *FigureView      `json:"floor,omitempty"`
	Ceiling     *FigureView      `json:"ceiling,omitempty"`
	PersonTypes []PersonTypeView `json:"person_types"`
	Offline     []InsuranceView  `json:"offline"`    // types handled at the counter only
	Unverified  []Note           `json:"unverified"` // every unverified figure in the window
}

// ChannelView is a payment channel with its limits per payment and per day.
type ChannelView struct {
	Code          string    `json:"code"`
	PerPaymentFen money.Fen `json:"per_payment_fen"`
	PerDayFen     money.Fen `json:"per_day_fen"`
	Source        Source    `json:"source"`
	// Credit is set for credit_pay only: its limit and repayment schedule.
	Credit *CreditTerms `json:"credit,omitempty"`
	// FamilyOffset is set for family_offset only: what may be offset, for whom.
	FamilyOffset *OffsetTerms `json:"family_offset,omitempty"`
}

// FigureView is an amount with its source.
type FigureView struct {
	Fen    money.Fen `json:"fen"`
	Source Source    `json:"source"`
}

// RateView is a rate with its source.
type RateView struct {
	Value  money.Rate `json:"value"`
	Source Source     `json:"source"`
}

// YearFigureView is an amount for one year (coverage year or retirement year).
type YearFigureView struct {
	Year   int       `json:"year"`
	Fen    money.Fen `json:"fen"`
	Source Source    `json:"source"`
}

// PersonTypeView lists the insurance types offered online to one person type.
type PersonTypeView struct {
	PersonType string          `json:"person_type"`
	Insurances []InsuranceView `json:"insurances"`
}

// InsuranceView is one insurance type's rules in a window.
type InsuranceView struct {
	Code            string           `json:"code"`
	Name            string           `json:"name"`
	NameEn          string           `json:"name_en"`
	Family          string           `json:"family"`
	PersonTypes     []string         `json:"person_types"`
	Online          bool             `json:"online"`
	OfflineReason   string           `json:"offline_reason,omitempty"`
	OfflineReasonEn string           `json:"offline_reason_en,omitempty"`
	Rate            *RateView        `json:"rate,omitempty"`
	PersonalAccount *RateView        `json:"personal_account,omitempty"`
	Binding         string           `json:"binding,omitempty"`
	Cycles          []string         `json:"cycles,omitempty"`
	AdvanceMonths   int              `json:"advance_months"`
	BackMonths      int              `json:"back_payment_months"`
	LateFeeDaily    *RateView        `json:"late_fee_daily_rate,omitempty"`
	FloorFen        money.Fen        `json:"floor_fen,omitempty"`
	CeilingFen      money.Fen        `json:"ceiling_fen,omitempty"`
	GradeUnit       string           `json:"grade_unit,omitempty"`
	Grades          []money.Fen      `json:"grades,omitempty"`
	AnnualPremiums  []YearFigureView `json:"annual_premiums,omitempty"`
	Verified        bool             `json:"verified"` // every figure of this type is officially sourced
}

// RegionAt describes region code in month m. The view is shared between
// callers and must be treated as read-only.
func (e *Engine) RegionAt(code string, m Month) (*RegionView, error) {
	r, err := e.packs().region(code, "region")
	if err != nil {
		return nil, err
	}
	pk := r.packAt(m)
	if pk == nil {
		return nil, noPolicy(r, m.String(), "month")
	}
	pk.viewOnce.Do(func() { pk.viewCached = pk.view() })
	return pk.viewCached, nil
}

func (pk *pack) view() *RegionView {
	s := pk.spec
	v := &RegionView{Code: s.Region, Name: s.Name, NameEn: s.NameEn, Profile: s.Profile,
		Window: pk.window(), AuthMethods: append([]string(nil), s.AuthMethods...),
		Rounding: pk.rounding, AverageWage: figure(s.AverageWage), Floor: figure(s.Floor),
		Ceiling: figure(s.Ceiling), Offline: []InsuranceView{}, Unverified: pk.unverifiedNotes()}
	for _, c := range s.Channels {
		v.Channels = append(v.Channels, ChannelView(c))
	}
	for _, person := range []string{PersonFlexible, PersonResident} {
		pv := PersonTypeView{PersonType: person, Insurances: []InsuranceView{}}
		for _, code := range pk.order {
			if ins := pk.insurances[code]; ins.spec.Online && ins.persons[person] {
				pv.Insurances = append(pv.Insurances, pk.insuranceView(ins))
			}
		}
		v.PersonTypes = append(v.PersonTypes, pv)
	}
	for _, code := range pk.order {
		if ins := pk.insurances[code]; !ins.spec.Online {
			v.Offline = append(v.Offline, pk.insuranceView(ins))
		}
	}
	return v
}

func figure(f *fenFigure) *FigureView {
	if f == nil {
		return nil
	}
	return &FigureView{Fen: f.Fen, Source: f.Source}
}

func rateView(r *rate) *RateView {
	if r == nil {
		return nil
	}
	return &RateView{Value: r.value, Source: r.source}
}

func (pk *pack) insuranceView(ins *insurance) InsuranceView {
	s := ins.spec
	name := insuranceNames[s.Code]
	v := InsuranceView{Code: s.Code, Name: name.Name, NameEn: name.NameEn, Family: s.Family,
		PersonTypes: s.PersonTypes, Online: s.Online, OfflineReason: s.OfflineReason,
		OfflineReasonEn: s.OfflineReasonEn, Rate: rateView(ins.rate), PersonalAccount: rateView(ins.share),
		Binding: ins.binding(), BackMonths: ins.backMonths(), LateFeeDaily: rateView(ins.lateFee)}
	if s.Cycles != nil {
		v.Cycles, v.AdvanceMonths = s.Cycles.Allowed, s.Cycles.AdvanceMonths
	}
	if (s.Family == FamilyRange || s.Family == FamilyAgency) && pk.spec.Floor != nil && pk.spec.Ceiling != nil {
		v.FloorFen, v.CeilingFen = pk.spec.Floor.Fen, pk.spec.Ceiling.Fen
	}
	if s.Grades != nil {
		v.GradeUnit, v.Grades = s.Grades.Unit, ins.sortedGrades()
	}
	for _, y := range s.AnnualPremiums {
		v.AnnualPremiums = append(v.AnnualPremiums, YearFigureView(y))
	}
	v.Verified = len(pk.insuranceNotes(ins)) == 0
	return v
}

// CalcBasesAt lists the pension calculation bases (计发基数) published in
// the window in force for region code in month m. They are not part of
// RegionView (pages never show them); the console compares them when an
// operator previews a new pack.
func (e *Engine) CalcBasesAt(code string, m Month) ([]YearFigureView, error) {
	r, err := e.packs().region(code, "region")
	if err != nil {
		return nil, err
	}
	pk := r.packAt(m)
	if pk == nil {
		return nil, noPolicy(r, m.String(), "month")
	}
	out := []YearFigureView{}
	for _, y := range pk.spec.PensionCalcBase {
		out = append(out, YearFigureView(y))
	}
	return out, nil
}
