package api

import (
	"net/http"

	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/money"
)

func (h *handler) me(w http.ResponseWriter, r *http.Request, p *identity.Person) {
	v, err := h.personJSON(r.Context(), p)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (h *handler) myBills(w http.ResponseWriter, r *http.Request, p *identity.Person) {
	bills, err := h.Payments.DueBills(r.Context(), p.ID)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	out := make([]billView, 0, len(bills))
	var total money.Fen
	for _, b := range bills {
		out = append(out, billJSON(b))
		total += b.AmountFen
	}
	writeJSON(w, http.StatusOK, map[string]any{"bills": out, "total_due_fen": total})
}

func (h *handler) myOrders(w http.ResponseWriter, r *http.Request, p *identity.Person) {
	orders, err := h.Payments.Orders(r.Context(), p.ID, 50)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	out := make([]orderView, 0, len(orders))
	for _, o := range orders {
		out = append(out, orderJSON(o, nil, nil))
	}
	writeJSON(w, http.StatusOK, map[string]any{"orders": out})
}

func (h *handler) myVouchers(w http.ResponseWriter, r *http.Request, p *identity.Person) {
	vs, err := h.Payments.PersonVouchers(r.Context(), p.ID)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	out := make([]voucherView, 0, len(vs))
	for _, v := range vs {
		out = append(out, h.voucherJSON(v))
	}
	writeJSON(w, http.StatusOK, map[string]any{"vouchers": out})
}
