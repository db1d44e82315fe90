package app

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/shebao-project/shebao/internal/audit"
	"github.com/shebao-project/shebao/internal/config"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/payment"
)

// runAudit implements `shebao audit --data DIR`: it checks the money
// invariants and prints them; exit 0 when clean, 1 on any difference, 2 on
// bad usage.
func runAudit(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", envOrDefault("SHEBAO_DATA", "data"), "data directory (SHEBAO_DATA)")
	db := fs.String("db", os.Getenv("SHEBAO_DB"), "database URL; empty for SQLite in the data directory (SHEBAO_DB)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	sandboxURL := fs.String("sandbox-url", os.Getenv("SHEBAO_SANDBOX_URL"), "the sandbox running apart, if any: its trade bills are compared with the orders (SHEBAO_SANDBOX_URL)")
	billDays := fs.Int("bill-days", 2, "with --sandbox-url: how many days of trade bills to compare, ending today (Beijing time)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *billDays < 1 || *billDays > 400 {
		fmt.Fprintln(stderr, "shebao audit: --bill-days must be between 1 and 400")
		return 2
	}
	if !isPostgres(*db) {
		path := filepath.Join(*data, "shebao.db")
		if p, ok := strings.CutPrefix(*db, "sqlite:"); ok && p != "" {
			path = p
		}
		if _, err := os.Stat(path); err != nil {
			fmt.Fprintf(stderr, "shebao audit: no database at %s: %v\n", path, err)
			return 2
		}
	}
	ctx := context.Background()
	store, err := openEngine(ctx, *db, *data)
	if err != nil {
		fmt.Fprintf(stderr, "shebao audit: %v\n", err)
		return 1
	}
	defer store.Close()
	rep, err := audit.Run(ctx, store)
	if err != nil {
		fmt.Fprintf(stderr, "shebao audit: %v\n", err)
		return 1
	}
	checked := "trade bills: not compared (give --sandbox-url to compare the sandbox's with the orders)"
	if *sandboxURL != "" {
		problems, what, err := checkTradeBills(ctx, *data, *db, *sandboxURL, *billDays, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "shebao audit: trade bills: %v\n", err)
			return 1
		}
		rep.Problems, checked = append(rep.Problems, problems...), what
	}
	if *asJSON {
		_ = json.NewEncoder(stdout).Encode(rep)
	} else {
		fmt.Fprintln(stdout, checked)
		printReport(stdout, rep)
	}
	if !rep.OK() {
		return 1
	}
	return 0
}

func printReport(w io.Writer, r *audit.Report) {
	fmt.Fprintf(w, "orders: %d\n", r.Orders)
	for s, n := range r.ByState {
		fmt.Fprintf(w, "  %-17s %d\n", s, n)
	}
	fmt.Fprintln(w, "ledger balances (debit +, credit −):")
	for _, a := range r.Accounts() {
		fmt.Fprintf(w, "  %-24s %s\n", a, money.Fen(r.Balances[a]).Yuan())
	}
	fmt.Fprintf(w, "credited to funds: %s yuan\n", r.CreditFen.Yuan())
	if r.OK() {
		fmt.Fprintln(w, "audit: clean — ledger balanced, every paid order posted, refunded or held exactly once, vouchers match credited orders")
		return
	}
	fmt.Fprintf(w, "audit: %d problem(s)\n", len(r.Problems))
	for _, p := range r.Problems {
		fmt.Fprintln(w, "  - "+p)
	}
}

func envOrDefault(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// checkTradeBills compares the sandbox's trade bill of each channel for the
// last days (Beijing time, today included) with the orders, changing
// nothing, and returns each difference as a problem and a line saying what
// was compared. The program is built as `shebao reconcile` builds it, to
// reach the sandbox with the merchant's own credentials.
func checkTradeBills(ctx context.Context, data, db, sandboxURL string, days int, stderr io.Writer) ([]string, string, error) {
	cfg := config.Config{Addr: "127.0.0.1:0", DataDir: data, DB: db, Demo: true, SandboxURL: sandboxURL, LogFormat: "text", LogLevel: "warn"}
	a, err := New(ctx, cfg, "http://127.0.0.1", Options{Log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return nil, "", err
	}
	defer a.Close()
	today := time.Now().In(payment.Beijing())
	channels := a.Payments.BillChannels()
	var problems []string
	for _, ch := range channels {
		for i := days - 1; i >= 0; i-- {
			date := today.AddDate(0, 0, -i).Format("2006-01-02")
			diffs, err := a.Payments.CheckTradeBill(ctx, ch, date)
			if err != nil {
				return nil, "", fmt.Errorf("%s %s: %w", ch, date, err)
			}
			for _, d := range diffs {
				problems = append(problems, fmt.Sprintf("trade bill %s %s: %s %s: %s (%s)", ch, date, d.Kind, d.OutTradeNo, d.Detail, d.Action))
			}
		}
	}
	return problems, fmt.Sprintf("trade bills: %s compared with the orders for %d day(s) ending %s", strings.Join(channels, ", "), days, today.Format("2006-01-02")), nil
}
