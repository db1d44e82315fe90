package policy

import "slices"

// OffsetChannel is the channel code of the family mutual-aid offset
// (家庭共济): an employee-medical holder pays a close relative's resident
// medical contribution from their own medical personal account. The national
// basis is 国办发〔2021〕14号 (职工医保门诊共济保障机制); a pack offers it only
// where the region allows it, with terms saying what may be offset and for whom.
const OffsetChannel = "family_offset"

// OffsetTerms say which bills may be paid from the personal account and for
// which relatives (the relationship recorded on the family grant).
type OffsetTerms struct {
	// Insurances are the aae140 codes that may be offset: resident medical
	// insurance (390) only, the contribution the national rule names.
	Insurances []string `yaml:"insurances" json:"insurances"`
	// Relationships are the grant relationships allowed: spouse, parent,
	// child (the national rule's 配偶、父母、子女).
	Relationships []string `yaml:"relationships" json:"relationships"`
	Source        Source   `yaml:"source" json:"source"`
}

var (
	offsetInsurances    = set("390")
	offsetRelationships = set("spouse", "parent", "child")
)

// checkOffset requires terms on family_offset and refuses them elsewhere;
// the terms must name online resident-medical insurance of this pack, close
// relatives only, and the pack's employee medical insurance (whose personal
// account pays) must allow the offset.
func checkOffset(p problems, pk *pack) {
	for i, c := range pk.spec.Channels {
		f := indexed("channels", i)
		t := c.FamilyOffset
		switch {
		case c.Code != OffsetChannel && t != nil:
			p.add(f+".family_offset", "family offset terms belong to family_offset only")
			continue
		case c.Code != OffsetChannel:
			continue
		case t == nil:
			p.add(f+".family_offset", "family_offset needs terms (insurances, relationships, source)")
			continue
		}
		checkList(p, f+".family_offset.relationships", t.Relationships, offsetRelationships)
		checkList(p, f+".family_offset.insurances", t.Insurances, offsetInsurances)
		for j, code := range t.Insurances {
			ins := pk.insurances[code]
			if offsetInsurances[code] && (ins == nil || !ins.spec.Online) {
				p.add(indexed(f+".family_offset.insurances", j), "insurance %s is not offered online in this pack, so it cannot be offset", code)
			}
		}
		t.Source.check(p, f+".family_offset.source")
		if m := pk.insurances[medicalCode]; m == nil || m.spec.Binding == nil || m.spec.Binding.Rule != BindingFamilyOffset {
			p.add(f+".family_offset", "the pack's employee medical insurance (310) must have binding family_offset_allowed")
		}
	}
}

// OffsetTerms returns the window's family offset terms, if it offers the
// channel.
func (v *RegionView) OffsetTerms() (OffsetTerms, bool) {
	for _, c := range v.Channels {
		if c.Code == OffsetChannel && c.FamilyOffset != nil {
			return *c.FamilyOffset, true
		}
	}
	return OffsetTerms{}, false
}

// Allows reports whether the terms let a relative of that relationship have
// a bill of that insurance offset.
func (t OffsetTerms) Allows(insurance, relationship string) bool {
	return slices.Contains(t.Insurances, insurance) && slices.Contains(t.Relationships, relationship)
}
