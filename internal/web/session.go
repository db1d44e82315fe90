package web

import (
	"crypto/hmac"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"

	"github.com/emmansun/gmsm/sm3"
	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/policy"
)

const sessionCookie = "sb_session"

func (h *handler) setSession(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: h.Secure, SameSite: http.SameSiteLaxMode, MaxAge: 30 * 60})
}

func (h *handler) clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true,
		Secure: h.Secure, SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// csrfToken binds a form to the session: HMAC-SM3 keyed by the session
// token. A page from another site cannot read it, so cannot post for you.
func csrfToken(sessionToken string) string {
	m := hmac.New(sm3.New, []byte(sessionToken))
	m.Write([]byte("shebao csrf v1"))
	return hex.EncodeToString(m.Sum(nil))
}

type personHandler func(w http.ResponseWriter, r *http.Request, p *identity.Person, csrf string)

// withPerson requires a signed-in person; a page visit without one goes to
// the login page, and a form post must carry the session's CSRF token.
func (h *handler) withPerson(next personHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		var sess *identity.Session
		if err == nil {
			sess, err = h.Identity.Authenticate(r.Context(), c.Value)
		}
		if err != nil {
			h.clearSession(w)
			if r.Method == http.MethodGet {
				to := "/login"
				if h.wechatSignIn(r) {
					to = "/auth/wechat"
				}
				http.Redirect(w, r, to, http.StatusSeeOther)
				return
			}
			h.pageError(w, r, nil, identity.ErrNoSession)
			return
		}
		token := csrfToken(c.Value)
		if r.Method == http.MethodPost && subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(token)) != 1 {
			h.pageError(w, r, nil, apperr.New(apperr.Forbidden, "csrf_invalid",
				"页面已过期，请返回重新操作。", "This page has expired; go back and try again."))
			return
		}
		p, err := h.Identity.Person(r.Context(), sess.PersonID)
		if err != nil {
			h.pageError(w, r, nil, err)
			return
		}
		next(w, r.WithContext(withSession(r.Context(), sess)), p, token)
	}
}

func asPolicy(err error, pe **policy.Error) bool { return errors.As(err, pe) }
