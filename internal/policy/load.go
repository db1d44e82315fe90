package policy

import (
	"fmt"
	"io/fs"
	"sort"
	"time"
)

// Engine answers every policy question of the platform from validated packs.
// It is immutable after Load and safe for concurrent use.
type Engine struct {
	now     func() time.Time
	regions map[string]*region
	codes   []string // sorted region codes
}

// region holds one region's windows in order.
type region struct {
	code  string
	packs []*pack
}

// Load reads every <region>/<effective_from>.yaml in fsys, validates each pack
// and the windows of each region, and returns an Engine. Any problem anywhere
// refuses the whole load with a *LoadError listing all of them. now is the
// clock used when a request gives no as_of date.
func Load(fsys fs.FS, now func() time.Time) (*Engine, error) {
	if now == nil {
		return nil, fmt.Errorf("policy: Load needs a clock")
	}
	files, err := fs.Glob(fsys, "*/*.yaml")
	if err != nil {
		return nil, fmt.Errorf("policy: listing packs: %w", err)
	}
	var list []Problem
	if len(files) == 0 {
		list = append(list, Problem{File: ".", Field: "", Reason: "no policy packs (<region>/<effective_from>.yaml) found"})
	}
	byRegion := map[string][]*pack{}
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			list = append(list, Problem{File: f, Field: "(file)", Reason: err.Error()})
			continue
		}
		if pk := decodePack(f, data, &list); pk != nil {
			byRegion[pk.spec.Region] = append(byRegion[pk.spec.Region], pk)
		}
	}
	e := &Engine{now: now, regions: map[string]*region{}}
	for code, packs := range byRegion {
		sort.Slice(packs, func(i, j int) bool { return packs[i].from.Before(packs[j].from) })
		checkRegion(packs, &list)
		e.regions[code] = &region{code: code, packs: packs}
		e.codes = append(e.codes, code)
	}
	if len(list) > 0 {
		return nil, &LoadError{Problems: list}
	}
	sort.Strings(e.codes)
	return e, nil
}

// checkRegion refuses overlapping or gapped windows, an open window that is
// not the last, renamed regions, and a year given twice for a yearly figure.
func checkRegion(packs []*pack, list *[]Problem) {
	for i := 1; i < len(packs); i++ {
		prev, cur := packs[i-1], packs[i]
		p := problems{file: cur.file, list: list}
		switch {
		case prev.open():
			p.add("effective_from", "overlaps %s, which is open-ended", prev.file)
		case !cur.from.After(prev.to):
			p.add("effective_from", "window starting %s overlaps %s (ends %s)", cur.from, prev.file, prev.to)
		case cur.from != prev.to.Add(1):
			p.add("effective_from", "gap: %s ends %s but this window starts %s", prev.file, prev.to, cur.from)
		}
		if cur.spec.Name != prev.spec.Name || cur.spec.NameEn != prev.spec.NameEn {
			p.add("name", "region name differs from %s", prev.file)
		}
	}
	checkYearsAcross(packs, list)
}

func checkYearsAcross(packs []*pack, list *[]Problem) {
	calc := map[int]string{}
	prem := map[string]string{}
	for _, pk := range packs {
		p := problems{file: pk.file, list: list}
		for _, y := range pk.spec.PensionCalcBase {
			if other, dup := calc[y.Year]; dup {
				p.add("pension_calc_base", "year %d is also given in %s", y.Year, other)
			}
			calc[y.Year] = pk.file
		}
		for _, code := range pk.order {
			for year := range pk.insurances[code].premiums {
				key := code + "/" + fmt.Sprint(year)
				if other, dup := prem[key]; dup {
					p.add("insurances."+code+".annual_premiums", "coverage year %d is also given in %s", year, other)
				}
				prem[key] = pk.file
			}
		}
	}
}
