// Package web is shebao's citizen pages: server-rendered, in Simplified
// Chinese and English, mobile-first, laid out by the region's presentation
// profile, with a care mode (关怀模式) for older people, and complete without
// JavaScript (small scripts make the result page follow the payment and
// speak each step in care mode).
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
	// FaceBaseURL makes the liveness service's relative page paths absolute.
	FaceBaseURL string
	Secure      bool // cookies only over HTTPS
	// Prefs stores display preferences with the person (optional: without
	// it they live in the device's cookies only).
	Prefs PrefStore
	// TicketURL is where a person opens a ticket (工单), e.g. when a payment
	// is not credited after 3 working days; empty: only 12333 is offered.
	TicketURL string
	// JSBridgeURL, in demo mode, is the sandbox's stand-in for the
	// WeixinJSBridge WeChat injects, so a browser with a WeChat User-Agent
	// pays through the same JSAPI path; "" in production.
	JSBridgeURL string
	// Deletions carries out deletion requests (PIPL art. 47); nil: the
	// 我的数据 page is not offered.
	Deletions *identity.Eraser
	// WeChatAuthorize builds WeChat's web-authorisation URL (snsapi_base)
	// for a redirect URI and state; nil when WeChat sign-in is not offered.
	WeChatAuthorize func(redirectURI, state string) string
}

type handler struct {
	Deps
	tpl    *templates
	static *staticFiles
}

// NewHandler parses every template now, so a broken template fails the
// start rather than a person's request.
func NewHandler(d Deps) (http.Handler, error) {
	cats, err := loadCatalogues()
	if err != nil {
		return nil, err
	}
	if err := checkKeys(cats, goKeys()); err != nil {
		return nil, err
	}
	tpl, err := parseTemplates(cats)
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
	mux.HandleFunc("POST /prefs", h.savePrefs)
	mux.HandleFunc("GET /login", h.loginPage)
	mux.HandleFunc("POST /login/code", h.sendCode)
	mux.HandleFunc("POST /login", h.login)
	mux.HandleFunc("POST /login/ecard", h.loginPIN)
	mux.HandleFunc("POST /login/face", h.startFace)
	mux.HandleFunc("GET /auth/national", h.nationalStart)
	mux.HandleFunc("GET "+nationalCallback, h.nationalCallback)
	mux.HandleFunc("GET /auth/wechat", h.wechatStart)
	mux.HandleFunc("GET /auth/wechat/callback", h.wechatCallback)
	mux.HandleFunc("GET /login/face/done", h.faceDone)
	mux.HandleFunc("POST /logout", h.withPerson(h.logout))
	mux.HandleFunc("GET /me", h.withPerson(h.record))
	mux.HandleFunc("GET /me/history", h.withPerson(h.history))
	mux.HandleFunc("GET /me/base", h.withPerson(h.basePage))
	mux.HandleFunc("POST /me/base", h.withPerson(h.saveBase))
	mux.HandleFunc("GET /me/data", h.withPerson(h.myDataPage))
	mux.HandleFunc("POST /me/data/delete", h.withPerson(h.deleteMyData))
	mux.HandleFunc("POST /orders", h.withPerson(h.createOrder))
	mux.HandleFunc("POST /orders/confirm", h.withPerson(h.confirmOrder))
	mux.HandleFunc("GET "+confirmFacePath, h.withPerson(h.confirmFaceDone))
	mux.HandleFunc("GET /me/credit", h.withPerson(h.creditPage))
	mux.HandleFunc("POST /me/credit/agreement", h.withPerson(h.signCredit))
	mux.HandleFunc("POST /me/credit/repay", h.withPerson(h.repayCredit))
	mux.HandleFunc("POST /me/credit/repayments", h.withPerson(h.createRepayment))
	mux.HandleFunc("GET /me/credit/repayments/{id}", h.withPerson(h.repaymentPage))
	mux.HandleFunc("GET /me/family", h.withPerson(h.familyPage))
	mux.HandleFunc("POST /me/family/grants", h.withPerson(h.requestGrant))
	mux.HandleFunc("POST /me/family/grants/{id}/consent", h.withPerson(h.consentGrant))
	mux.HandleFunc("POST /me/family/grants/{id}/revoke", h.withPerson(h.revokeGrant))
	mux.HandleFunc("GET /me/phone", h.withPerson(h.phonePage))
	mux.HandleFunc("POST "+phoneConfirmPath, h.withPerson(h.phoneConfirm))
	mux.HandleFunc("POST /me/phone/code", h.withPerson(h.phoneCode))
	mux.HandleFunc("POST /me/phone", h.withPerson(h.changePhone))
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
