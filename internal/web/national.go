package web

import (
	"crypto/subtle"
	"net/http"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/identity"
)

// The national government-service platform's unified login: the person
// signs in at the platform, which sends the browser back with a code. The
// state goes both in the URL and in a cookie, so an answer is accepted only
// by the browser that asked (no login CSRF).
const (
	nlStateCookie    = "sb_nlstate"
	nationalCallback = "/auth/national/callback"
)

// nationalStart sends the browser to the platform's sign-in.
func (h *handler) nationalStart(w http.ResponseWriter, r *http.Request) {
	region := r.URL.Query().Get("region")
	authURL, state, err := h.Identity.StartNational(r.Context(), identity.FlowWeb, h.PublicURL+nationalCallback)
	if err != nil {
		h.loginError(w, r, region, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: nlStateCookie, Value: state + "|" + region, Path: "/auth/national", HttpOnly: true,
		Secure: h.Secure, SameSite: http.SameSiteLaxMode, MaxAge: 600})
	http.Redirect(w, r, authURL, http.StatusFound)
}

// nationalCallback finishes the sign-in when the platform sends the
// browser back: with a code, or with an error when the person declined.
func (h *handler) nationalCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c, err := r.Cookie(nlStateCookie)
	http.SetCookie(w, &http.Cookie{Name: nlStateCookie, Path: "/auth/national", MaxAge: -1, HttpOnly: true, Secure: h.Secure, SameSite: http.SameSiteLaxMode})
	state, region := "", ""
	if err == nil {
		state, region, _ = cut(c.Value, "|")
	}
	if state == "" || subtle.ConstantTimeCompare([]byte(state), []byte(q.Get("state"))) != 1 {
		// An answer to a sign-in this browser did not start (or an old tab).
		h.loginError(w, r, region, apperr.New(apperr.Invalid, "national_login_state_invalid",
			"登录请求已过期或不是从本页面发起的，请重新选择“国家政务服务平台统一认证”。",
			"This sign-in was not started from this page or has expired: choose the national government-service login again."))
		return
	}
	if q.Get("error") != "" {
		h.loginError(w, r, region, apperr.New(apperr.Invalid, "national_login_cancelled",
			"您没有在国家政务服务平台完成登录。可以重新登录，或改用短信验证码、电子社保卡密码。",
			"You did not finish signing in at the national government-service platform. Try again, or use an SMS code or the e-card password."))
		return
	}
	token, p, err := h.Identity.LoginNational(r.Context(), identity.FlowWeb, h.PublicURL+nationalCallback, state, q.Get("code"))
	if err != nil {
		h.loginError(w, r, region, err)
		return
	}
	h.signedIn(w, r, token, p)
}

// loginError shows the login page again with what went wrong.
func (h *handler) loginError(w http.ResponseWriter, r *http.Request, region string, err error) {
	d := h.loginData(region, "")
	h.render(w, r, statusFor(err), "login", page{Title: "title.login", Region: d.RegionCode(), Step: 1, Error: safe(err), Data: d})
}
