package web

import (
	"net/http"
	"net/url"
)

// loginPIN signs in with the ID number and the e-card password: the way in
// for regions that use it, and the fallback when face recognition fails.
func (h *handler) loginPIN(w http.ResponseWriter, r *http.Request) {
	token, p, err := h.Identity.LoginPIN(r.Context(), r.PostFormValue("id_number"), r.PostFormValue("pin"))
	if err != nil {
		h.loginError(w, r, r.PostFormValue("region"), err)
		return
	}
	h.signedIn(w, r, token, p)
}

// startFace opens a liveness check and sends the person to it; the service
// sends them back to /login/face/done.
func (h *handler) startFace(w http.ResponseWriter, r *http.Request) {
	region := r.PostFormValue("region")
	// The session id is not known before the check is opened, so the
	// return page finds it in a short-lived cookie instead of the URL.
	id, link, err := h.Identity.StartFace(r.Context(), r.PostFormValue("id_number"), "/login/face/done")
	if err != nil {
		h.loginError(w, r, region, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: "sb_face", Value: id + "|" + url.QueryEscape(region), Path: "/login/face",
		HttpOnly: true, Secure: h.Secure, SameSite: http.SameSiteLaxMode, MaxAge: 600})
	if h.FaceBaseURL != "" && len(link) > 0 && link[0] == '/' {
		link = h.FaceBaseURL + link
	}
	http.Redirect(w, r, link, http.StatusSeeOther)
}

// faceDone finishes a face sign-in when the liveness service sends the
// person back. A failure offers the e-card password on the same page.
func (h *handler) faceDone(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie("sb_face")
	id, region := "", ""
	if err == nil {
		id, region, _ = cut(c.Value, "|")
		region, _ = url.QueryUnescape(region)
	}
	http.SetCookie(w, &http.Cookie{Name: "sb_face", Path: "/login/face", MaxAge: -1, HttpOnly: true, Secure: h.Secure, SameSite: http.SameSiteLaxMode})
	token, p, err := h.Identity.LoginFace(r.Context(), id)
	if err != nil {
		h.loginError(w, r, region, err)
		return
	}
	h.signedIn(w, r, token, p)
}

func cut(s, sep string) (string, string, bool) {
	for i := 0; i+len(sep) <= len(s); i++ {
		if s[i:i+len(sep)] == sep {
			return s[:i], s[i+len(sep):], true
		}
	}
	return s, "", false
}
