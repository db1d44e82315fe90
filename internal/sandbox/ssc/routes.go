package ssc

import (
	"context"
	"io"
	"net/http"
	"time"
)

// Route names for fault injection ("fail_next": [{"route": …}]).
const (
	routeCreate    = "create"
	routeQuery     = "query"
	routeClose     = "close"
	routeRefund    = "refund"
	routeStatement = "statement"
	routeMandate   = "mandate"
	routeCollect   = "collect"
)

// maxBody bounds request bodies; the protocol's largest is well under 4 KiB.
const maxBody = 64 << 10

// apiHandler handles a verified protocol request; it returns the answer's
// body or an error, and answer signs either.
type apiHandler func(r *http.Request, body []byte) (any, error)

// routes lists every route: the protocol first, then the holder's page and
// the control plane, which the protocol does not have.
func (s *Server) routes() *http.ServeMux {
	p := s.prefix
	mux := http.NewServeMux()
	api := func(pattern, route string, h apiHandler) { mux.Handle(pattern, s.api(route, h)) }

	api("POST "+p+"/v1/debits", routeCreate, s.handleCreate)
	api("GET "+p+"/v1/debits/{out_trade_no}", routeQuery, s.handleQuery)
	api("POST "+p+"/v1/debits/{out_trade_no}/close", routeClose, s.handleClose)
	api("POST "+p+"/v1/refunds", routeRefund, s.handleRefundCreate)
	api("GET "+p+"/v1/refunds/{out_refund_no}", routeRefund, s.handleRefundQuery)
	api("GET "+p+"/v1/statements/{date}", routeStatement, s.handleStatement)
	api("POST "+p+"/v1/mandates", routeMandate, s.handleMandate)
	api("POST "+p+"/v1/mandated-debits", routeCollect, s.handleMandatedDebit)
	api(p+"/v1/", "", func(*http.Request, []byte) (any, error) {
		return nil, newAPIError(http.StatusNotFound, "NOT_FOUND", "请求的资源不存在")
	})

	// State-changing POSTs refuse cross-origin browser requests, so another
	// site cannot press the holder's buttons.
	cop := http.NewCrossOriginProtection()
	mux.HandleFunc("GET "+p+"/confirm.css", s.handleCSS)
	mux.HandleFunc("GET "+p+"/confirm/{token}", s.handlePage)
	mux.Handle("POST "+p+"/confirm/{token}", cop.Handler(http.HandlerFunc(s.handleConfirm)))
	mux.HandleFunc("GET "+p+"/control/notifications", s.handleListNotifications)
	mux.Handle("POST "+p+"/control/notifications/{out_trade_no}/resend", cop.Handler(http.HandlerFunc(s.handleResend)))
	mux.HandleFunc("GET "+p+"/control/faults", s.handleGetFaults)
	mux.Handle("POST "+p+"/control/faults", cop.Handler(http.HandlerFunc(s.handleSetFaults)))
	mux.HandleFunc("GET "+p+"/control/limits", s.handleGetLimits)
	mux.Handle("POST "+p+"/control/limits", cop.Handler(http.HandlerFunc(s.handleSetLimits)))
	return mux
}

// api wraps a protocol handler with what every call goes through: injected
// latency, the body read once (the signature covers its raw bytes),
// signature verification, then any injected failure for the route. The
// answer is signed against the request's nonce even when refused.
func (s *Server) api(route string, h apiHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nonce := r.Header.Get(hNonce)
		if err := s.sleepLatency(r.Context()); err != nil {
			return // the client went away
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			s.answer(w, nonce, nil, paramError("请求体读取失败或过大"))
			return
		}
		if ae := s.verifyRequest(r, body); ae != nil {
			s.answer(w, nonce, nil, ae)
			return
		}
		if ae := s.takeRouteFault(route); ae != nil {
			s.answer(w, nonce, nil, ae)
			return
		}
		v, err := h(r, body)
		s.answer(w, nonce, v, err)
	})
}

// sleepLatency waits the injected latency on the real clock: it simulates
// the network, which the bank's own clock does not govern.
func (s *Server) sleepLatency(ctx context.Context) error {
	s.mu.Lock()
	ms := s.faults.LatencyMS
	s.mu.Unlock()
	if ms <= 0 {
		return nil
	}
	t := time.NewTimer(time.Duration(ms) * time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
