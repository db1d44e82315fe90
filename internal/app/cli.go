package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/shebao-project/shebao/internal/config"
)

// Version is set at build time with -ldflags "-X …/internal/app.Version=…".
var Version = "dev"

const usage = `shebao — pay social insurance contributions online (社保缴费)

Usage:
  shebao [serve] [flags]     run the platform (default command)
  shebao sandbox [--addr A] [--data DIR]
                             the payment, SMS and core-system sandboxes on their own; serve with --sandbox-url uses them
  shebao reconcile [--data DIR] [--date YYYY-MM-DD] [--sandbox-url U]
                             reconcile a day's trade bill now (the daily job does it at 10:30); JSON differences
  shebao admin create-operator --data DIR --name NAME [--role administrator] [--password P]
                             create an operator for the console at /admin (password from stdin by default); prints the TOTP URI once
  shebao admin verify-audit [--data DIR]
                             verify the operator audit log's hash chain; non-zero exit if it was tampered with
  shebao backup --data DIR --to OUT
                             a consistent online backup of the database and its keys; restore with serve --data OUT
  shebao persons import [--data DIR] [--db URL] FILE.csv
                             import the insured register (id_number,name,phone,region,person_type,insurances,since,base);
                             persons already there get their enrolments updated; bad lines are named and skipped
  shebao keys status [--data DIR] [--db URL]
                             the personal-data keys: id, created, current, and how many sealed values each still seals
  shebao keys rotate [--data DIR] [--db URL] [--batch N] [--batches N] [--no-reseal]
                             make a new current key and re-seal every sealed value and blind index with it, in batches;
                             safe while servers run (they take the key up without a restart); run again to resume
  shebao keys retire --id N [--data DIR] [--db URL]
                             remove key N from the keyring; refused while any sealed value still uses it
  shebao bills generate [--data DIR] [--month YYYY-MM]
                             issue every insured person's bills for a month (default next month); idempotent, JSON summary
  shebao audit [--data DIR] [--sandbox-url U] [--bill-days N]
                             check the money invariants (ledger, postings, vouchers) and, with a sandbox,
                             its trade bills against the orders; non-zero exit on any difference
  shebao loadtest [--in-process] [--url U] [--citizens N] [--duration D | --count N] [--json]
                             drive simulated citizens through the whole flow and print throughput and latencies
  shebao verify (--data DIR | --key PUB.pem) [--json] CODE | FILE.pdf | QR-TEXT | -
                             verify a voucher offline: SM2 signature, key, retention; exit 0 valid, 1 not, 2 usage
  shebao verify --data DIR --bill-code C --bill-number N --check-code K
                             verify a fiscal e-receipt by its three elements (票据代码, 票据号码, 校验码)
  shebao log verify [--data DIR] [--json]
                             re-derive the evidence log and check every leaf, node, checkpoint root and signature
  shebao quote < req.json    price contributions: the POST /api/v1/quotes request on stdin, its response on stdout
  shebao estimate < req.json estimate a pension: the POST /api/v1/pension-estimates request on stdin
  shebao help                show this help
  shebao version             print the version

serve flags (environment variable in brackets):
  --addr HOST:PORT   listen address, default 127.0.0.1:8080 (SHEBAO_ADDR)
  --data DIR         data directory, default ./data (SHEBAO_DATA)
  --db URL           postgres://USER@HOST:PORT/DB for PostgreSQL; default SQLite in the data directory (SHEBAO_DB)
  --public-url URL   public base URL, default http://ADDR (SHEBAO_PUBLIC_URL)
  --demo             demo data and sandboxes, default true (SHEBAO_DEMO)
  --outside DIR      production (--demo=false): the agency's credentials and gateways.json (SHEBAO_OUTSIDE)
  --log-format F     text or json (SHEBAO_LOG_FORMAT)
  --log-level L      debug, info, warn, error (SHEBAO_LOG_LEVEL)
  --sandbox-url URL  use a sandbox started apart with ` + "`shebao sandbox`" + ` (SHEBAO_SANDBOX_URL)
  --metrics-token T  bearer token /metrics requires (SHEBAO_METRICS_TOKEN)
  --auth-per-minute N  sign-in and SMS-code requests per client address and minute, default 30
  --max-inflight N   requests served at once, default 8 per CPU; more wait, then get 503 with Retry-After (0: no bound)
`

// Main runs the command line and returns the process exit code: 0 success,
// 1 failure, 2 bad usage.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && !isFlag(args[0]) {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		cfg, err := config.ParseServe(args, os.LookupEnv, stderr)
		if errors.Is(err, flag.ErrHelp) {
			return 0
		} else if err != nil {
			fmt.Fprintf(stderr, "shebao serve: %v\n", err)
			return 2
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		if err := Serve(ctx, cfg, stdout); err != nil {
			fmt.Fprintf(stderr, "shebao: %v\n", err)
			return 1
		}
		return 0
	case "audit":
		return runAudit(args, stdout, stderr)
	case "admin":
		return runAdmin(args, stdin, stdout, stderr)
	case "backup":
		return runBackup(args, stdout, stderr)
	case "bills":
		return runBills(args, stdout, stderr)
	case "keys":
		return runKeys(args, stdout, stderr)
	case "persons":
		return runPersons(args, stdout, stderr)
	case "loadtest":
		return runLoadtest(args, stdout, stderr)
	case "sandbox":
		return runSandbox(args, stdout, stderr)
	case "reconcile":
		return runReconcile(args, stdout, stderr)
	case "verify":
		return runVerify(args, stdin, stdout, stderr)
	case "log":
		if len(args) > 0 && args[0] == "verify" {
			return runLogVerify(args[1:], stdout, stderr)
		}
		fmt.Fprintf(stderr, "shebao log: unknown subcommand; try shebao log verify --data DIR\n")
		return 2
	case "quote", "estimate":
		return runPolicyCommand(cmd, stdin, stdout, stderr, time.Now)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	case "version":
		fmt.Fprintln(stdout, "shebao", Version)
		return 0
	}
	fmt.Fprintf(stderr, "shebao: unknown command %q\n\n%s", cmd, usage)
	return 2
}

func isFlag(s string) bool { return len(s) > 0 && s[0] == '-' }
