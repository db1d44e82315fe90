package api

import (
	"net/http"

	"github.com/shebao-project/shebao/internal/identity"
)

type grantView struct {
	ID           string     `json:"id"`
	Status       string     `json:"status"`
	Relationship string     `json:"relationship"`
	Insurances   []string   `json:"insurances"`
	Until        string     `json:"until"`
	Grantor      *partyView `json:"grantor,omitempty"`
	Proxy        *partyView `json:"proxy,omitempty"`
	CreatedAt    string     `json:"created_at"`
	ConsentedAt  string     `json:"consented_at,omitempty"`
	RevokedAt    string     `json:"revoked_at,omitempty"`
}

// partyView is the other side of a grant, masked: a proxy sees only what
// the grant allows.
type partyView struct {
	Name     string `json:"name"`
	IDNumber string `json:"id_number,omitempty"`
}

func (h *handler) grantJSON(r *http.Request, g *identity.Grant, showGrantor, showProxy bool) grantView {
	v := grantView{ID: g.ID, Status: g.Status, Relationship: g.Relationship, Insurances: g.Insurances, Until: g.Until,
		CreatedAt: ts(g.CreatedAt), ConsentedAt: ts(g.ConsentedAt), RevokedAt: ts(g.RevokedAt)}
	if showGrantor {
		if p, err := h.Identity.Person(r.Context(), g.GrantorID); err == nil {
			v.Grantor = &partyView{Name: p.NameMasked, IDNumber: p.IDMasked}
		}
	}
	if showProxy {
		if p, err := h.Identity.Person(r.Context(), g.ProxyID); err == nil {
			v.Proxy = &partyView{Name: p.NameMasked}
		}
	}
	return v
}

type grantRequest struct {
	Relationship   string                `json:"relationship"`
	DocumentType   identity.DocumentType `json:"document_type"`
	DocumentNumber string                `json:"document_number"`
	Insurances     []string              `json:"insurances"`
	Until          string                `json:"until"`
}

// requestGrant: a family member asks to pay someone's contributions; the
// insured person receives a consent code by SMS.
func (h *handler) requestGrant(w http.ResponseWriter, r *http.Request, p *identity.Person) {
	var req grantRequest
	if err := decode(w, r, &req); err != nil {
		h.writeError(w, r, err)
		return
	}
	g, err := h.Identity.RequestGrant(r.Context(), p, identity.GrantRequest{Relationship: req.Relationship,
		DocumentType: req.DocumentType, DocumentNumber: req.DocumentNumber, Insurances: req.Insurances, Until: req.Until})
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, h.grantJSON(r, g, true, false))
}

func (h *handler) consentGrant(w http.ResponseWriter, r *http.Request, p *identity.Person) {
	var req struct {
		Code string `json:"code"`
	}
	if err := decode(w, r, &req); err != nil {
		h.writeError(w, r, err)
		return
	}
	g, err := h.Identity.ConsentGrant(r.Context(), p, r.PathValue("id"), req.Code)
	h.answerGrant(w, r, g, err, true, false)
}

func (h *handler) myProxies(w http.ResponseWriter, r *http.Request, p *identity.Person) {
	gs, err := h.Identity.GrantsAsProxy(r.Context(), p.ID)
	h.answerGrants(w, r, gs, err, true, false)
}

func (h *handler) myGrants(w http.ResponseWriter, r *http.Request, p *identity.Person) {
	gs, err := h.Identity.GrantsAsGrantor(r.Context(), p.ID)
	h.answerGrants(w, r, gs, err, false, true)
}

func (h *handler) approveGrant(w http.ResponseWriter, r *http.Request, p *identity.Person) {
	g, err := h.Identity.ApproveGrant(r.Context(), p, r.PathValue("id"))
	h.answerGrant(w, r, g, err, false, true)
}

func (h *handler) revokeGrant(w http.ResponseWriter, r *http.Request, p *identity.Person) {
	g, err := h.Identity.RevokeGrant(r.Context(), p, r.PathValue("id"))
	h.answerGrant(w, r, g, err, g != nil && g.ProxyID == p.ID, g != nil && g.GrantorID == p.ID)
}

// grantBills: what the proxy may pay under the grant, masked.
func (h *handler) grantBills(w http.ResponseWriter, r *http.Request, p *identity.Person) {
	insured, bills, err := h.Payments.GrantBills(r.Context(), p, r.PathValue("id"))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	out := make([]billView, 0, len(bills))
	var total int64
	for _, b := range bills {
		out = append(out, billJSON(b))
		total += int64(b.AmountFen)
	}
	offset := h.Payments.OffsetBills(r.Context(), p, r.PathValue("id"), bills)
	if offset == nil {
		offset = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"insured": partyView{Name: insured.NameMasked, IDNumber: insured.IDMasked},
		"bills": out, "total_due_fen": total, "family_offset_bill_ids": offset})
}

func (h *handler) answerGrant(w http.ResponseWriter, r *http.Request, g *identity.Grant, err error, grantor, proxy bool) {
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h.grantJSON(r, g, grantor, proxy))
}

func (h *handler) answerGrants(w http.ResponseWriter, r *http.Request, gs []identity.Grant, err error, grantor, proxy bool) {
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	out := make([]grantView, 0, len(gs))
	for i := range gs {
		out = append(out, h.grantJSON(r, &gs[i], grantor, proxy))
	}
	writeJSON(w, http.StatusOK, map[string]any{"grants": out})
}
