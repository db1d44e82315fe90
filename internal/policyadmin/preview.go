package policyadmin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/shebao-project/shebao/internal/policy"
)

// maxPackSize bounds an upload; the release's largest pack is about 6 KB.
const maxPackSize = 1 << 20

// Preview is what an operator sees before publishing a pack: its problems,
// or else what it changes against the packs in force and for how many people.
type Preview struct {
	Region       string
	Name, NameEn string
	From         policy.Month
	To           string // "" for an open-ended window
	SHA256, SM3  string
	// Current is the window in force today for the pack's first month
	// (nil if none); Correction says the pack replaces it rather than
	// following it.
	Current    *policy.Window
	Correction bool
	Windows    []policy.Window // the region's windows once published
	Changes    []Change
	Impact     *Impact // nil while there are problems
	// Problems, when any, mean the pack cannot be published.
	Problems []policy.Problem
	// Version is the set of published packs the preview was made against;
	// Publish refuses if it has moved since.
	Version int64
}

// candidate is an upload checked against the published packs.
type candidate struct {
	data     []byte
	file     string
	region   string
	from     policy.Month
	packs    []Pack         // the stored packs it was checked against
	version  int64          // their version
	before   *policy.Engine // the set without the upload
	after    *policy.Engine // the set with it; nil when it does not load
	problems []policy.Problem
}

// Validate lists the problems that keep data from being published; none
// means it can be.
func (s *Service) Validate(ctx context.Context, data []byte) ([]policy.Problem, error) {
	c, err := s.check(ctx, data)
	if err != nil {
		return nil, err
	}
	return c.problems, nil
}

// Preview checks data and, if it can be published, compares it with the
// window in force for its first month and counts the people whose next
// bill it changes.
func (s *Service) Preview(ctx context.Context, data []byte) (*Preview, error) {
	c, err := s.check(ctx, data)
	if err != nil {
		return nil, err
	}
	p := &Preview{Region: c.region, From: c.from, Problems: c.problems, Version: c.version}
	p.SHA256, p.SM3 = digests(data)
	if c.after == nil {
		return p, nil
	}
	view, err := c.after.RegionAt(c.region, c.from)
	if err != nil {
		return nil, fmt.Errorf("policyadmin: preview of %s@%s: %w", c.region, c.from, err)
	}
	p.Name, p.NameEn = view.Name, view.NameEn
	if view.Window.To != nil {
		p.To = view.Window.To.String()
	}
	p.Windows = c.after.Windows(c.region)
	p.Current = windowAt(c.before.Windows(c.region), c.from)
	p.Correction = p.Current != nil && p.Current.From == c.from
	if p.Changes, err = diff(c.before, c.after, c.region, c.from); err != nil {
		return nil, err
	}
	if len(p.Problems) == 0 {
		month := c.from
		if now := s.thisMonth(); now.After(month) { // a correction of the current window
			month = now
		}
		if p.Impact, err = s.impact(ctx, c, month); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// check loads the published packs with data on top and applies the rules
// of publication. Problems are the pack's; an error is the system's.
func (s *Service) check(ctx context.Context, data []byte) (*candidate, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errEmpty
	}
	if len(data) > maxPackSize {
		return nil, errTooLarge
	}
	packs, err := s.d.Store.Packs(ctx)
	if err != nil {
		return nil, fmt.Errorf("policyadmin: reading published packs: %w", err)
	}
	c := &candidate{data: data, packs: packs, version: version(packs)}
	c.region, c.from, c.file = peek(data)
	if c.before, err = s.build(live(packs)); err != nil {
		return nil, fmt.Errorf("policyadmin: published packs do not load: %w", err)
	}
	c.after, err = s.build(live(packs), policy.SourcePack{File: c.file, Data: data})
	var le *policy.LoadError
	switch {
	case errors.As(err, &le):
		c.after, c.problems = nil, le.Problems
		return c, nil
	case err != nil:
		return nil, fmt.Errorf("policyadmin: loading the upload: %w", err)
	}
	c.problems = append(c.problems, s.checkDate(c)...)
	c.problems = append(c.problems, s.checkChanged(c)...)
	return c, nil
}

// peek reads the region and first month from a pack to name it
// upload/<region>/<effective_from>.yaml; the loader checks them properly.
func peek(data []byte) (string, policy.Month, string) {
	var head struct {
		Region        string `yaml:"region"`
		EffectiveFrom string `yaml:"effective_from"`
	}
	_ = yaml.Unmarshal(data, &head) // a broken pack is reported by the loader
	m, err := policy.ParseMonth(head.EffectiveFrom)
	if err != nil || head.Region == "" || strings.ContainsAny(head.Region, "/\\.") {
		return head.Region, m, "upload.yaml"
	}
	return head.Region, m, "upload/" + head.Region + "/" + m.String() + ".yaml"
}

// checkDate refuses a pack starting before this month, unless it corrects
// the window in force this month (see the package comment).
func (s *Service) checkDate(c *candidate) []policy.Problem {
	now := s.thisMonth()
	if !c.from.Before(now) {
		return nil
	}
	cur := windowAt(c.before.Windows(c.region), now)
	if cur != nil && cur.From == c.from {
		return nil
	}
	allowed, allowedZh := "no window is in force this month", "本月没有适用的政策包"
	if cur != nil {
		allowed = "only the window in force this month (from " + cur.From.String() + ") may be corrected"
		allowedZh = "只能更正本月适用的政策包（自 " + cur.From.String() + " 起）"
	}
	return []policy.Problem{{File: c.file, Field: "effective_from",
		Reason: "effective_from " + c.from.String() + " is before this month (" + now.String() + "): " + allowed +
			"; months already billed keep their figures",
		ReasonZh: "生效月份 " + c.from.String() + " 早于本月（" + now.String() + "）：" + allowedZh + "；以往月份已按原标准开单缴费，不能修改"}}
}

// checkChanged refuses a pack identical to the one in force for its window:
// publishing it would change nothing but the audit trail.
func (s *Service) checkChanged(c *candidate) []policy.Problem {
	cur := windowAt(c.before.Windows(c.region), c.from)
	if cur == nil || cur.From != c.from {
		return nil
	}
	var same []byte
	if strings.HasPrefix(cur.File, "published/") {
		for _, p := range c.packs {
			if p.File() == cur.File {
				same = []byte(p.YAML)
			}
		}
	} else {
		same, _ = fs.ReadFile(s.d.Files, cur.File)
	}
	if !bytes.Equal(same, c.data) {
		return nil
	}
	return []policy.Problem{{File: c.file, Field: "(file)", Reason: "identical to " + cur.File + ", which is in force",
		ReasonZh: "与现行政策包 " + cur.File + " 内容完全相同，无需发布"}}
}

// windowAt is the window containing m, or nil.
func windowAt(ws []policy.Window, m policy.Month) *policy.Window {
	for i := range ws {
		w := ws[i]
		if !m.Before(w.From) && (w.To == nil || !m.After(*w.To)) {
			return &w
		}
	}
	return nil
}
