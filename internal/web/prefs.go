package web

import (
	"context"
	"crypto/subtle"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Display preferences: care mode (关怀模式), its voice, and the language.
// They live in long-lived cookies, so they are remembered on the device
// before anyone signs in; when a person is signed in and the deployment
// has a PrefStore, they are also stored with the person, so a family
// member who switches care mode on for a parent on one phone switches it on
// wherever the parent signs in.

// Prefs are a person's display preferences.
type Prefs struct {
	Care  bool   // 关怀模式
	Voice bool   // speak each step in care mode; on unless muted
	Lang  string // "" (follow the browser), "zh-CN" or "en"
}

// PrefStore keeps preferences with the person. It is optional: without it
// the cookies alone remember them.
type PrefStore interface {
	Preferences(ctx context.Context, personID string) (Prefs, bool, error) // false: never set
	SetPreferences(ctx context.Context, personID string, p Prefs) error
}

const (
	careCookie  = "care"
	voiceCookie = "voice"
	prefMaxAge  = 365 * 24 * 60 * 60
)

// prefsFor reads the preferences from the request's cookies.
func (h *handler) prefsFor(r *http.Request) Prefs {
	p := Prefs{Voice: true}
	if c, err := r.Cookie(careCookie); err == nil {
		p.Care = c.Value == "on"
	}
	if c, err := r.Cookie(voiceCookie); err == nil {
		p.Voice = c.Value != "off"
	}
	if c, err := r.Cookie(langCookie); err == nil && slices.Contains(languages, c.Value) {
		p.Lang = c.Value
	}
	return p
}

// setPrefCookies remembers p on this device. They are display choices,
// readable by the page's own script (voice.js needs no cookie: the page
// says data-voice), so HttpOnly costs nothing.
func (h *handler) setPrefCookies(w http.ResponseWriter, p Prefs) {
	set := func(name, value string) {
		http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, Secure: h.Secure,
			SameSite: http.SameSiteLaxMode, MaxAge: prefMaxAge})
	}
	set(careCookie, onOff(p.Care))
	set(voiceCookie, onOff(p.Voice))
	if p.Lang != "" {
		set(langCookie, p.Lang)
	}
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// savePrefs is the one-tap switch on every page: care mode, voice, language.
//
// It is a POST form, not a link: with a PrefStore it changes what is
// stored for a signed-in person, so it goes through the same locks as every
// other change (cross-origin protection, and the session's CSRF token when
// the person is signed in). Without a valid session it only sets the
// device's cookies, which a cross-site page cannot make it do either.
func (h *handler) savePrefs(w http.ResponseWriter, r *http.Request) {
	p := h.prefsFor(r)
	switch r.PostFormValue("care") {
	case "on":
		p.Care, p.Voice = true, true // switching care mode on brings the voice with it
	case "off":
		p.Care = false
	}
	switch r.PostFormValue("voice") {
	case "on":
		p.Voice = true
	case "off":
		p.Voice = false
	}
	if l := r.PostFormValue("lang"); slices.Contains(languages, l) {
		p.Lang = l
	}
	h.setPrefCookies(w, p)
	if personID, ok := h.signedInWithToken(r); ok && h.Prefs != nil {
		if err := h.Prefs.SetPreferences(r.Context(), personID, p); err != nil {
			h.Log.WarnContext(r.Context(), "store preferences", "err", err) // the cookie still holds them
		}
	}
	http.Redirect(w, r, safeBack(r.PostFormValue("back")), http.StatusSeeOther)
}

// signedInWithToken reports the person of a live session whose CSRF token
// the form carries.
func (h *handler) signedInWithToken(r *http.Request) (string, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return "", false
	}
	sess, err := h.Identity.Authenticate(r.Context(), c.Value)
	if err != nil {
		return "", false
	}
	if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(csrfToken(c.Value))) != 1 {
		return "", false
	}
	return sess.PersonID, true
}

// restorePrefs applies the preferences stored with a person who has just
// signed in, so care mode follows the person to a new device.
func (h *handler) restorePrefs(ctx context.Context, w http.ResponseWriter, personID string) {
	if h.Prefs == nil {
		return
	}
	p, ok, err := h.Prefs.Preferences(ctx, personID)
	if err != nil {
		h.Log.WarnContext(ctx, "load preferences", "err", err)
		return
	}
	if ok {
		h.setPrefCookies(w, p)
	}
}

// safeBack keeps the redirect on this site: a path, never another host.
func safeBack(back string) string {
	u, err := url.Parse(back)
	if err != nil || back == "" || !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") ||
		strings.Contains(back, `\`) || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return u.RequestURI()
}
