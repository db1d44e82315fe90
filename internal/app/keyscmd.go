package app

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/shebao-project/shebao/internal/operator"
	"github.com/shebao-project/shebao/internal/pii"
	"github.com/shebao-project/shebao/internal/rekey"
	"github.com/shebao-project/shebao/internal/store/postgres"
	"github.com/shebao-project/shebao/internal/store/sqlite"
)

// Both engines page through and rewrite sealed columns for a rotation.
var (
	_ rekey.Store = (*sqlite.DB)(nil)
	_ rekey.Store = (*postgres.DB)(nil)
)

const keysUsage = `usage:
  shebao keys status [--data DIR] [--db URL]
  shebao keys rotate [--data DIR] [--db URL] [--batch N] [--batches N] [--no-reseal] [--reason R]
  shebao keys retire --id N [--data DIR] [--db URL] [--reason R]
`

// runKeys implements `shebao keys`: the personal-data keyring (pii) and the
// reseal pass that moves sealed values onto its current key (rekey). Output
// is key ids and counts only, never a sealed or opened value.
func runKeys(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, keysUsage)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch args[0] {
	case "status":
		return keysStatus(ctx, args[1:], stdout, stderr)
	case "rotate":
		return keysRotate(ctx, args[1:], stdout, stderr)
	case "retire":
		return keysRetire(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "shebao keys: unknown subcommand %q\n%s", args[0], keysUsage)
	return 2
}

// keysEnv is what every keys subcommand works on.
type keysEnv struct {
	dir    string
	sealer *pii.Sealer
	db     engine
	store  rekey.Store
	audit  *operator.Service
}

func keysFlags(name string, stderr io.Writer) (*flag.FlagSet, *string, *string) {
	fs := flag.NewFlagSet("keys "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", envOrDefault("SHEBAO_DATA", "data"), "data directory (SHEBAO_DATA)")
	db := fs.String("db", os.Getenv("SHEBAO_DB"), "database URL; empty for SQLite in the data directory (SHEBAO_DB)")
	return fs, data, db
}

// openKeysEnv opens the keyring the servers use (never creating a key) and
// the database they use (never creating one either).
func openKeysEnv(ctx context.Context, data, db string) (*keysEnv, error) {
	dir := filepath.Join(data, "keys")
	sealer, err := pii.OpenKeyring(dir, rand.Reader)
	if err != nil {
		return nil, err
	}
	if !isPostgres(db) && db == "" {
		if _, err := os.Stat(filepath.Join(data, "shebao.db")); err != nil {
			return nil, fmt.Errorf("no database in %s: %w", data, err)
		}
	}
	e, err := openEngine(ctx, db, data)
	if err != nil {
		return nil, err
	}
	st, ok := e.(rekey.Store)
	if !ok {
		e.Close()
		return nil, fmt.Errorf("this database engine cannot re-seal")
	}
	ops := operator.NewService(operator.Deps{Store: e.OperatorStore(), Now: time.Now, Random: rand.Reader, Log: slog.New(slog.DiscardHandler)})
	return &keysEnv{dir: dir, sealer: sealer, db: e, store: st, audit: ops}, nil
}

func keysStatus(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, data, db := keysFlags("status", stderr)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	env, err := openKeysEnv(ctx, *data, *db)
	if err != nil {
		fmt.Fprintf(stderr, "shebao keys status: %v\n", err)
		return 1
	}
	defer env.db.Close()
	counts, err := env.store.SealedKeyCounts(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "shebao keys status: %v\n", err)
		return 1
	}
	if !printKeys(stdout, env.dir, env.sealer.Keys(), counts) {
		return 1
	}
	return 0
}

// printKeys prints one line per key, and one per key id that sealed values
// name but the ring lacks; it reports false if there is such an id.
func printKeys(w io.Writer, dir string, keys []pii.KeyInfo, counts []rekey.KeyCount) bool {
	by := rekey.ValuesByKey(counts)
	fmt.Fprintf(w, "personal-data keys in %s:\n", dir)
	for _, k := range keys {
		state := ""
		if k.Current {
			state = "current"
		}
		fmt.Fprintf(w, "  key %-3d created %s  %-7s  %d sealed values\n", k.ID, k.Created.UTC().Format(time.RFC3339), state, by[k.ID])
		delete(by, k.ID)
	}
	ok := true
	missing := make([]int, 0, len(by))
	for id := range by {
		missing = append(missing, id)
	}
	slices.Sort(missing)
	for _, id := range missing {
		ok = false
		fmt.Fprintf(w, "  key %-3d NOT IN THE KEYRING       %d sealed values cannot be opened: restore this key's file and %s from a backup\n",
			id, by[id], "pii-keyring.json")
	}
	return ok
}

func keysRetire(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, data, db := keysFlags("retire", stderr)
	id := fs.Int("id", 0, "the key to retire")
	reason := fs.String("reason", "retired after rotation", "why, for the operator audit log")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *id <= 0 {
		fmt.Fprintf(stderr, "shebao keys retire: give --id N, a key `shebao keys status` lists\n")
		return 2
	}
	env, err := openKeysEnv(ctx, *data, *db)
	if err != nil {
		fmt.Fprintf(stderr, "shebao keys retire: %v\n", err)
		return 1
	}
	defer env.db.Close()
	counts, err := env.store.SealedKeyCounts(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "shebao keys retire: %v\n", err)
		return 1
	}
	if n := rekey.ValuesByKey(counts)[*id]; n > 0 {
		fmt.Fprintf(stderr, "shebao keys retire: refused: key %d still seals %d values; run `shebao keys rotate` to move them to the current key, then retire it\n", *id, n)
		return 1
	}
	target := fmt.Sprintf("personal-data key %d", *id)
	if err := env.audit.Record(ctx, operator.Entry{Operator: "cli", Action: "pii.key.retire", Target: target, Reason: *reason}); err != nil {
		fmt.Fprintf(stderr, "shebao keys retire: %v\n", err)
		return 1
	}
	if err := pii.RemoveKey(env.dir, *id); err != nil {
		fmt.Fprintf(stderr, "shebao keys retire: %v\n", err)
		_ = env.audit.Record(ctx, operator.Entry{Operator: "cli", Action: "pii.key.retire.failed", Target: target, Reason: *reason})
		return 1
	}
	fmt.Fprintf(stdout, "key %d retired: removed from the keyring and its file deleted (backups made before now keep their own copy).\n", *id)
	return 0
}
