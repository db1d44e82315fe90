package web

import (
	"net/http"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/policy"
)

type homeData struct {
	Regions []policy.RegionSummary
}

// home is the service entry, like 城市服务 → 社保缴费: choose the region,
// then sign in.
func (h *handler) home(w http.ResponseWriter, r *http.Request) {
	var regions []policy.RegionSummary
	for _, rg := range h.Policy.Regions() {
		if rg.Code != "national" { // the fallback pack, not a place anyone lives
			regions = append(regions, rg)
		}
	}
	h.render(w, r, http.StatusOK, "home", page{Title: "title.home", Data: homeData{Regions: regions}})
}

func (h *handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.pageError(w, r, nil, apperr.New(apperr.NotFound, "page_not_found", "没有找到这个页面。", "Page not found."))
}
