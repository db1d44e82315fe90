package api

import (
	"net/http"

	"github.com/shebao-project/shebao/internal/identity"
)

type familyOffsetView struct {
	Offered       bool     `json:"offered"`
	Insurances    []string `json:"insurances"`
	Relationships []string `json:"relationships"`
	HasAccount    bool     `json:"has_account"`
	BalanceFen    int64    `json:"balance_fen"`
}

// myFamilyOffset is the person's family offset (家庭共济): whether their
// region offers it, for which insurance types and relatives, and their
// employee medical personal account balance.
func (h *handler) myFamilyOffset(w http.ResponseWriter, r *http.Request, p *identity.Person) {
	st, err := h.Payments.OffsetStatusFor(r.Context(), p)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, familyOffsetView{Offered: st.Offered, Insurances: st.Insurances, Relationships: st.Relationships,
		HasAccount: st.HasAccount, BalanceFen: int64(st.BalanceFen)})
}
