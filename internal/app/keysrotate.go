package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/shebao-project/shebao/internal/operator"
	"github.com/shebao-project/shebao/internal/pii"
	"github.com/shebao-project/shebao/internal/rekey"
)

// keysRotate implements `shebao keys rotate`: make a new current key, then
// re-seal every sealed value with it. A run finds out what to do from the
// store, which is what makes it resumable: while any value is not on the
// current key, it carries on re-sealing instead of making another key.
func keysRotate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs, data, db := keysFlags("rotate", stderr)
	batch := fs.Int("batch", 500, "rows re-sealed per transaction")
	batches := fs.Int("batches", 0, "stop after this many batches (0: run to the end); run again to carry on")
	noReseal := fs.Bool("no-reseal", false, "only make the new key current; re-seal in a later run (after copying the key files to other nodes)")
	reason := fs.String("reason", "scheduled key rotation", "why, for the operator audit log")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *batch <= 0 || *batches < 0 {
		fmt.Fprintln(stderr, "shebao keys rotate: --batch must be positive and --batches not negative")
		return 2
	}
	env, err := openKeysEnv(ctx, *data, *db)
	if err != nil {
		fmt.Fprintf(stderr, "shebao keys rotate: %v\n", err)
		return 1
	}
	defer env.db.Close()
	fail := func(err error) int {
		fmt.Fprintf(stderr, "shebao keys rotate: %v\n", err)
		return 1
	}
	counts, err := env.store.SealedKeyCounts(ctx)
	if err != nil {
		return fail(err)
	}
	if cur := env.sealer.Current().ID(); rekey.NotOn(counts, cur) > 0 {
		fmt.Fprintf(stdout, "%d sealed values are not on the current key %d yet: carrying on re-sealing them (no new key made)\n",
			rekey.NotOn(counts, cur), cur)
	} else if err := newCurrentKey(ctx, env, *reason, stdout); err != nil {
		return fail(err)
	}
	id := env.sealer.Current().ID()
	if *noReseal {
		fmt.Fprintf(stdout, "not re-sealing now. Copy keys/pii-%d.key and keys/pii-keyring.json into the data directory of every "+
			"node that serves this database, then run `shebao keys rotate` again to re-seal.\n", id)
		return 0
	}
	if err := env.audit.Record(ctx, operator.Entry{Operator: "cli", Action: "pii.reseal", Target: fmt.Sprintf("personal-data key %d", id),
		Reason: *reason}); err != nil {
		return fail(err)
	}
	res, err := rekey.Reseal(ctx, env.store, env.sealer, rekey.Options{Batch: *batch, MaxBatches: *batches,
		Progress: func(table string, n int) { fmt.Fprintf(stdout, "re-sealed %d %s\n", n, table) }})
	fmt.Fprintf(stdout, "re-sealed %d rows with key %d; %d changed meanwhile and were read again\n", res.Resealed, res.KeyID, res.Skipped)
	for _, u := range res.Unopenable {
		fmt.Fprintf(stderr, "cannot open, left as is: %s\n", u)
	}
	if errors.Is(err, rekey.ErrStopped) {
		fmt.Fprintf(stdout, "stopped after %d batches as asked; run `shebao keys rotate` again to carry on\n", *batches)
		return 0
	} else if err != nil {
		return fail(err)
	}
	if counts, err = env.store.SealedKeyCounts(ctx); err != nil {
		return fail(err)
	}
	printKeys(stdout, env.dir, env.sealer.Keys(), counts)
	if left := rekey.NotOn(counts, id); left > 0 || len(res.Unopenable) > 0 {
		fmt.Fprintf(stderr, "shebao keys rotate: %d values are still on older keys; run again (a server that has not loaded key %d "+
			"yet may still be writing with an older one)\n", left, id)
		return 1
	}
	fmt.Fprintf(stdout, "every sealed value is on key %d; older keys can now be retired with `shebao keys retire --id N`\n", id)
	return 0
}

// newCurrentKey makes a key and makes it current, recorded in the operator
// audit log first (as every operator action is: record, then act).
func newCurrentKey(ctx context.Context, env *keysEnv, reason string, stdout io.Writer) error {
	next := 1
	for _, k := range env.sealer.Keys() {
		next = max(next, k.ID+1)
	}
	target := fmt.Sprintf("personal-data key %d", next)
	if err := env.audit.Record(ctx, operator.Entry{Operator: "cli", Action: "pii.key.rotate", Target: target, Reason: reason}); err != nil {
		return err
	}
	id, err := pii.AddKey(env.dir, time.Now(), rand.Reader)
	if err != nil {
		_ = env.audit.Record(ctx, operator.Entry{Operator: "cli", Action: "pii.key.rotate.failed", Target: target, Reason: reason})
		return err
	}
	fmt.Fprintf(stdout, "made key %d, now the current key. Servers using this data directory take it up before their next "+
		"seal or lookup, without a restart.\n", id)
	return nil
}
