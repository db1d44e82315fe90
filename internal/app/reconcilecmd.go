package app

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/shebao-project/shebao/internal/config"
	"github.com/shebao-project/shebao/internal/payment"
)

// runReconcile implements `shebao reconcile --data DIR [--date D]
// [--sandbox-url U]`: reconcile one day's trade bill now, as the daily job
// does, and print the differences as JSON. Exit 0 when none is left open.
func runReconcile(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("reconcile", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", envOrDefault("SHEBAO_DATA", "data"), "data directory (SHEBAO_DATA)")
	dbURL := fs.String("db", os.Getenv("SHEBAO_DB"), "database URL; empty for SQLite in the data directory (SHEBAO_DB)")
	sandboxURL := fs.String("sandbox-url", os.Getenv("SHEBAO_SANDBOX_URL"), "the sandbox running apart, if any (SHEBAO_SANDBOX_URL)")
	date := fs.String("date", time.Now().In(payment.Beijing()).Format("2006-01-02"), "the day to reconcile, Beijing time")
	channel := fs.String("channel", "wechatpay", "payment channel (family_offset: the core system's statement of offset debits)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *sandboxURL == "" {
		fmt.Fprintln(stderr, "shebao reconcile: give --sandbox-url: a demo server's own sandbox lives inside that server, out of reach; with WeChat Pay this command would use the merchant's credentials")
		return 2
	}
	cfg := config.Config{Addr: "127.0.0.1:0", DataDir: *data, DB: *dbURL, Demo: true, SandboxURL: *sandboxURL, LogFormat: "text", LogLevel: "warn"}
	ctx := context.Background()
	a, err := New(ctx, cfg, "http://127.0.0.1", Options{Log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		fmt.Fprintf(stderr, "shebao reconcile: %v\n", err)
		return 1
	}
	defer a.Close()
	var diffs []payment.Diff
	if *channel == payment.OffsetChannel {
		diffs, err = a.Payments.ReconcileOffsets(ctx, *date)
	} else {
		diffs, err = a.Payments.Reconcile(ctx, *channel, *date)
	}
	if err != nil {
		fmt.Fprintf(stderr, "shebao reconcile: %v\n", err)
		return 1
	}
	if diffs == nil {
		diffs = []payment.Diff{}
	}
	_ = json.NewEncoder(stdout).Encode(map[string]any{"date": *date, "channel": *channel, "differences": diffs})
	for _, d := range diffs {
		if !d.Resolved {
			return 1
		}
	}
	return 0
}
