// Package console is the operator console (经办后台) at /admin: the agency's
// side of shebao, apart from the citizen pages. Operators sign in with a
// password and a TOTP code, see only what their role allows, and every
// action they take is written to the hash-chained operator audit log
// before it is done. Lists show personal data masked; opening a phone or
// ID number takes a reason and is logged. Pages are server-rendered, work
// without JavaScript, and draw their charts as inline SVG from this server.
package console

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/operator"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/policy"
	"github.com/shebao-project/shebao/internal/ticket"
)

// Payments are the payment decisions and reads the console uses
// (*payment.Service).
type Payments interface {
	ReleaseHold(ctx context.Context, orderID, by, reason string) (payment.Order, error)
	RefundHold(ctx context.Context, orderID, by, reason string) (payment.Order, error)
	RetryRefund(ctx context.Context, orderID, by, reason string) (payment.RefundRetry, error)
	RetryCardExcessRefund(ctx context.Context, tradeNo, by, reason string) (payment.CardRefundRetry, error)
	Events(ctx context.Context, orderID string) ([]payment.Event, error)
}

// Persons opens a person's personal data, for an unmask with a reason
// (*identity.Service).
type Persons interface {
	Person(ctx context.Context, id string) (*identity.Person, error)
}

// Policies lists the policy packs in force, read-only (*policy.Engine).
type Policies interface {
	Regions() []policy.RegionSummary
	Windows(code string) []policy.Window
}

// Deps are what the console needs. Policies, PolicyAdmin and Wake are
// optional.
type Deps struct {
	Operators   *operator.Service
	Tickets     *ticket.Service
	Payments    Payments
	Persons     Persons
	Policies    Policies
	PolicyAdmin PolicyAdmin
	Store       Store
	Now         func() time.Time
	Log         *slog.Logger
	Secure      bool   // cookies only over HTTPS
	Wake        func() // the job runner's Wake, after moving a retry forward
	// Deletions shows people's deletion requests on their orders; optional.
	Deletions Deletions
	// Credits lists overdue credit pay credits; optional.
	Credits Credits
}

type handler struct {
	Deps
	tpl    *templates
	static *staticFiles
	logins *limiter
}

// NewHandler builds the console's handler for /admin/. Templates are parsed
// now, so a broken one fails the start rather than an operator's request.
func NewHandler(d Deps) (http.Handler, error) {
	if d.Wake == nil {
		d.Wake = func() {}
	}
	tpl, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	st, err := loadStatic()
	if err != nil {
		return nil, err
	}
	h := &handler{Deps: d, tpl: tpl, static: st, logins: newLimiter(loginBurst, loginWindow, d.Now)}
	mux := http.NewServeMux()
	mux.Handle("GET /admin/static/", st)
	mux.HandleFunc("GET /admin/login", h.loginPage)
	mux.HandleFunc("POST /admin/login", h.login)
	mux.HandleFunc("GET /admin", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/admin/", http.StatusMovedPermanently)
	})
	for _, rt := range h.routes() {
		mux.Handle(rt.pattern, h.guard(rt))
	}
	mux.HandleFunc("/admin/", h.notFound)
	// CrossOriginProtection refuses cross-site posts by Sec-Fetch-Site and
	// Origin; the session-bound token in each form is the second lock, and
	// the SameSite=Strict cookie a third.
	return http.NewCrossOriginProtection().Handler(noStore(mux)), nil
}

// noStore keeps every console answer out of caches: they hold personal
// and financial data. Static files set their own long-lived header.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}
