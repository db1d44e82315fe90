package api

import (
	"github.com/shebao-project/shebao/internal/apperr"
	"net/http"

	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/policy"
)

func (h *handler) listRegions(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"regions": h.Policy.Regions()})
}

// getRegion describes a region's rules this month (or ?month=YYYY-MM).
func (h *handler) getRegion(w http.ResponseWriter, r *http.Request) {
	m := policy.MonthOf(h.Now().In(payment.Beijing()))
	if s := r.URL.Query().Get("month"); s != "" {
		pm, err := policy.ParseMonth(s)
		if err != nil {
			h.writeError(w, r, apperr.New(apperr.Invalid, "month_invalid",
				"月份格式应为 YYYY-MM，例如 2026-11。", "The month must look like YYYY-MM, e.g. 2026-11.").WithField("month").Wrap(err))
			return
		}
		m = pm
	}
	v, err := h.Policy.RegionAt(r.PathValue("code"), m)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (h *handler) quote(w http.ResponseWriter, r *http.Request) {
	var req policy.QuoteRequest
	if err := decode(w, r, &req); err != nil {
		h.writeError(w, r, err)
		return
	}
	q, err := h.Policy.Quote(req)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, q)
}

func (h *handler) estimate(w http.ResponseWriter, r *http.Request) {
	var req policy.EstimateRequest
	if err := decode(w, r, &req); err != nil {
		h.writeError(w, r, err)
		return
	}
	est, err := h.Policy.Estimate(req)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, est)
}
