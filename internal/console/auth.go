package console

import (
	"context"
	"crypto/hmac"
	"crypto/subtle"
	"encoding/hex"
	"net"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/emmansun/gmsm/sm3"
	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/operator"
)

// cookieName is the operators' session cookie; citizens' is sb_session.
// It is scoped to /admin and SameSite=Strict: no other site's link or form
// ever carries it.
const cookieName = "sb_admin"

// call is a signed-in request: who, and the token their forms carry.
type call struct {
	op   *operator.Operator
	csrf string
}

type opHandler func(w http.ResponseWriter, r *http.Request, c *call)

func (h *handler) setCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: token, Path: "/admin", HttpOnly: true, Secure: h.Secure,
		SameSite: http.SameSiteStrictMode, MaxAge: int(h.Operators.Policy().Absolute.Seconds())})
}

func (h *handler) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/admin", HttpOnly: true, Secure: h.Secure,
		SameSite: http.SameSiteStrictMode, MaxAge: -1})
}

// csrfToken binds forms to the session: HMAC-SM3 keyed by the session token.
func csrfToken(sessionToken string) string {
	m := hmac.New(sm3.New, []byte(sessionToken))
	m.Write([]byte("shebao console csrf v1"))
	return hex.EncodeToString(m.Sum(nil))
}

var (
	errForbidden = apperr.New(apperr.Forbidden, "forbidden", "您的角色无权执行此操作。", "Your role does not allow this.")
	errCSRF      = apperr.New(apperr.Forbidden, "csrf_invalid", "页面已过期，请返回刷新后重新操作。", "This page has expired; reload it and try again.")
	errNoSession = apperr.New(apperr.Forbidden, "operator_unauthenticated", "登录已失效，请重新登录。", "Your session has ended. Please sign in again.")
)

// guard admits a request to rt only with a live session whose role grants
// rt's permission and, for a form post, the session's CSRF token. A page
// visit without a session goes to the login page (302); anything else that
// is refused gets 403.
func (h *handler) guard(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var token string
		if ck, err := r.Cookie(cookieName); err == nil {
			token = ck.Value
		}
		o, err := h.Operators.Authenticate(r.Context(), token)
		if err != nil {
			h.clearCookie(w)
			if e, ok := apperr.As(err); !ok || e.Kind != apperr.Unauthorized {
				h.pageError(w, r, nil, err)
				return
			}
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/admin/login?next="+url.QueryEscape(r.URL.Path), http.StatusFound)
				return
			}
			h.pageError(w, r, nil, errNoSession)
			return
		}
		c := &call{op: o, csrf: csrfToken(token)}
		if !o.Role.Can(rt.perm) {
			h.audit(r.Context(), c, "access.denied", r.Method+" "+r.URL.Path, "", string(rt.perm))
			h.pageError(w, r, c, errForbidden)
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxPostBody)
		}
		if r.Method == http.MethodPost && subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(c.csrf)) != 1 {
			h.pageError(w, r, c, errCSRF)
			return
		}
		rt.h(w, r, c)
	})
}

// maxPostBody bounds what a signed-in form post may send: the largest is a
// policy pack (1 MiB at most) with a few fields. Without it, net/http reads
// up to 10 MB of a urlencoded form and spools a multipart one to disk.
const maxPostBody = 4 << 20

type loginData struct {
	Name, Next string
}

func (h *handler) loginPage(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "login", page{Title: "登录", Data: loginData{Next: safeNext(r.URL.Query().Get("next"))}})
}

// login signs an operator in. Failures are counted per account (a lock,
// in operator) and per client address (here), so guessing is slow both
// against one account and across many.
func (h *handler) login(w http.ResponseWriter, r *http.Request) {
	d := loginData{Name: strings.TrimSpace(r.PostFormValue("name")), Next: safeNext(r.PostFormValue("next"))}
	ip := clientIP(r)
	if !h.logins.allow(ip) {
		h.render(w, r, http.StatusTooManyRequests, "login", page{Title: "登录", Data: d, Error: apperr.New(apperr.RateLimited,
			"login_rate_limited", "此地址登录失败次数过多，请15分钟后再试。", "Too many failed sign-ins from this address; try again in 15 minutes.")})
		return
	}
	token, _, err := h.Operators.Login(r.Context(), operator.Credentials{Name: d.Name, Password: r.PostFormValue("password"),
		Code: strings.TrimSpace(r.PostFormValue("code"))})
	if err != nil {
		h.logins.fail(ip)
		e, ok := apperr.As(err)
		if !ok {
			h.pageError(w, r, nil, err)
			return
		}
		h.render(w, r, statusOf(e), "login", page{Title: "登录", Data: d, Error: e})
		return
	}
	h.setCookie(w, token)
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
}

func (h *handler) logout(w http.ResponseWriter, r *http.Request, c *call) {
	if ck, err := r.Cookie(cookieName); err == nil {
		if err := h.Operators.Logout(r.Context(), ck.Value); err != nil {
			h.pageError(w, r, c, err)
			return
		}
	}
	h.clearCookie(w)
	http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
}

// safeNext keeps a post-login destination only if it is a console path.
func safeNext(next string) string {
	if strings.HasPrefix(next, "/admin/") && !strings.HasPrefix(next, "//") && !strings.ContainsAny(next, "\\\r\n") {
		return next
	}
	return "/admin/"
}

// clientIP is the connection's address. Behind a reverse proxy every
// request shares the proxy's; the per-account lock still holds then.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// audit records an action that has no effect of its own (a view, a denial).
func (h *handler) audit(ctx context.Context, c *call, action, target, reason, detail string) {
	if err := h.Operators.Record(ctx, operator.Entry{Operator: c.op.Name, Action: action, Target: target, Reason: reason, Detail: detail}); err != nil {
		h.Log.ErrorContext(ctx, "console audit", "action", action, "err", err)
	}
}

// act records an action in the audit log, then does it; if the audit log
// cannot be written, nothing is done. A failure is recorded as well.
func (h *handler) act(ctx context.Context, c *call, action, target, reason, detail string, do func() error) error {
	if err := h.Operators.Record(ctx, operator.Entry{Operator: c.op.Name, Action: action, Target: target, Reason: reason, Detail: detail}); err != nil {
		return err
	}
	if err := do(); err != nil {
		code := "internal_error"
		if e, ok := apperr.As(err); ok {
			code = e.Code
		}
		h.audit(ctx, c, action+".failed", target, reason, code)
		return err
	}
	return nil
}

var errReason = apperr.New(apperr.Invalid, "reason_required", "请填写操作理由（2至200字）。",
	"Give a reason (2 to 200 characters).").WithField("reason")

// reasonOf is the form's reason, required for every decision.
func reasonOf(r *http.Request) (string, error) {
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if n := utf8.RuneCountInString(reason); n < 2 || n > 200 {
		return "", errReason
	}
	return reason, nil
}
