package policyadmin

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/policy"
)

// Impact is what a new pack does to one month's bills in its region, for
// the insured persons with an active enrolment there.
type Impact struct {
	Month   policy.Month
	Persons int // persons with at least one active enrolment
	// Changed counts persons whose bill for Month changes: another amount,
	// or billed where they were not (or the reverse).
	Changed, Increased, Decreased int
	// TotalDeltaFen sums (after − before) over the persons priced both
	// ways; MaxIncreaseFen and MaxDecreaseFen are the largest rise and fall
	// for one person (both ≥ 0).
	TotalDeltaFen                  money.Fen
	MaxIncreaseFen, MaxDecreaseFen money.Fen
	BeforeFen, AfterFen            money.Fen // the month's bills in total
	// Refused lists, by reason, the persons the new pack cannot bill (a
	// fixed base now outside the range, a type no longer offered online):
	// the operator's work list before publishing.
	Refused []Refusal
}

// Refusal is a reason a bill cannot be priced and how many persons it stops.
type Refusal struct {
	Reason, ReasonEn string
	Persons          int
}

// impactPage is how many persons one read brings.
const impactPage = 2000

// impact counts, for the persons of the upload's region, how their bill
// for month changes. Persons with the same person type and the same
// enrolments (types and bases) pay the same, so each such mix is priced
// once per set, with the billing service's own pricing, and multiplied.
func (s *Service) impact(ctx context.Context, c *candidate, month policy.Month) (*Impact, error) {
	counts := map[string]int{}
	sample := map[string]billing.Enrolled{}
	im := &Impact{Month: month}
	after := ""
	for {
		page, err := s.d.Store.EnrolledInRegion(ctx, c.region, after, impactPage)
		if err != nil {
			return nil, fmt.Errorf("policyadmin: impact, persons after %q: %w", after, err)
		}
		if len(page) == 0 {
			break
		}
		after = page[len(page)-1].PersonID
		for _, e := range page {
			if len(e.Items) == 0 {
				continue
			}
			k := mixKey(e)
			counts[k]++
			if _, ok := sample[k]; !ok {
				sample[k] = e
			}
			im.Persons++
		}
	}
	refused := map[[2]string]int{}
	for _, k := range sortedKeys(counts) {
		n := counts[k]
		was, now := price(c.before, sample[k], month), price(c.after, sample[k], month)
		im.add(was, now, n)
		if !now.ok {
			refused[[2]string{now.reason, now.reasonEn}] += n
		}
	}
	for r, n := range refused {
		im.Refused = append(im.Refused, Refusal{Reason: r[0], ReasonEn: r[1], Persons: n})
	}
	sort.Slice(im.Refused, func(i, j int) bool {
		a, b := im.Refused[i], im.Refused[j]
		return a.Persons > b.Persons || (a.Persons == b.Persons && a.ReasonEn < b.ReasonEn)
	})
	return im, nil
}

// add counts n persons whose bill was was and becomes now.
func (im *Impact) add(was, now priced, n int) {
	if was.ok {
		im.BeforeFen += was.total * money.Fen(n)
	}
	if now.ok {
		im.AfterFen += now.total * money.Fen(n)
	}
	if was == now {
		return
	}
	im.Changed += n
	if !was.ok || !now.ok {
		return
	}
	d := now.total - was.total
	im.TotalDeltaFen += d * money.Fen(n)
	switch {
	case d > 0:
		im.Increased += n
		im.MaxIncreaseFen = max(im.MaxIncreaseFen, d)
	case d < 0:
		im.Decreased += n
		im.MaxDecreaseFen = max(im.MaxDecreaseFen, -d)
	}
}

// mixKey names what decides a person's bill: type and enrolments.
func mixKey(e billing.Enrolled) string {
	parts := make([]string, 0, len(e.Items)+1)
	parts = append(parts, string(e.Type))
	for _, it := range e.Items { // EnrolledInRegion returns them by insurance
		parts = append(parts, it.Insurance+"="+it.Base)
	}
	return strings.Join(parts, "|")
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// priced is one person's bill for the month under one set of packs: ok
// false with the reason when it cannot be priced.
type priced struct {
	ok               bool
	total            money.Fen
	reason, reasonEn string
}

// price prices e's monthly enrolments for month as the monthly bill run
// does: the types billed month by month for e's person type in month, as
// of the month's first day, with billing's own base resolution.
func price(eng *policy.Engine, e billing.Enrolled, month policy.Month) priced {
	view, err := eng.RegionAt(e.Region, month)
	if err != nil {
		return refusedBy(err)
	}
	monthly := map[string]bool{}
	for _, pt := range view.PersonTypes {
		for _, ins := range pt.Insurances {
			if pt.PersonType == string(e.Type) && ins.Family != policy.FamilyFlatAnnual {
				monthly[ins.Code] = true
			}
		}
	}
	var items []billing.Item
	for _, it := range e.Items {
		if monthly[it.Insurance] {
			items = append(items, it)
		}
	}
	if len(items) == 0 {
		return priced{ok: true}
	}
	// Priced as of the month's first day, and with no person id, so that a
	// refusal's text is the same for every person it stops.
	first := func() time.Time { return month.Start(beijing) }
	p := &identity.Person{Region: e.Region, Type: e.Type}
	q, err := billing.NewService(nil, eng, first, nil).Check(p, month.String(), items)
	if err != nil {
		return refusedBy(err)
	}
	out := priced{ok: true}
	for _, l := range q.Lines {
		if l.Kind == "" { // late fees are not part of a month's bill
			out.total += l.AmountFen
		}
	}
	return out
}

func refusedBy(err error) priced {
	var pe *policy.Error
	if errors.As(err, &pe) {
		return priced{reason: pe.Message, reasonEn: pe.MessageEn}
	}
	return priced{reason: err.Error(), reasonEn: err.Error()}
}
