package api

import (
	"net/http"

	"github.com/shebao-project/shebao/internal/identity"
)

// nationalCallback is the web callback registered with the national
// platform; an app that takes the answer itself registers its own URI.
const nationalCallback = "/auth/national/callback"

func (h *handler) nationalRedirect(uri string) string {
	if uri == "" {
		return h.PublicURL + nationalCallback
	}
	return uri
}

// startNational begins a national government-service login for an app: it
// opens authorize_url (in a web view or the browser), catches the redirect
// to redirect_uri, and posts the code with this state to
// POST /api/v1/auth/sessions {"method":"national_login"}.
func (h *handler) startNational(w http.ResponseWriter, r *http.Request) {
	var req struct {
		RedirectURI string `json:"redirect_uri"`
	}
	if err := decode(w, r, &req); err != nil {
		h.writeError(w, r, err)
		return
	}
	redirect := h.nationalRedirect(req.RedirectURI)
	authURL, state, err := h.Identity.StartNational(r.Context(), identity.FlowAPI, redirect)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"authorize_url": authURL, "state": state,
		"redirect_uri": redirect, "expires_in_seconds": 600})
}
