package web

import (
	"net/http"
	"slices"
	"strings"

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
	// Pending are grants asked for and not yet consented: the code the
	// family member received is entered here.
	Pending []familyPending
	Done    string // requested, granted, revoked: what the last action did
	Until   string // the default last month of a new grant
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

type familyPending struct {
	Grant   identity.Grant
	Insured *identity.Person
}

// grantRelationships are the relationships a grant may record, in the order
// the form lists them (identity checks them again).
var grantRelationships = []string{"child", "parent", "spouse", "sibling", "grandparent", "other"}

// grantInsurances are the insurance types a grant may cover on this form.
var grantInsurances = []string{"390", "170", "110"}

// Relationships and Insurances are the form's choices.
func (familyData) Relationships() []string { return grantRelationships }
func (familyData) Insurances() []string    { return grantInsurances }

// Offset reports whether the bill may be paid by the family offset.
func (m familyMember) Offset(billID string) bool { return slices.Contains(m.Offsettable, billID) }

func (h *handler) familyPage(w http.ResponseWriter, r *http.Request, p *identity.Person, csrf string) {
	h.renderFamily(w, r, p, csrf, nil)
}

func (h *handler) renderFamily(w http.ResponseWriter, r *http.Request, p *identity.Person, csrf string, problem error) {
	d, err := h.familyData(r, p)
	if err != nil {
		h.pageError(w, r, p, err)
		return
	}
	switch done := r.URL.Query().Get("done"); done {
	case "requested", "granted", "revoked":
		d.Done = done
	}
	pg := page{Title: "title.family", Person: p, CSRF: csrf, Nav: "me", Data: d}
	status := http.StatusOK
	if problem != nil {
		pg.Error, status = safe(problem), statusFor(problem)
	}
	h.render(w, r, status, "family", pg)
}

// requestGrant asks a family member, named by their document, for a grant;
// they receive a code by SMS to give the person, or approve in their own
// session. A real-name session is needed, as for the API.
func (h *handler) requestGrant(w http.ResponseWriter, r *http.Request, p *identity.Person, csrf string) {
	if s := sessionOf(r); s == nil || !identity.StrongMethod(s.Method) {
		h.renderFamily(w, r, p, csrf, identity.ErrStepUp)
		return
	}
	_, err := h.Identity.RequestGrant(r.Context(), p, identity.GrantRequest{Relationship: r.PostFormValue("relationship"),
		DocumentType: identity.ResidentID, DocumentNumber: strings.TrimSpace(r.PostFormValue("document_number")),
		Insurances: r.PostForm["insurance"], Until: r.PostFormValue("until")})
	if err != nil {
		h.renderFamily(w, r, p, csrf, err)
		return
	}
	http.Redirect(w, r, "/me/family?done=requested", http.StatusSeeOther)
}

// consentGrant activates a pending grant with the code the family member
// received.
func (h *handler) consentGrant(w http.ResponseWriter, r *http.Request, p *identity.Person, csrf string) {
	if s := sessionOf(r); s == nil || !identity.StrongMethod(s.Method) {
		h.renderFamily(w, r, p, csrf, identity.ErrStepUp)
		return
	}
	if _, err := h.Identity.ConsentGrant(r.Context(), p, r.PathValue("id"), strings.TrimSpace(r.PostFormValue("code"))); err != nil {
		h.renderFamily(w, r, p, csrf, err)
		return
	}
	http.Redirect(w, r, "/me/family?done=granted", http.StatusSeeOther)
}

// revokeGrant ends a grant the person holds.
func (h *handler) revokeGrant(w http.ResponseWriter, r *http.Request, p *identity.Person, csrf string) {
	if _, err := h.Identity.RevokeGrant(r.Context(), p, r.PathValue("id")); err != nil {
		h.renderFamily(w, r, p, csrf, err)
		return
	}
	http.Redirect(w, r, "/me/family?done=revoked", http.StatusSeeOther)
}

func (h *handler) familyData(r *http.Request, p *identity.Person) (*familyData, error) {
	d := &familyData{Until: h.month().Add(12).String()}
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
		if g.Status == identity.GrantPending {
			if insured, err := h.Identity.Person(r.Context(), g.GrantorID); err == nil {
				d.Pending = append(d.Pending, familyPending{Grant: g, Insured: insured})
			}
			continue
		}
		if g.Status != identity.GrantActive {
			continue
		}
		insured, bills, err := h.Payments.GrantBills(r.Context(), p, g.ID)
		if err != nil {
			continue // ended since it was listed (revoked, expired): not shown
		}
		m := familyMember{Grant: g, Insured: insured, Bills: bills, IdemKey: newKey()}
		if rv, err := h.Policy.RegionAt(insured.Region, h.month()); err == nil {
			m.Channels = pageChannels(r, rv, payment.CreditChannel) // credit pay is for one's own bills
		}
		if d.Offset != nil && d.Offset.HasAccount {
			m.Offsettable = h.Payments.OffsetBills(r.Context(), p, g.ID, bills)
		}
		d.Members = append(d.Members, m)
	}
	return d, nil
}
