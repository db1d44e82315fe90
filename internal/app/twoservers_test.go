package app_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/loadtest"
)

// TestTwoServersOnePostgres runs two `shebao serve` processes on one
// PostgreSQL database under load, each taking citizens and running jobs,
// then checks nothing was processed twice: every order credited once
// (reconciliation with the sandbox's trade bill) and the books balanced
// (`shebao audit`). It needs SHEBAO_TEST_POSTGRES.
func TestTwoServersOnePostgres(t *testing.T) {
	if os.Getenv("SHEBAO_TEST_POSTGRES") == "" {
		t.Skip("set SHEBAO_TEST_POSTGRES=postgres://… to run two servers on one PostgreSQL")
	}
	bin := filepath.Join(t.TempDir(), "shebao")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/shebao").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data, db := t.TempDir(), testDB(t)
	sbAddr := freeAddr(t)
	sandbox := start(t, bin, "sandbox", "--addr", sbAddr, "--data", data, "--fast-notify")
	defer stop(sandbox)
	waitHTTP(t, "http://"+sbAddr+"/sandbox/sms?phone=1")
	var addrs []string
	for i := 0; i < 2; i++ { // one after the other: the first seeds the demo data
		addr := freeAddr(t)
		srv := start(t, bin, "serve", "--addr", addr, "--data", data, "--db", db, "--sandbox-url", "http://"+sbAddr, "--log-level", "error", "--auth-per-minute", "0")
		defer stop(srv)
		waitHTTP(t, "http://"+addr+"/healthz")
		addrs = append(addrs, addr)
	}
	var wg sync.WaitGroup
	sums := make([]*loadtest.Summary, len(addrs))
	for i, addr := range addrs {
		wg.Go(func() {
			sums[i], _ = loadtest.Run(context.Background(), loadtest.Config{URL: "http://" + addr, SandboxURL: "http://" + sbAddr,
				Citizens: 6, Count: 40, SignatureSample: time.Millisecond})
		})
	}
	wg.Wait()
	for i, s := range sums {
		if s == nil || s.Orders != 40 || s.Errors != 0 {
			t.Fatalf("server %d: %+v", i, s)
		}
	}
	out, err := exec.Command(bin, "reconcile", "--data", data, "--db", db, "--sandbox-url", "http://"+sbAddr).CombinedOutput()
	if err != nil {
		t.Fatalf("reconcile: %v\n%s", err, out)
	}
	var audit bytes.Buffer
	cmd := exec.Command(bin, "audit", "--data", data, "--db", db, "--sandbox-url", "http://"+sbAddr)
	cmd.Stdout, cmd.Stderr = &audit, &audit
	if err := cmd.Run(); err != nil {
		t.Fatalf("audit: %v\n%s", err, audit.String())
	}
	t.Logf("two servers, 80 orders: %s", bytes.TrimSpace(audit.Bytes()))
}
