package app

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"
)

// DemoIDNumber is demo person i's full ID number, for the tests that check
// it is never stored or shown in the clear.
func DemoIDNumber(i int) string {
	return DemoPeople[i].idNumber()
}

// StartSandbox serves the outside world apart, as `shebao sandbox` does,
// with its credentials under dataDir/sandbox, and returns its URL.
func StartSandbox(t *testing.T, dataDir string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	log := slog.New(slog.DiscardHandler)
	sb, err := newSandbox(dataDir, base, Options{Now: time.Now, Random: rand.Reader, Log: log,
		NotifySchedule: []time.Duration{20 * time.Millisecond, 40 * time.Millisecond, 80 * time.Millisecond}}, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go sb.run(ctx)
	srv := &http.Server{Handler: sb.handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { cancel(); _ = srv.Close() })
	return base
}
