package app

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// runSandbox implements `shebao sandbox`: WeChat Pay, the SMS gateway and
// the core system on their own port, apart from the platform, so that a
// platform process can be killed and restarted while "the outside world"
// keeps its orders and keeps retrying its notifications, as WeChat Pay does.
func runSandbox(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:9090", "listen address")
	data := fs.String("data", envOrDefault("SHEBAO_DATA", "data"), "data directory; merchant credentials go to DIR/sandbox/")
	fast := fs.Bool("fast-notify", false, "retry notifications after 100 ms, 200 ms, … instead of WeChat's 15 s, 15 s, 30 s, …")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(stderr, "shebao sandbox:", err)
		return 1
	}
	base := "http://" + ln.Addr().String()
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	o := Options{Now: time.Now, Random: rand.Reader, Log: log}
	if *fast {
		for d := 100 * time.Millisecond; d < 30*time.Second; d *= 2 {
			o.NotifySchedule = append(o.NotifySchedule, d)
		}
	}
	if err := ensureDir(*data); err != nil {
		fmt.Fprintln(stderr, "shebao sandbox:", err)
		return 1
	}
	sb, err := newSandbox(*data, base, o, log)
	if err != nil {
		fmt.Fprintln(stderr, "shebao sandbox:", err)
		return 1
	}
	seedDemoAccounts(sb.core)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go sb.run(ctx)
	srv := &http.Server{Handler: sb.handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("sandbox serve", "err", err)
		}
	}()
	fmt.Fprintf(stdout, "shebao sandbox at %s (WeChat Pay %s, card bank %s, UnionPay %s, SMS %s, face %s, core %s); merchant credentials in %s\n",
		base, wechatPrefix, sscPrefix, unionPayPrefix, smsPath, facePrefix, corePrefix, strings.TrimSuffix(sb.dir, "/")+"/merchant.json")
	<-ctx.Done()
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shut)
	return 0
}
