package app

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/policy"
	"github.com/shebao-project/shebao/internal/policyadmin"
	"github.com/shebao-project/shebao/policies"
)

// runBills implements `shebao bills generate [--month YYYY-MM]`: the
// monthly run that issues every insured person's bills for a month (next
// month by default, Beijing time), meant for a timer near each month's end.
// It is idempotent, so a run that was stopped is simply run again.
func runBills(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "generate" {
		fmt.Fprintln(stderr, "usage: shebao bills generate [--data DIR] [--db URL] [--month YYYY-MM]")
		return 2
	}
	fs := flag.NewFlagSet("bills generate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", envOrDefault("SHEBAO_DATA", "data"), "data directory (SHEBAO_DATA)")
	db := fs.String("db", os.Getenv("SHEBAO_DB"), "database URL; empty for SQLite in the data directory (SHEBAO_DB)")
	next := policy.MonthOf(time.Now().In(payment.Beijing())).Add(1)
	monthFlag := fs.String("month", next.String(), "the month to bill, YYYY-MM")
	batch := fs.Int("batch", 2000, "persons per page and transaction")
	quiet := fs.Bool("quiet", false, "no progress lines on stderr")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	month, err := policy.ParseMonth(*monthFlag)
	if err != nil {
		fmt.Fprintf(stderr, "shebao bills generate: --month %q: want YYYY-MM, e.g. %s\n", *monthFlag, next)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	store, err := openEngine(ctx, *db, *data)
	if err != nil {
		fmt.Fprintf(stderr, "shebao bills generate: %v\n", err)
		return 1
	}
	defer store.Close()
	eng, err := policyadmin.Load(ctx, store.PolicyPacks(), policies.FS, time.Now)
	if err != nil {
		fmt.Fprintf(stderr, "shebao bills generate: %v\n", err)
		return 1
	}
	opt := billing.RunOptions{Batch: *batch}
	if !*quiet {
		last := time.Now()
		opt.Progress = func(r billing.RunResult) {
			if time.Since(last) >= 2*time.Second {
				last = time.Now()
				fmt.Fprintf(stderr, "%d persons, %d bills issued, %d already issued\n", r.Persons, r.Bills, r.Existing)
			}
		}
	}
	res, err := billing.NewService(store, eng, time.Now, rand.Reader).IssueMonth(ctx, store, month, opt)
	if err != nil {
		fmt.Fprintf(stderr, "shebao bills generate: %v (stopped after %d persons; run it again to finish)\n", err, res.Persons)
		return 1
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	_ = enc.Encode(res)
	return 0
}
