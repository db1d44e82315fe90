package ticket

import (
	"context"
	"crypto/hmac"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/emmansun/gmsm/sm3"
	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/payment"
)

// Citizens resolves the citizen pages' session to a person (*identity.Service).
type Citizens interface {
	Authenticate(ctx context.Context, token string) (*identity.Session, error)
	Person(ctx context.Context, id string) (*identity.Person, error)
}

// Orders are the person's orders, to attach one to a ticket (*payment.Service).
type Orders interface {
	Orders(ctx context.Context, personID string, limit int) ([]payment.Order, error)
	OrderFor(ctx context.Context, personID, orderID string) (payment.Order, error)
}

// CitizenDeps are what the citizen's ticket pages need.
type CitizenDeps struct {
	Citizens Citizens
	Orders   Orders
	// Cookie is the citizen session cookie's name; default sb_session, the
	// citizen pages' own.
	Cookie string
	// LoginURL is where a visitor without a session is sent; default /login.
	LoginURL string
}

type citizen struct {
	s *Service
	CitizenDeps
	tpl    *pageSet
	static *staticFile
}

// CitizenHandler is the citizen's side of tickets, to mount at /tickets and
// /tickets/ on the citizen surface: open a ticket from an error or an order
// (the assistant suggests answers first), follow it, reply, close it. It
// uses the citizen's session, and its own small templates parsed now.
func (s *Service) CitizenHandler(d CitizenDeps) (http.Handler, error) {
	if d.Cookie == "" {
		d.Cookie = "sb_session"
	}
	if d.LoginURL == "" {
		d.LoginURL = "/login"
	}
	tpl, err := parsePages()
	if err != nil {
		return nil, err
	}
	st, err := loadCSS()
	if err != nil {
		return nil, err
	}
	c := &citizen{s: s, CitizenDeps: d, tpl: tpl, static: st}
	mux := http.NewServeMux()
	mux.Handle("GET /tickets/static/tickets.css", st)
	mux.HandleFunc("GET /tickets", c.withPerson(c.list))
	mux.HandleFunc("GET /tickets/new", c.withPerson(c.newForm))
	mux.HandleFunc("POST /tickets/new", c.withPerson(c.file))
	mux.HandleFunc("GET /tickets/{id}", c.withPerson(c.thread))
	mux.HandleFunc("POST /tickets/{id}/reply", c.withPerson(c.reply))
	mux.HandleFunc("POST /tickets/{id}/close", c.withPerson(c.close))
	mux.HandleFunc("/tickets/", c.withPerson(func(w http.ResponseWriter, r *http.Request, v *visit) {
		c.fail(w, r, v, apperr.New(apperr.NotFound, "page_not_found", "页面不存在。", "No such page."))
	}))
	return http.NewCrossOriginProtection().Handler(mux), nil
}

// visit is a signed-in person's request.
type visit struct {
	p    *identity.Person
	csrf string
	lang string
}

type personHandler func(w http.ResponseWriter, r *http.Request, v *visit)

// csrfToken binds the ticket forms to the citizen's session (HMAC-SM3,
// with its own label so it differs from the citizen pages' token).
func csrfToken(session string) string {
	m := hmac.New(sm3.New, []byte(session))
	m.Write([]byte("shebao tickets csrf v1"))
	return hex.EncodeToString(m.Sum(nil))
}

var errCSRF = apperr.New(apperr.Forbidden, "csrf_invalid", "页面已过期，请返回重新操作。", "This page has expired; go back and try again.")

func (c *citizen) withPerson(next personHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		ck, err := r.Cookie(c.Cookie)
		var sess *identity.Session
		if err == nil {
			sess, err = c.Citizens.Authenticate(r.Context(), ck.Value)
		}
		v := &visit{lang: pickLang(r)}
		if err != nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, c.LoginURL, http.StatusSeeOther)
				return
			}
			c.fail(w, r, v, apperr.New(apperr.Forbidden, "unauthenticated", "登录已失效，请重新登录。", "Your session has ended. Please sign in again."))
			return
		}
		v.csrf = csrfToken(ck.Value)
		if r.Method == http.MethodPost && subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(v.csrf)) != 1 {
			c.fail(w, r, v, errCSRF)
			return
		}
		if v.p, err = c.Citizens.Person(r.Context(), sess.PersonID); err != nil {
			c.fail(w, r, v, err)
			return
		}
		next(w, r, v)
	}
}

// pickLang follows the citizen pages' language cookie.
func pickLang(r *http.Request) string {
	if ck, err := r.Cookie("lang"); err == nil && ck.Value == "en" {
		return "en"
	}
	return "zh-CN"
}

// categoryFor guesses a category from the error code or the order a
// person came from; they can change it.
func categoryFor(code string, o *payment.Order) string {
	for _, k := range []struct{ words, cat string }{
		{"sms face pin auth person login session", "auth"},
		{"limit channel provider pay", "payment"},
		{"voucher", "voucher"},
		{"refund held hold", "refund"},
		{"document id_number", "registration"},
	} {
		for _, w := range strings.Fields(k.words) {
			if code != "" && strings.Contains(code, w) {
				return k.cat
			}
		}
	}
	if o != nil {
		switch o.State {
		case payment.Paid, payment.Posting, payment.Credited:
			return "not_credited"
		case payment.Held, payment.Refunding, payment.Refunded:
			return "refund"
		}
		return "payment"
	}
	return ""
}
