package policy

import "sort"

// RegionSummary is one region in the region picker.
type RegionSummary struct {
	Code    string `json:"code"`
	Name    string `json:"name"`
	NameEn  string `json:"name_en"`
	Profile string `json:"profile"`
}

// Window is one pack's effective period. To is nil for the newest,
// open-ended window. Unverified counts the figures in it that no official
// notice backs, for the operator console.
type Window struct {
	Region     string `json:"region"`
	Policy     string `json:"policy"`
	From       Month  `json:"from"`
	To         *Month `json:"to,omitempty"`
	File       string `json:"file"`
	Unverified int    `json:"unverified"`
}

// Regions lists every region with packs, sorted by code, with the name and
// profile of its newest window.
func (e *Engine) Regions() []RegionSummary {
	out := make([]RegionSummary, 0, len(e.codes))
	for _, code := range e.codes {
		r := e.regions[code]
		s := r.packs[len(r.packs)-1].spec
		out = append(out, RegionSummary{Code: code, Name: s.Name, NameEn: s.NameEn, Profile: s.Profile})
	}
	return out
}

// Windows lists a region's windows in order; nil for an unknown region.
func (e *Engine) Windows(code string) []Window {
	r := e.regions[code]
	if r == nil {
		return nil
	}
	out := make([]Window, 0, len(r.packs))
	for _, pk := range r.packs {
		out = append(out, pk.window())
	}
	return out
}

func (pk *pack) window() Window {
	w := Window{Region: pk.spec.Region, Policy: pk.policyID(), From: pk.from, File: pk.file,
		Unverified: len(pk.unverifiedNotes())}
	if !pk.open() {
		to := pk.to
		w.To = &to
	}
	return w
}

// region returns the region or a region_unknown error naming the field.
func (e *Engine) region(code, field string) (*region, *Error) {
	r := e.regions[code]
	if r == nil {
		return nil, errorf(CodeRegionUnknown, field, "该地区暂未开通线上缴费："+code,
			"region "+code+" is not offered online", e.codes)
	}
	return r, nil
}

// packAt returns the window in force in month m, if any.
func (r *region) packAt(m Month) *pack {
	i := sort.Search(len(r.packs), func(i int) bool { return r.packs[i].from.After(m) })
	if i == 0 {
		return nil
	}
	if pk := r.packs[i-1]; pk.contains(m) {
		return pk
	}
	return nil
}

// noPolicy is the error for a month no window covers; it lists the windows.
func (e *Engine) noPolicy(r *region, m, field string) *Error {
	return errorf(CodeNoPolicy, field, "所选期间 "+m+" 没有适用的缴费政策",
		"no policy covers "+m+" in region "+r.code, e.Windows(r.code))
}
