package web

import (
	"net/http"
	"slices"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/payment"
)

// 为家人缴费: the family members whose grants the person holds (亲属代缴),
// each with the bills due under the grant and a pay form. Where the region
// offers the family mutual-aid offset (家庭共济) for that relative, the form
// also offers paying resident medical bills from the person's own employee
// medical personal account, with its balance shown, never chosen for them.

type familyData struct {
	Members []familyMember
	// Offset is the person's offset terms and balance; nil where the region
	// does not offer it. OffsetDown: the core system could not be asked.
	Offset     *payment.OffsetStatus
	OffsetDown bool
}

type familyMember struct {
	Grant    identity.Grant
	Insured  *identity.Person
	Bills    []billing.Bill
	Channels []string
	// Offsettable are the bills the offset may pay (empty: not offered
	// for this relative).
	Offsettable []string
	IdemKey     string
}

// Offset reports whether the bill may be paid by the family offset.
func (m familyMember) Offset(billID string) bool { return slices.Contains(m.Offsettable, billID) }

func (h *handler) familyPage(w http.ResponseWriter, r *http.Request, p *identity.Person, csrf string) {
	d, err := h.familyData(r, p)
	if err != nil {
		h.pageError(w, r, p, err)
		return
	}
	h.render(w, r, http.StatusOK, "family", page{Title: "title.family", Person: p, CSRF: csrf, Nav: "me", Data: d})
}

func (h *handler) familyData(r *http.Request, p *identity.Person) (*familyData, error) {
	d := &familyData{}
	st, err := h.Payments.OffsetStatusFor(r.Context(), p)
	if e, ok := apperr.As(err); ok && e.Kind == apperr.Unavailable {
		d.OffsetDown = true
	} else if err != nil {
		return nil, err
	} else if st.Offered {
		d.Offset = st
	}
	grants, err := h.Identity.GrantsAsProxy(r.Context(), p.ID)
	if err != nil {
		return nil, err
	}
	for _, g := range grants {
		if g.Status != identity.GrantActive {
			continue
		}
		insured, bills, err := h.Payments.GrantBills(r.Context(), p, g.ID)
		if err != nil {
			continue // ended since it was listed (revoked, expired): not shown
		}
		m := familyMember{Grant: g, Insured: insured, Bills: bills, IdemKey: newKey()}
		if rv, err := h.Policy.RegionAt(insured.Region, h.month()); err == nil {
			for _, c := range rv.Channels {
				if offered(r, c.Code) && c.Code != payment.CreditChannel {
					m.Channels = append(m.Channels, c.Code)
				}
			}
		}
		if i := slices.Index(m.Channels, preferred); i > 0 {
			m.Channels = slices.Insert(slices.Delete(m.Channels, i, i+1), 0, preferred)
		}
		if d.Offset != nil && d.Offset.HasAccount {
			m.Offsettable = h.Payments.OffsetBills(r.Context(), p, g.ID, bills)
		}
		d.Members = append(d.Members, m)
	}
	return d, nil
}
