package wechatpay

import (
	"context"
	"io"
	"net/http"
	"time"
)

// Route names for fault injection ("fail_next": [{"route": …}]).
const (
	routePrepay = "prepay"
	routeQuery  = "query"
	routeClose  = "close"
	routeRefund = "refund"
	routeBill   = "bill"
)

// maxBody bounds request bodies; WeChat's largest v3 JSON bodies are a few KiB.
const maxBody = 1 << 20

// apiHandler handles a WeChat API request whose signature has been verified;
// body is the raw request body. A returned error is answered by fail.
type apiHandler func(w http.ResponseWriter, r *http.Request, body []byte) error

// routes lists every route the sandbox serves, WeChat API first.
func (s *Server) routes() *http.ServeMux {
	p := s.prefix
	mux := http.NewServeMux()
	api := func(pattern, route string, h apiHandler) { mux.Handle(pattern, s.api(route, h)) }

	api("POST "+p+"/v3/pay/transactions/jsapi", routePrepay, s.handlePrepayJSAPI)
	api("POST "+p+"/v3/pay/transactions/native", routePrepay, s.handlePrepayNative)
	api("GET "+p+"/v3/pay/transactions/out-trade-no/{out_trade_no}", routeQuery, s.handleQueryByOutTradeNo)
	api("GET "+p+"/v3/pay/transactions/id/{transaction_id}", routeQuery, s.handleQueryByID)
	api("POST "+p+"/v3/pay/transactions/out-trade-no/{out_trade_no}/close", routeClose, s.handleClose)
	api("POST "+p+"/v3/refund/domestic/refunds", routeRefund, s.handleRefundCreate)
	api("GET "+p+"/v3/refund/domestic/refunds/{out_refund_no}", routeRefund, s.handleRefundQuery)
	api("GET "+p+"/v3/bill/tradebill", routeBill, s.handleTradeBill)
	api("GET "+p+"/v3/billdownload/file", routeBill, s.handleBillFile)
	api(p+"/v3/", "", func(http.ResponseWriter, *http.Request, []byte) error {
		return newAPIError(http.StatusNotFound, "NOT_FOUND", "请求的资源不存在")
	})

	// Control plane: not WeChat APIs. State-changing POSTs refuse
	// cross-origin browser requests (Sec-Fetch-Site / Origin checks).
	cop := http.NewCrossOriginProtection()
	mux.HandleFunc("GET "+p+"/cashier.css", s.handleCashierCSS)
	mux.HandleFunc("GET "+p+"/cashier/{prepay_id}", s.handleCashierPage)
	mux.Handle("POST "+p+"/cashier/{prepay_id}", cop.Handler(http.HandlerFunc(s.handleCashierPost)))
	mux.HandleFunc("GET "+p+"/jsbridge.js", s.handleJSBridge)
	mux.Handle("POST "+p+"/control/request-payment", cop.Handler(http.HandlerFunc(s.handleRequestPayment)))
	mux.HandleFunc("GET "+p+"/control/notifications", s.handleListNotifications)
	mux.Handle("POST "+p+"/control/notifications/{out_trade_no}/resend", cop.Handler(http.HandlerFunc(s.handleResend)))
	mux.HandleFunc("GET "+p+"/control/faults", s.handleGetFaults)
	mux.Handle("POST "+p+"/control/faults", cop.Handler(http.HandlerFunc(s.handleSetFaults)))
	return mux
}

// api wraps a WeChat API handler with what every v3 call goes through:
// injected latency, the body read once (the signature covers its raw bytes),
// signature verification, then any injected failure for the route.
func (s *Server) api(route string, h apiHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.sleepLatency(r.Context()); err != nil {
			return // the client went away
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			s.fail(w, newAPIError(http.StatusBadRequest, "PARAM_ERROR", "请求体读取失败或过大"))
			return
		}
		if ae := s.verifyRequest(r, body); ae != nil {
			s.fail(w, ae)
			return
		}
		if ae := s.takeRouteFault(route); ae != nil {
			s.fail(w, ae)
			return
		}
		if err := h(w, r, body); err != nil {
			s.fail(w, err)
		}
	})
}

// sleepLatency waits the injected latency on the real clock: it simulates
// the network, which the sandbox's own clock does not govern.
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
