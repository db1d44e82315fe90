package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/policy"
)

// standing is one insurance type's current enrolment status (参保状态):
// enrolled or suspended, since when, paid through which month, and how many
// months are unpaid. It is read from the bills on every request, so it
// changes as soon as a payment is credited.
type standing struct {
	Insurance   string
	Active      bool
	Since       string
	PaidThrough string // the latest period paid, "" if none here
	Unpaid      int    // past periods not paid (欠费)
	DueNow      bool   // this period is due and unpaid
}

func (h *handler) standing(r *http.Request, p *identity.Person, bills []billing.Bill) ([]standing, error) {
	es, err := h.Identity.Enrolments(r.Context(), p.ID)
	if err != nil {
		return nil, err
	}
	now := h.month().String()
	out := make([]standing, 0, len(es))
	for _, e := range es {
		s := standing{Insurance: e.Insurance, Active: e.Status == "active", Since: e.Since}
		for _, b := range bills {
			if b.Insurance != e.Insurance {
				continue
			}
			switch {
			case b.Status == billing.Paid && b.Period > s.PaidThrough:
				s.PaidThrough = b.Period
			case b.Status == billing.Due && b.Period < now && isMonth(b.Period):
				s.Unpaid++
			case b.Status == billing.Due:
				s.DueNow = true
			}
		}
		out = append(out, s)
	}
	return out, nil
}

func isMonth(period string) bool { return strings.Contains(period, "-") }

// monthRow is one month of the contribution history.
type monthRow struct {
	Period string
	State  string // paid, partial, due, arrears, missing, none
	Bills  []billing.Bill
}

// Gap reports whether the month is a gap in the record: past and not
// (fully) paid, or without any bill at all.
func (m monthRow) Gap() bool {
	return m.State == "arrears" || m.State == "missing" || m.State == "partial"
}

type historyData struct {
	Standing []standing
	Months   []monthRow     // newest first
	Annual   []billing.Bill // annual premiums, by coverage year
	Gaps     int
}

// history is 缴费记录: every month from the person's first bill to this one,
// paid or not, with gaps highlighted, and the enrolment status.
func (h *handler) history(w http.ResponseWriter, r *http.Request, p *identity.Person, csrf string) {
	bills, err := h.Payments.Bills(r.Context(), p.ID)
	if err != nil {
		h.pageError(w, r, p, err)
		return
	}
	st, err := h.standing(r, p, bills)
	if err != nil {
		h.pageError(w, r, p, err)
		return
	}
	d := historyData{Standing: st}
	d.Months, d.Annual = months(bills, h.month())
	for _, m := range d.Months {
		if m.Gap() {
			d.Gaps++
		}
	}
	h.render(w, r, http.StatusOK, "history", page{Title: "title.history", Person: p, CSRF: csrf, Nav: "history", Data: d})
}

// maxHistoryMonths bounds the page: two years of months is what a person
// checks before a pension query at the counter.
const maxHistoryMonths = 24

// months lays the bills out month by month, newest first, from the first
// monthly bill to now; annual premiums are returned apart.
func months(bills []billing.Bill, now policy.Month) ([]monthRow, []billing.Bill) {
	byPeriod := map[string][]billing.Bill{}
	var annual []billing.Bill
	first := now
	for _, b := range bills {
		if !isMonth(b.Period) {
			annual = append(annual, b)
			continue
		}
		m, err := policy.ParseMonth(b.Period)
		if err != nil {
			continue
		}
		if m.Before(first) {
			first = m
		}
		byPeriod[b.Period] = append(byPeriod[b.Period], b)
	}
	slices.SortFunc(annual, func(a, b billing.Bill) int { return strings.Compare(b.Period, a.Period) })
	if len(byPeriod) == 0 {
		return nil, annual
	}
	var rows []monthRow
	for m := now; !m.Before(first) && len(rows) < maxHistoryMonths; m = m.Add(-1) {
		bs := byPeriod[m.String()]
		rows = append(rows, monthRow{Period: m.String(), State: monthState(bs, m == now), Bills: bs})
	}
	return rows, annual
}

func monthState(bs []billing.Bill, current bool) string {
	if len(bs) == 0 {
		if current {
			return "none" // not issued yet
		}
		return "missing"
	}
	paid := 0
	for _, b := range bs {
		if b.Status == billing.Paid {
			paid++
		}
	}
	switch {
	case paid == len(bs):
		return "paid"
	case current:
		return "due"
	case paid > 0:
		return "partial"
	}
	return "arrears"
}
