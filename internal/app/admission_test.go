package app

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestAdmission: past the limit a request waits its turn, and after the
// wait is turned away with 503, Retry-After and a bilingual message; the
// provider's notifications and the sandboxes are never held back.
func TestAdmission(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 4)
	h := admission(1, 50*time.Millisecond, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/me" {
			entered <- struct{}{}
			<-release
		}
		w.WriteHeader(http.StatusOK)
	}))
	serve := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		if rec := serve("/api/v1/me"); rec.Code != http.StatusOK {
			t.Errorf("first request: %d", rec.Code)
		}
	})
	<-entered // the one slot is taken
	for _, path := range []string{"/api/v1/payments/wechatpay/notify", "/sandbox/sms", "/healthz"} {
		if rec := serve(path); rec.Code != http.StatusOK {
			t.Errorf("%s was held back: %d", path, rec.Code)
		}
	}
	rec := serve("/api/v1/me/bills")
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" ||
		!strings.Contains(rec.Body.String(), `"code":"busy"`) || !strings.Contains(rec.Body.String(), "请稍候") {
		t.Errorf("over the limit: %d %q %s", rec.Code, rec.Header().Get("Retry-After"), rec.Body.String())
	}
	if page := serve("/me"); page.Code != http.StatusServiceUnavailable || !strings.Contains(page.Body.String(), "当前办理人数较多") {
		t.Errorf("page over the limit: %d %s", page.Code, page.Body.String())
	}
	// A request that arrives while the slot is taken is served once it frees.
	waited := make(chan int, 1)
	go func() { waited <- serve("/api/v1/orders").Code }()
	time.Sleep(10 * time.Millisecond)
	close(release)
	if code := <-waited; code != http.StatusOK {
		t.Errorf("the waiting request got %d, want 200 once the slot freed", code)
	}
	wg.Wait()
	if rec := serve("/api/v1/me/orders"); rec.Code != http.StatusOK {
		t.Errorf("after the burst: %d", rec.Code)
	}
}
