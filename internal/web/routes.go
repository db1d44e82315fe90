// Package web is shebao's citizen pages: server-rendered, Simplified
// Chinese, mobile-first, and complete without JavaScript (a small script
// only makes the result page follow the payment without reloading).
package web

import (
	"github.com/shebao-project/shebao/internal/billing"
	"log/slog"
	"net/http"
	"time"

	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/policy"
)

// Deps are what the pages need.
type Deps struct {
	Identity  *identity.Service
	Payments  *payment.Service
	Billing   *billing.Service
	Policy    *policy.Engine
	PublicURL string
	Now       func() time.Time
	Log       *slog.Logger
	Demo      bool // show the sandbox hints
	Secure    bool // cookies only over HTTPS
}

type handler struct {
	Deps
	tpl    *templates
	static *staticFiles
}

// NewHandler parses every template now, so a broken template fails the
// start rather than a person's request.
func NewHandler(d Deps) (http.Handler, error) {
	tpl, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	st, err := loadStatic()
	if err != nil {
		return nil, err
	}
	h := &handler{Deps: d, tpl: tpl, static: st}
	mux := http.NewServeMux()
	mux.Handle("GET /static/", st)
	mux.HandleFunc("GET /{$}", h.home)
	mux.HandleFunc("GET /login", h.loginPage)
	mux.HandleFunc("POST /login/code", h.sendCode)
	mux.HandleFunc("POST /login", h.login)
	mux.HandleFunc("POST /logout", h.withPerson(h.logout))
	mux.HandleFunc("GET /me", h.withPerson(h.record))
	mux.HandleFunc("GET /me/base", h.withPerson(h.basePage))
	mux.HandleFunc("POST /me/base", h.withPerson(h.saveBase))
	mux.HandleFunc("POST /orders", h.withPerson(h.createOrder))
	mux.HandleFunc("GET /orders/{id}", h.withPerson(h.orderPage))
	mux.HandleFunc("GET /orders/{id}/state", h.withPerson(h.orderState))
	mux.HandleFunc("POST /orders/{id}/close", h.withPerson(h.closeOrder))
	mux.HandleFunc("GET /vouchers", h.withPerson(h.wallet))
	mux.HandleFunc("GET /vouchers/{id}", h.withPerson(h.voucherPage))
	mux.HandleFunc("GET /verify/{code}", h.verifyPage)
	mux.HandleFunc("/", h.notFound)
	// CrossOriginProtection refuses cross-site form posts by Sec-Fetch-Site
	// and Origin; the session-bound token in each form is the second lock.
	return http.NewCrossOriginProtection().Handler(mux), nil
}
