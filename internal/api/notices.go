package api

import (
	"net/http"

	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/notice"
)

// noticePreferences: reminders and lapse notices can be turned off; a
// payment's result, hold or refund always goes out.
func (h *handler) noticePreferences(w http.ResponseWriter, r *http.Request, p *identity.Person) {
	prefs, err := h.Notices.Preferences(r.Context(), p.ID)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, prefs)
}

func (h *handler) setNoticePreferences(w http.ResponseWriter, r *http.Request, p *identity.Person) {
	var req notice.Preferences
	if err := decode(w, r, &req); err != nil {
		h.writeError(w, r, err)
		return
	}
	prefs, err := h.Notices.SetPreferences(r.Context(), p.ID, req)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, prefs)
}
