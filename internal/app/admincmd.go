package app

import (
	"bufio"
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/operator"
	"github.com/shebao-project/shebao/internal/pii"
)

const adminUsage = `Usage:
  shebao admin create-operator --data DIR --name NAME [--role R] [--display-name N] [--password P]
      create an operator account (the first administrator, typically). The password is read
      from the first line of standard input unless --password is given (visible to other
      users of the machine in the process list: for scripts in a private environment only).
      Prints the TOTP enrolment URI once.
  shebao admin verify-audit --data DIR
      recompute the operator audit log's SM3 hash chain; exit 1 if an entry was edited,
      removed or inserted
`

// runAdmin implements `shebao admin …`, the operator console's commands
// that work on the data directory without a running server.
func runAdmin(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, adminUsage)
		return 2
	}
	switch args[0] {
	case "create-operator":
		return adminCreateOperator(args[1:], stdin, stdout, stderr)
	case "verify-audit":
		return adminVerifyAudit(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, adminUsage)
		return 0
	}
	fmt.Fprintf(stderr, "shebao admin: unknown command %q\n\n%s", args[0], adminUsage)
	return 2
}

// adminStore is the part of the database the admin commands use.
type adminStore interface {
	OperatorStore() operator.Store
	Close() error
}

// adminDB opens the database the flags name, as serve does (SQLite in the
// data directory, created for a first bootstrap, or PostgreSQL), and, if
// sealing is wanted, the PII key the server uses, so the server can open
// the TOTP secrets sealed here.
func adminDB(ctx context.Context, data, db string, sealing bool) (adminStore, operator.Sealer, error) {
	if err := ensureDir(data); err != nil {
		return nil, nil, err
	}
	var sealer operator.Sealer
	if sealing {
		ring, err := pii.LoadKeyring(filepath.Join(data, "keys"), rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		sealer = ring
	}
	e, err := openEngine(ctx, db, data)
	if err != nil {
		return nil, nil, err
	}
	s, ok := e.(adminStore)
	if !ok {
		e.Close()
		return nil, nil, fmt.Errorf("this database engine has no operator store")
	}
	return s, sealer, nil
}

func adminFlags(name string, stderr io.Writer) (*flag.FlagSet, *string, *string) {
	fs := flag.NewFlagSet("admin "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", envOrDefault("SHEBAO_DATA", "data"), "data directory (SHEBAO_DATA)")
	db := fs.String("db", os.Getenv("SHEBAO_DB"), "postgres://… or sqlite:PATH; empty for SQLite in the data directory (SHEBAO_DB)")
	return fs, data, db
}

func adminCreateOperator(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs, data, db := adminFlags("create-operator", stderr)
	name := fs.String("name", "", "login name: 3-32 of a-z 0-9 . _ -")
	display := fs.String("display-name", "", "the person's name as the console shows it (default: the login name)")
	role := fs.String("role", string(operator.Administrator), "administrator, reviewer, support or auditor")
	password := fs.String("password", "", "the password; default: the first line of standard input")
	reason := fs.String("reason", "bootstrap from the command line", "why, for the audit log")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	r, err := operator.ParseRole(*role)
	if err != nil || *name == "" {
		fmt.Fprintf(stderr, "shebao admin create-operator: give --name and a valid --role\n")
		return 2
	}
	pw := *password
	if pw == "" {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && line == "" {
			fmt.Fprintln(stderr, "shebao admin create-operator: no password on standard input")
			return 2
		}
		pw = strings.TrimRight(line, "\r\n")
	}
	ctx := context.Background()
	store, sealer, err := adminDB(ctx, *data, *db, true)
	if err != nil {
		fmt.Fprintf(stderr, "shebao admin create-operator: %v\n", err)
		return 1
	}
	defer store.Close()
	svc := operator.NewService(operator.Deps{Store: store.OperatorStore(), Sealer: sealer, Now: time.Now, Random: rand.Reader,
		Log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	c, err := svc.Create(ctx, operator.NewOperator{Name: *name, DisplayName: *display, Role: r, Password: pw, By: "cli", Reason: *reason})
	if err != nil {
		if e, ok := apperr.As(err); ok {
			fmt.Fprintf(stderr, "shebao admin create-operator: %s (%s)\n", e.MessageEn, e.Message)
			return 2
		}
		fmt.Fprintf(stderr, "shebao admin create-operator: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "operator %s (%s) created.\n", c.Operator.Name, c.Operator.Role)
	fmt.Fprintln(stdout, "Add it to an authenticator app now (scan the URI as a QR code, or type the secret); it is not shown again:")
	fmt.Fprintln(stdout, c.URI)
	fmt.Fprintln(stdout, "secret:", c.Secret)
	fmt.Fprintln(stdout, "Then sign in at /admin/login.")
	return 0
}

func adminVerifyAudit(args []string, stdout, stderr io.Writer) int {
	fs, data, db := adminFlags("verify-audit", stderr)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if _, err := os.Stat(*data); err != nil {
		fmt.Fprintf(stderr, "shebao admin verify-audit: no data directory %s\n", *data)
		return 2
	}
	ctx := context.Background()
	store, _, err := adminDB(ctx, *data, *db, false)
	if err != nil {
		fmt.Fprintf(stderr, "shebao admin verify-audit: %v\n", err)
		return 1
	}
	defer store.Close()
	svc := operator.NewService(operator.Deps{Store: store.OperatorStore(), Now: time.Now, Random: rand.Reader, Log: slog.New(slog.DiscardHandler)})
	v, err := svc.VerifyAudit(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "shebao admin verify-audit: %v\n", err)
		return 1
	}
	if !v.OK {
		fmt.Fprintf(stdout, "operator audit log: BROKEN at entry %d: %s\n", v.BrokenAt, v.Problem)
		return 1
	}
	fmt.Fprintf(stdout, "operator audit log: %d entries, chain intact, head %x\n", v.Entries, v.Head)
	return 0
}
