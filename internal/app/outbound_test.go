package app

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A second burst of concurrent calls to one host reuses the first burst's
// connections instead of opening new ones (Go's default transport would
// keep only 2 of them).
func TestOutboundClientKeepsConnectionsForABurst(t *testing.T) {
	const burst = 20
	var opened atomic.Int64
	var release atomic.Pointer[chan struct{}]
	var arrived sync.WaitGroup
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived.Done()
		<-*release.Load() // hold every call open until the whole burst is in flight
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	hc := outboundClient(5 * time.Second)
	round := func() {
		arrived.Add(burst)
		ch := make(chan struct{})
		release.Store(&ch)
		var wg sync.WaitGroup
		for range burst {
			wg.Go(func() {
				res, err := hc.Get(srv.URL)
				if err != nil {
					t.Error(err)
					return
				}
				res.Body.Close()
			})
		}
		arrived.Wait()
		close(ch)
		wg.Wait()
	}
	round()
	if got := opened.Load(); got != burst {
		t.Fatalf("first burst opened %d connections, want %d", got, burst)
	}
	round()
	if got := opened.Load(); got != burst {
		t.Errorf("second burst opened %d more connections, want 0", got-burst)
	}
}
