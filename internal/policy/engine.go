package policy

import (
	"sort"
	"sync/atomic"
	"time"
)

// Engine answers every policy question of the platform from validated packs.
// It is safe for concurrent use. The packs it answers from are one immutable
// set, swapped as a whole by Replace when an operator publishes or rolls back
// a pack: every method reads the set once, so an answer never mixes the
// figures of two sets, and the many services holding this *Engine see the
// new set without being rebuilt.
type Engine struct {
	now func() time.Time
	set atomic.Pointer[packSet]
}

// packSet is one validated set of packs; it never changes once built.
type packSet struct {
	regions map[string]*region
	codes   []string // sorted region codes
}

// region holds one region's windows in order.
type region struct {
	code  string
	packs []*pack
}

func (e *Engine) packs() *packSet { return e.set.Load() }

// Replace makes e answer from the packs of from (built by Load or LoadWith)
// from now on. Calls already running finish with the set they started with.
// e keeps its own clock.
func (e *Engine) Replace(from *Engine) { e.set.Store(from.packs()) }

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
	set := e.packs()
	out := make([]RegionSummary, 0, len(set.codes))
	for _, code := range set.codes {
		r := set.regions[code]
		s := r.packs[len(r.packs)-1].spec
		out = append(out, RegionSummary{Code: code, Name: s.Name, NameEn: s.NameEn, Profile: s.Profile})
	}
	return out
}

// Windows lists a region's windows in order; nil for an unknown region.
func (e *Engine) Windows(code string) []Window {
	r := e.packs().regions[code]
	if r == nil {
		return nil
	}
	return r.windows()
}

func (r *region) windows() []Window {
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
func (s *packSet) region(code, field string) (*region, *Error) {
	r := s.regions[code]
	if r == nil {
		return nil, errorf(CodeRegionUnknown, field, "该地区暂未开通线上缴费："+code,
			"region "+code+" is not offered online", s.codes)
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
func noPolicy(r *region, m, field string) *Error {
	return errorf(CodeNoPolicy, field, "所选期间 "+m+" 没有适用的缴费政策",
		"no policy covers "+m+" in region "+r.code, r.windows())
}
