package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/shebao-project/shebao/internal/config"
)

// Running is a started server: its URL, and how to stop it.
type Running struct {
	URL  string
	App  *App
	srv  *http.Server
	stop context.CancelFunc
	done chan struct{}
}

// Start listens on cfg.Addr (":0" picks a port), builds the app for the
// address it got, and serves in the background. Tests use it on :0; serve
// uses it for the real thing.
func Start(ctx context.Context, cfg config.Config, o Options) (*Running, error) {
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w (is another shebao running? choose another port with --addr)", cfg.Addr, err)
	}
	url := cfg.PublicURL
	if url == "" {
		url = "http://" + ln.Addr().String()
	}
	a, err := New(ctx, cfg, url, o)
	if err != nil {
		ln.Close()
		return nil, err
	}
	runCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	r := &Running{URL: strings.TrimRight(url, "/"), App: a, stop: stop, done: make(chan struct{}),
		srv: &http.Server{
			Handler: a.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
			WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second,
			ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
		}}
	go func() {
		defer close(r.done)
		a.Run(runCtx)
	}()
	go func() {
		if err := r.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("serve", "err", err)
		}
	}()
	return r, nil
}

// Stop shuts down gracefully: no new connections, in-flight requests get up
// to timeout to finish, background work stops, then the database closes.
func (r *Running) Stop(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	r.App.Drain()
	err := r.srv.Shutdown(ctx)
	r.stop()
	<-r.done
	return errors.Join(err, r.App.Close())
}

// Serve runs until ctx is cancelled (Ctrl-C), printing where to go first.
func Serve(ctx context.Context, cfg config.Config, stdout io.Writer) error {
	log := newLogger(cfg, os.Stderr)
	r, err := Start(ctx, cfg, Options{Log: log})
	if err != nil {
		return err
	}
	printBanner(stdout, cfg, r.URL)
	<-ctx.Done()
	fmt.Fprintln(stdout, "正在停止… / shutting down…")
	return r.Stop(20 * time.Second)
}

func printBanner(w io.Writer, cfg config.Config, url string) {
	fmt.Fprintf(w, "shebao 社保缴费 is running at %s\n", url)
	fmt.Fprintf(w, "  data: %s (SQLite)\n", cfg.DataDir)
	if cfg.Demo {
		sb := url
		if cfg.SandboxURL != "" {
			sb = cfg.SandboxURL
		}
		fmt.Fprintf(w, "  demo mode: sandboxes at %s/sandbox/ (WeChat Pay, SMS outbox, core system)\n", sb)
		fmt.Fprintln(w, "  demo logins (SMS code: see the page, or GET /sandbox/sms?phone=…):")
		for _, p := range DemoPeople {
			fmt.Fprintf(w, "    %s  %s\n", p.Phone, p.Note)
		}
	}
	fmt.Fprintln(w, "Press Ctrl-C to stop.")
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
