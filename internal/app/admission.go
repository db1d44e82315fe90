package app

import (
	"net/http"
	"strings"
	"time"
)

// admissionWait is how long a request may wait for a slot before it is
// turned away with 503 and Retry-After: long enough to ride out a burst,
// short enough that a person is told to try again instead of staring at a
// spinner.
const admissionWait = 10 * time.Second

// admission bounds the requests served at once. Past a few per CPU, more
// concurrency only queues more work on the one database writer (SQLite) or
// the connection pool, and starves the background jobs that credit paid
// orders: measured at 1,000 concurrent simulated citizens on 2 cores, an
// unbounded server credited almost nothing (config.DefaultMaxInFlight). Waiting requests are admitted
// in arrival order (a channel's blocked senders are a FIFO).
//
// Exempt: the provider's payment notifications (they credit money and the
// provider retries anyway), health and metrics, static files, and the
// sandboxes in demo mode (the platform calls them while holding a slot).
func admission(limit int, wait time.Duration, next http.Handler) http.Handler {
	if limit <= 0 {
		return next
	}
	slots := make(chan struct{}, limit)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if admissionExempt(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case slots <- struct{}{}:
		case <-t.C:
			busy(w, r)
			return
		case <-r.Context().Done():
			return
		}
		defer func() { <-slots }()
		next.ServeHTTP(w, r)
	})
}

func admissionExempt(path string) bool {
	for _, p := range []string{"/api/v1/payments/", "/sandbox/", "/static/", "/healthz", "/readyz", "/metrics"} {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// busy answers a request turned away, in the API's error shape for API
// calls and as a short page otherwise.
func busy(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Retry-After", "2")
	w.Header().Set("Cache-Control", "no-store")
	if strings.HasPrefix(r.URL.Path, "/api/") {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"error":{"code":"busy","message":"当前办理人数较多，请稍候几秒再试。您的钱款和订单不受影响。",` +
			`"message_en":"Many people are paying right now. Please try again in a few seconds; your money and orders are not affected."}}` + "\n"))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write([]byte(`<!doctype html><html lang="zh-CN"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
		`<title>请稍候 - 社保缴费</title><main><h1>当前办理人数较多</h1>` +
		`<p>请稍候几秒后刷新本页。您的钱款和订单不受影响。</p><p lang="en">Many people are paying right now. Please reload in a few seconds; your money and orders are not affected.</p></main></html>`))
}
