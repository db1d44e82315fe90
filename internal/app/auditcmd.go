package app

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/shebao-project/shebao/internal/audit"
	"github.com/shebao-project/shebao/internal/money"
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
	if err := fs.Parse(args); err != nil {
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
	if *asJSON {
		_ = json.NewEncoder(stdout).Encode(rep)
	} else {
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
