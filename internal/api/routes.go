// Package api is shebao's JSON API, version 1 (/api/v1): the contract
// integrators, the reference mini-program and the tests rely on. Handlers
// are thin: they decode, authorise against the resource, call a service and
// encode. Its OpenAPI document is served at /api/v1/openapi.json.
package api

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/shebao-project/shebao/internal/evidence"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/notice"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/policy"
	"github.com/shebao-project/shebao/internal/ratelimit"
)

// Deps are what the API needs.
type Deps struct {
	Identity  *identity.Service
	Payments  *payment.Service
	Policy    *policy.Engine
	PublicURL string // base of verification URLs in QR codes
	// FaceBaseURL makes the liveness service's relative page paths absolute.
	FaceBaseURL string
	// AuthPerMinute limits sign-in and code requests per client address; 0: none.
	AuthPerMinute int
	// Evidence is the evidence log, for voucher proofs.
	Evidence *evidence.Log
	// Notices keeps people's subscription-message consents.
	Notices *notice.Service
	// Deletions carries out people's deletion requests (PIPL art. 47).
	Deletions *identity.Eraser
	// WeChat describes the WeChat app; nil when WeChat is not offered.
	WeChat *WeChatInfo
	Now    func() time.Time
	Log    *slog.Logger
}

type handler struct {
	Deps
	authLimit *ratelimit.Limiter
	pdfs      pdfCache
}

// NewHandler returns the API handler; mount it at the server root.
func NewHandler(d Deps) http.Handler {
	h := &handler{Deps: d}
	if d.AuthPerMinute > 0 {
		h.authLimit = ratelimit.New(d.AuthPerMinute, max(5, d.AuthPerMinute/3), d.Now)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/openapi.json", h.openAPI)

	mux.HandleFunc("POST /api/v1/auth/sms-codes", h.limited(h.sendSMSCode))
	mux.HandleFunc("POST /api/v1/auth/sessions", h.limited(h.createSession))
	mux.HandleFunc("DELETE /api/v1/auth/sessions/current", h.authed(h.deleteSession))
	mux.HandleFunc("POST /api/v1/auth/face-sessions", h.limited(h.startFace))
	mux.HandleFunc("POST /api/v1/auth/national-login", h.limited(h.startNational))
	mux.HandleFunc("PUT /api/v1/me/ecard-pin", h.strong(h.setPIN))
	mux.HandleFunc("GET /api/v1/me/confirmations", h.authed(h.confirmations))
	mux.HandleFunc("POST /api/v1/me/confirmations", h.limited(h.authed(h.confirm)))
	mux.HandleFunc("POST /api/v1/me/confirmations/sms-code", h.limited(h.authed(h.sendConfirmCode)))
	mux.HandleFunc("POST /api/v1/me/confirmations/face", h.limited(h.authed(h.startConfirmFace)))
	mux.HandleFunc("POST /api/v1/me/phone/sms-code", h.limited(h.strong(h.sendPhoneCode)))
	mux.HandleFunc("PUT /api/v1/me/phone", h.limited(h.strong(h.changePhone)))

	mux.HandleFunc("GET /api/v1/regions", h.listRegions)
	mux.HandleFunc("GET /api/v1/regions/{code}", h.getRegion)
	mux.HandleFunc("POST /api/v1/quotes", h.quote)
	mux.HandleFunc("POST /api/v1/documents/validate", h.validateDocument)
	mux.HandleFunc("POST /api/v1/pension-estimates", h.estimate)

	mux.HandleFunc("GET /api/v1/me", h.authed(h.me))
	mux.HandleFunc("GET /api/v1/me/bills", h.authed(h.myBills))
	mux.HandleFunc("GET /api/v1/me/orders", h.authed(h.myOrders))
	mux.HandleFunc("GET /api/v1/me/vouchers", h.authed(h.myVouchers))
	mux.HandleFunc("GET /api/v1/me/export", h.strong(h.export))
	mux.HandleFunc("POST /api/v1/me/deletion-request", h.strong(h.requestDeletion))
	mux.HandleFunc("GET /api/v1/me/deletion-request", h.authed(h.latestDeletion))
	mux.HandleFunc("GET /api/v1/me/subscriptions", h.authed(h.mySubscriptions))
	mux.HandleFunc("POST /api/v1/me/subscriptions", h.authed(h.recordSubscriptions))
	mux.HandleFunc("GET /api/v1/wechat/config", h.wechatConfig)
	mux.HandleFunc("GET /api/v1/me/notice-preferences", h.authed(h.noticePreferences))
	mux.HandleFunc("PUT /api/v1/me/notice-preferences", h.authed(h.setNoticePreferences))

	mux.HandleFunc("GET /api/v1/me/credit", h.authed(h.myCredit))
	mux.HandleFunc("POST /api/v1/me/credit/agreement", h.strong(h.signCreditAgreement))
	mux.HandleFunc("POST /api/v1/me/credit/repay", h.authed(h.repayCredit))
	mux.HandleFunc("POST /api/v1/me/credit/repayments", h.authed(h.createRepayment))
	mux.HandleFunc("GET /api/v1/me/credit/repayments/{id}", h.authed(h.getRepayment))

	mux.HandleFunc("GET /api/v1/me/grants", h.authed(h.myGrants))
	mux.HandleFunc("POST /api/v1/me/grants/{id}/approve", h.strong(h.approveGrant))
	mux.HandleFunc("DELETE /api/v1/me/grants/{id}", h.authed(h.revokeGrant))
	mux.HandleFunc("GET /api/v1/proxies", h.authed(h.myProxies))
	mux.HandleFunc("POST /api/v1/proxies", h.strong(h.requestGrant))
	mux.HandleFunc("POST /api/v1/proxies/{id}/consent", h.strong(h.consentGrant))
	mux.HandleFunc("GET /api/v1/proxies/{id}/bills", h.authed(h.grantBills))
	mux.HandleFunc("GET /api/v1/me/family-offset", h.authed(h.myFamilyOffset))
	mux.HandleFunc("DELETE /api/v1/proxies/{id}", h.authed(h.revokeGrant))

	mux.HandleFunc("POST /api/v1/orders", h.authed(h.createOrder))
	mux.HandleFunc("GET /api/v1/orders/{id}", h.authed(h.getOrder))
	mux.HandleFunc("POST /api/v1/orders/{id}/close", h.authed(h.closeOrder))
	mux.HandleFunc("GET /api/v1/orders/{id}/vouchers", h.authed(h.orderVouchers))

	mux.HandleFunc("GET /api/v1/vouchers/verify", h.verifyVoucher)
	mux.HandleFunc("GET /api/v1/vouchers/{id}/pdf", h.authed(h.voucherPDF))
	mux.HandleFunc("GET /api/v1/vouchers/{id}/proof", h.authed(h.voucherProof))
	mux.HandleFunc("GET /api/v1/vouchers/public-key", h.publicKey)

	// The provider calls this; it authenticates by signature, not session.
	mux.HandleFunc("POST /api/v1/payments/{channel}/notify", h.paymentNotify)
	mux.HandleFunc("POST /api/v1/payments/{channel}/refund-notify", h.refundNotify)

	mux.HandleFunc("/api/", h.notFound)
	return noStore(mux)
}

// noStore: API answers carry personal data and must not be cached anywhere.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}
