package policy

import (
	"fmt"
	"io/fs"
	"sort"
	"time"
)

// Load reads every <region>/<effective_from>.yaml in fsys, validates each pack
// and the windows of each region, and returns an Engine. Any problem anywhere
// refuses the whole load with a *LoadError listing all of them. now is the
// clock used when a request gives no as_of date.
func Load(fsys fs.FS, now func() time.Time) (*Engine, error) {
	return LoadWith(fsys, nil, now)
}

// SourcePack is a pack that is not one of the files in fsys: one an operator
// published (kept in the database), or one being checked before publication.
// File names it in problems and windows and must end in
// <region>/<effective_from>.yaml, as a file in fsys must.
type SourcePack struct {
	File string
	Data []byte
}

// LoadWith is Load with extra packs on top of fsys's files. An extra pack for
// the same region and first month as another pack replaces it (a correction);
// among extras, the later in the slice wins. Otherwise it adds a window, and
// an open-ended window just before it ends the month before it starts (as
// does an open extra just before a later file): an open window is in force
// "until the next notice", and publishing that notice is what ends it. The
// whole set is then validated as Load validates it, so a pack that would
// leave a gap, an overlap or a year given twice is refused with every
// problem listed.
func LoadWith(fsys fs.FS, extras []SourcePack, now func() time.Time) (*Engine, error) {
	if now == nil {
		return nil, fmt.Errorf("policy: Load needs a clock")
	}
	files, err := fs.Glob(fsys, "*/*.yaml")
	if err != nil {
		return nil, fmt.Errorf("policy: listing packs: %w", err)
	}
	var list []Problem
	if len(files) == 0 && len(extras) == 0 {
		list = append(list, Problem{File: ".", Field: "", Reason: "no policy packs (<region>/<effective_from>.yaml) found",
			ReasonZh: "没有找到政策包（<地区>/<生效月份>.yaml）"})
	}
	byRegion := map[string][]*pack{}
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			list = append(list, Problem{File: f, Field: "(file)", Reason: err.Error(), ReasonZh: "文件无法读取：" + err.Error()})
			continue
		}
		if pk := decodePack(f, data, &list); pk != nil {
			byRegion[pk.spec.Region] = append(byRegion[pk.spec.Region], pk)
		}
	}
	for _, x := range extras {
		if pk := decodePack(x.File, x.Data, &list); pk != nil {
			pk.extra = true
			byRegion[pk.spec.Region] = putPack(byRegion[pk.spec.Region], pk)
		}
	}
	set := &packSet{regions: map[string]*region{}}
	for code, packs := range byRegion {
		sort.Slice(packs, func(i, j int) bool { return packs[i].from.Before(packs[j].from) })
		closeBeforeExtras(packs)
		checkRegion(packs, &list)
		set.regions[code] = &region{code: code, packs: packs}
		set.codes = append(set.codes, code)
	}
	if len(list) > 0 {
		return nil, &LoadError{Problems: list}
	}
	sort.Strings(set.codes)
	e := &Engine{now: now}
	e.set.Store(set)
	return e, nil
}

// putPack adds pk to a region's packs, replacing the one with the same
// first month if there is one.
func putPack(packs []*pack, pk *pack) []*pack {
	for i, other := range packs {
		if other.from == pk.from {
			packs[i] = pk
			return packs
		}
	}
	return append(packs, pk)
}

// closeBeforeExtras ends an open window the month before the window that
// follows it when either is an extra pack (see LoadWith): an extra after a
// file's open window is the next notice; a file after an open extra is a
// later release catching up with a notice published from the console. Files
// alone never close each other: between them an open window that is not the
// last stays a problem.
func closeBeforeExtras(packs []*pack) {
	for i := 0; i+1 < len(packs); i++ {
		cur, next := packs[i], packs[i+1]
		if cur.open() && (cur.extra || next.extra) && next.from.After(cur.from) {
			cur.to = next.from.Add(-1)
		}
	}
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
