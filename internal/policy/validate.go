package policy

import (
	"bytes"
	"path"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/shebao-project/shebao/internal/money"
)

var (
	one        = money.MustRate("1")
	maxLateFee = money.MustRate("0.01")
)

// decodePack parses and validates one pack file. It returns nil when the
// file has any problem; every problem found is appended to list.
func decodePack(file string, data []byte, list *[]Problem) *pack {
	p := problems{file: file, list: list}
	before := len(*list)
	var spec packSpec
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&spec); err != nil {
		p.add("(yaml)", "cannot decode: %v", err)
		return nil
	}
	pk := &pack{file: file, spec: &spec, insurances: map[string]*insurance{}}
	checkHeader(p, pk)
	checkFigures(p, &spec)
	checkInsurances(p, pk)
	checkOffset(p, pk)
	if len(*list) > before {
		return nil
	}
	return pk
}

func checkHeader(p problems, pk *pack) {
	s := pk.spec
	if !validRegion(s.Region) {
		p.add("region", "%q is not a GB/T 2260 six-digit code or \"national\"", s.Region)
	}
	if s.Name == "" || s.NameEn == "" {
		p.add("name", "name and name_en are required")
	}
	if !knownProfiles[s.Profile] {
		p.add("profile", "unknown profile %q (want guangdong|jiangsu|national)", s.Profile)
	}
	checkWindow(p, pk)
	dir, base := path.Split(pk.file)
	if want := s.Region + "/" + s.EffectiveFrom + ".yaml"; !strings.HasSuffix(pk.file, want) {
		p.add("effective_from", "file %s%s must be named <region>/<effective_from>.yaml (%s)", dir, base, want)
	}
	checkList(p, "auth_methods", s.AuthMethods, knownAuth)
	checkChannels(p, s.Channels)
	if s.Rounding == nil {
		p.add("rounding", "rounding is required")
	} else {
		if !s.Rounding.Mode.Valid() {
			p.add("rounding.mode", "unknown rounding %q (want half_up_fen|down_fen|up_jiao|half_up_yuan)", s.Rounding.Mode)
		}
		s.Rounding.Source.check(p, "rounding.source")
		pk.rounding = s.Rounding.Mode
	}
}

func validRegion(s string) bool { return s == "national" || (len(s) == 6 && allDigits(s)) }

func checkWindow(p problems, pk *pack) {
	from, err := ParseMonth(pk.spec.EffectiveFrom)
	if err != nil {
		p.add("effective_from", "%q is not a month like 2025-07", pk.spec.EffectiveFrom)
		return
	}
	pk.from = from
	if pk.spec.EffectiveTo == "" {
		return
	}
	to, err := ParseMonth(pk.spec.EffectiveTo)
	switch {
	case err != nil:
		p.add("effective_to", "%q is not a month like 2026-06", pk.spec.EffectiveTo)
	case to.Before(from):
		p.add("effective_to", "window ends (%s) before it starts (%s)", to, from)
	default:
		pk.to = to
	}
}

func checkList(p problems, field string, items []string, known map[string]bool) {
	if len(items) == 0 {
		p.add(field, "at least one value is required")
	}
	seen := map[string]bool{}
	for i, it := range items {
		if !known[it] {
			p.add(indexed(field, i), "unknown value %q", it)
		}
		if seen[it] {
			p.add(indexed(field, i), "duplicate value %q", it)
		}
		seen[it] = true
	}
}

func checkChannels(p problems, chans []channelSpec) {
	if len(chans) == 0 {
		p.add("channels", "at least one channel is required")
	}
	seen := map[string]bool{}
	for i, c := range chans {
		f := indexed("channels", i)
		if !knownChannels[c.Code] {
			p.add(f+".code", "unknown channel %q (want wechatpay|wechatpay_native|ssc_account|unionpay|credit_pay|family_offset)", c.Code)
		}
		if seen[c.Code] {
			p.add(f+".code", "duplicate channel %q", c.Code)
		}
		seen[c.Code] = true
		if c.PerPaymentFen <= 0 || c.PerDayFen < c.PerPaymentFen {
			p.add(f, "limits must satisfy 0 < per_payment_fen <= per_day_fen")
		}
		c.Source.check(p, f+".source")
		checkCredit(p, f, c)
	}
}

func checkFigures(p problems, s *packSpec) {
	for name, src := range s.Sources {
		src.check(p, "sources."+name)
	}
	checkFen(p, "average_wage", s.AverageWage)
	checkFen(p, "floor", s.Floor)
	checkFen(p, "ceiling", s.Ceiling)
	if s.Floor != nil && s.Ceiling != nil && s.Floor.Fen > s.Ceiling.Fen {
		p.add("floor", "floor %d fen is above ceiling %d fen", s.Floor.Fen, s.Ceiling.Fen)
	}
	checkYears(p, "pension_calc_base", s.PensionCalcBase)
}

func checkFen(p problems, field string, f *fenFigure) {
	if f == nil {
		return
	}
	if f.Fen <= 0 {
		p.add(field+".fen", "must be positive, got %d", f.Fen)
	}
	f.Source.check(p, field+".source")
}

func checkYears(p problems, field string, ys []yearFigure) {
	seen := map[int]bool{}
	for i, y := range ys {
		f := indexed(field, i)
		if y.Year < 1990 || y.Year > 2100 {
			p.add(f+".year", "year %d is out of range", y.Year)
		}
		if seen[y.Year] {
			p.add(f+".year", "duplicate year %d", y.Year)
		}
		seen[y.Year] = true
		if y.Fen <= 0 {
			p.add(f+".fen", "must be positive, got %d", y.Fen)
		}
		y.Source.check(p, f+".source")
	}
}

// parseRate checks a rate spec: 0 < rate <= max.
func parseRate(p problems, field string, r *rateSpec, max money.Rate) *rate {
	if r == nil {
		return nil
	}
	r.Source.check(p, field+".source")
	v, err := money.ParseRate(r.Value)
	if err != nil {
		p.add(field+".value", "%q is not a non-negative decimal rate", r.Value)
		return nil
	}
	if v.IsZero() || v.Cmp(max) > 0 {
		p.add(field+".value", "rate %s must be above 0 and at most %s", v, max)
		return nil
	}
	return &rate{value: v, source: r.Source}
}

func indexed(field string, i int) string { return field + "[" + strconv.Itoa(i) + "]" }
