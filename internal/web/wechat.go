package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"

	"github.com/shebao-project/shebao/internal/identity"
)

// WeChat's in-app browser signs people in by the official account's web
// authorisation (snsapi_base): WeChat sends the browser back with a code
// that names the WeChat user, without a login screen. The first time, the
// WeChat user is linked to an insured person by one real-name sign-in.
// https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html

const (
	wxStateCookie = "sb_wxstate" // the OAuth state, against forged callbacks
	wxBindCookie  = "sb_wxbind"  // the bind ticket while the person signs in
)

// wechatSignIn tells whether this request should go through WeChat's
// authorisation instead of the login page.
func (h *handler) wechatSignIn(r *http.Request) bool {
	return h.WeChatAuthorize != nil && InWeChat(r)
}

// wechatStart sends the browser to WeChat's authorisation page with a
// fresh state kept in a cookie.
func (h *handler) wechatStart(w http.ResponseWriter, r *http.Request) {
	if h.WeChatAuthorize == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	raw := make([]byte, 16)
	if _, err := rand.Read(raw); err != nil {
		h.pageError(w, r, nil, err)
		return
	}
	state := hex.EncodeToString(raw)
	http.SetCookie(w, &http.Cookie{Name: wxStateCookie, Value: state, Path: "/auth/wechat", HttpOnly: true,
		Secure: h.Secure, SameSite: http.SameSiteLaxMode, MaxAge: 600})
	http.Redirect(w, r, h.WeChatAuthorize(h.PublicURL+"/auth/wechat/callback", state), http.StatusFound)
}

// wechatCallback finishes WeChat's authorisation: a bound WeChat user goes
// straight to the record; a new one is asked to sign in once, carrying the
// bind ticket in a short-lived cookie.
func (h *handler) wechatCallback(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(wxStateCookie)
	http.SetCookie(w, &http.Cookie{Name: wxStateCookie, Path: "/auth/wechat", MaxAge: -1, HttpOnly: true, Secure: h.Secure, SameSite: http.SameSiteLaxMode})
	state := r.URL.Query().Get("state")
	if err != nil || state == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(state)) != 1 {
		// A callback we did not start (or an old tab): begin again.
		http.Redirect(w, r, "/auth/wechat", http.StatusSeeOther)
		return
	}
	token, p, err := h.Identity.LoginWeChat(r.Context(), identity.MethodWeChatOAuth, r.URL.Query().Get("code"))
	var nb *identity.NotBoundError
	switch {
	case errors.As(err, &nb):
		http.SetCookie(w, &http.Cookie{Name: wxBindCookie, Value: nb.Ticket, Path: "/", HttpOnly: true,
			Secure: h.Secure, SameSite: http.SameSiteLaxMode, MaxAge: 600})
		http.Redirect(w, r, "/login?wechat=bind", http.StatusSeeOther)
		return
	case err != nil:
		h.loginError(w, r, "", err)
		return
	}
	h.setSession(w, token)
	h.restorePrefs(r.Context(), w, p.ID)
	http.Redirect(w, r, "/me", http.StatusSeeOther)
}

// signedIn finishes any real-name sign-in: the session cookie, the
// person's saved preferences, and, when the person came from WeChat for
// the first time, the link to their WeChat user.
func (h *handler) signedIn(w http.ResponseWriter, r *http.Request, token string, p *identity.Person) {
	if c, err := r.Cookie(wxBindCookie); err == nil {
		http.SetCookie(w, &http.Cookie{Name: wxBindCookie, Path: "/", MaxAge: -1, HttpOnly: true, Secure: h.Secure, SameSite: http.SameSiteLaxMode})
		if err := h.Identity.BindWeChat(r.Context(), c.Value, p); err != nil {
			// The person has proved who they are; the sign-in stands and the
			// next visit from WeChat asks again.
			h.Log.WarnContext(r.Context(), "wechat bind failed", "person", p.ID, "err", err)
		}
	}
	h.setSession(w, token)
	h.restorePrefs(r.Context(), w, p.ID)
	http.Redirect(w, r, "/me", http.StatusSeeOther)
}

// binding tells the login page to explain the one-time real-name step.
func (h *handler) binding(r *http.Request) bool {
	_, err := r.Cookie(wxBindCookie)
	return err == nil && r.URL.Query().Get("wechat") == "bind"
}
