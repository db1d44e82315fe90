package api

import (
	"net/http"

	"github.com/shebao-project/shebao/internal/identity"
)

// exportPerson is the person's own record with every field in the clear:
// the one answer where masking would defeat the purpose.
type exportPerson struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	IDNumber   string `json:"id_number"`
	Phone      string `json:"phone"`
	Region     string `json:"region"`
	PersonType string `json:"person_type"`
	CreatedAt  string `json:"created_at"`
}

type exportView struct {
	ExportedAt string          `json:"exported_at"`
	Person     exportPerson    `json:"person"`
	Enrolments []enrolmentView `json:"insurances"`
	Bills      []billView      `json:"bills"`
	Orders     []orderView     `json:"orders"`
	Vouchers   []voucherView   `json:"vouchers"`
	// Grants the person gave (others pay for them) and holds (they pay for
	// others); the other side stays masked, it is not this person's data.
	GrantsGiven []grantView `json:"grants_given"`
	GrantsHeld  []grantView `json:"grants_held"`
}

// exportLimit bounds the orders in one export; a person pays at most a few
// times a month, so this is decades of history.
const exportLimit = 5000

// export answers GET /api/v1/me/export: everything shebao holds about the
// signed-in person, to that person only (the session is the only way in),
// as a JSON download. The export itself is audited.
func (h *handler) export(w http.ResponseWriter, r *http.Request, p *identity.Person) {
	ctx := r.Context()
	pv, err := h.personJSON(ctx, p)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	bills, err := h.Payments.Bills(ctx, p.ID)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	orders, err := h.Payments.Orders(ctx, p.ID, exportLimit)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	vouchers, err := h.Payments.PersonVouchers(ctx, p.ID)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	given, err := h.Identity.GrantsAsGrantor(ctx, p.ID)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	held, err := h.Identity.GrantsAsProxy(ctx, p.ID)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if err := h.Identity.RecordExport(ctx, p); err != nil {
		h.writeError(w, r, err)
		return
	}
	v := exportView{
		ExportedAt: ts(h.Now()),
		Person: exportPerson{ID: p.ID, Name: p.Name, IDNumber: p.IDNumber, Phone: p.Phone, Region: p.Region,
			PersonType: string(p.Type), CreatedAt: ts(p.CreatedAt)},
		Enrolments: pv.Enrolments,
		Bills:      make([]billView, 0, len(bills)), Orders: make([]orderView, 0, len(orders)),
		Vouchers:    make([]voucherView, 0, len(vouchers)),
		GrantsGiven: make([]grantView, 0, len(given)), GrantsHeld: make([]grantView, 0, len(held)),
	}
	for _, b := range bills {
		v.Bills = append(v.Bills, billJSON(b))
	}
	for _, o := range orders {
		v.Orders = append(v.Orders, orderJSON(o, nil, nil))
	}
	for _, vo := range vouchers {
		v.Vouchers = append(v.Vouchers, h.voucherJSON(vo))
	}
	for i := range given {
		v.GrantsGiven = append(v.GrantsGiven, h.grantJSON(r, &given[i], false, true))
	}
	for i := range held {
		v.GrantsHeld = append(v.GrantsHeld, h.grantJSON(r, &held[i], true, false))
	}
	w.Header().Set("Content-Disposition", `attachment; filename="shebao-export-`+p.ID+`.json"`)
	writeJSON(w, http.StatusOK, v)
}
