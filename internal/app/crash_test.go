package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/loadtest"
)

// TestCrashUnderLoad kills the server with SIGKILL at random moments while
// simulated citizens pay, restarts it each time, and then checks that no
// payment was lost or doubled: `shebao reconcile` finds every payment the
// sandbox took, and `shebao audit` finds the books balanced. The sandbox
// runs as its own process, like WeChat Pay, and survives the kills.
// SHEBAO_CRASH_KILLS sets the number of kills (20 by default; hundreds by
// hand). The "faults" run does the same with the sandbox's fault injection
// on: every notification duplicated and delivered out of order, some lost,
// WeChat Pay slow and failing some prepay and query calls.
func TestCrashUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	kills := 20
	if v, err := strconv.Atoi(os.Getenv("SHEBAO_CRASH_KILLS")); err == nil && v > 0 {
		kills = v
	}
	t.Run("plain", func(t *testing.T) { crashUnderLoad(t, kills, nil) })
	t.Run("faults", func(t *testing.T) {
		crashUnderLoad(t, max(kills/2, 5), map[string]any{"duplicate_notifications": 2, "drop_notifications": 3,
			"reorder": true, "latency_ms": 15, "fail_next": []map[string]any{
				{"route": "prepay", "status": 500, "code": "SYSTEM_ERROR", "count": 2},
				{"route": "query", "status": 500, "code": "SYSTEM_ERROR", "count": 3}}})
	})
}

// crashUnderLoad is one crash run; faults, if any, are set on the sandbox
// before each start of the server.
func crashUnderLoad(t *testing.T, kills int, faults map[string]any) {
	bin := filepath.Join(t.TempDir(), "shebao")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/shebao").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := t.TempDir()
	db := testDB(t) // "" (SQLite) or a fresh PostgreSQL schema
	sbAddr, appAddr := freeAddr(t), freeAddr(t)
	sandbox := start(t, bin, "sandbox", "--addr", sbAddr, "--data", data, "--fast-notify")
	defer stop(sandbox)
	waitHTTP(t, "http://"+sbAddr+"/sandbox/sms?phone=1")
	serve := []string{"serve", "--addr", appAddr, "--data", data, "--db", db, "--sandbox-url", "http://" + sbAddr, "--job-lease", "2s", "--log-level", "error",
		// The load generator is one client address; the per-address sign-in
		// limit would throttle it, not the platform.
		"--auth-per-minute", "0"}
	rng := rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano())))
	orders := 0
	for i := 0; i < kills; i++ {
		if faults != nil {
			setFaults(t, "http://"+sbAddr, faults)
		}
		srv := start(t, bin, serve...)
		waitHTTP(t, "http://"+appAddr+"/healthz")
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan *loadtest.Summary, 1)
		go func() {
			s, _ := loadtest.Run(ctx, loadtest.Config{URL: "http://" + appAddr, SandboxURL: "http://" + sbAddr,
				Citizens: 8, Duration: 5 * time.Second, SignatureSample: time.Millisecond, Pool: 16})
			done <- s
		}()
		time.Sleep(time.Duration(300+rng.IntN(900)) * time.Millisecond)
		_ = srv.Process.Signal(syscall.SIGKILL)
		_ = srv.Wait()
		cancel()
		if s := <-done; s != nil {
			orders += s.Orders
		}
	}
	// Restart for good: notifications the sandbox still retries arrive,
	// posting jobs of the killed processes run again after their lease.
	srv := start(t, bin, serve...)
	defer stop(srv)
	waitHTTP(t, "http://"+appAddr+"/healthz")
	t.Logf("%d kills; %d orders seen completed by the load generator before the kills", kills, orders)
	var open []json.RawMessage
	deadline := time.Now().Add(90 * time.Second)
	for {
		time.Sleep(2 * time.Second)
		var rec struct {
			Differences []struct {
				Kind     string `json:"Kind"`
				Resolved bool   `json:"Resolved"`
			} `json:"differences"`
		}
		out, _ := exec.Command(bin, "reconcile", "--data", data, "--db", db, "--sandbox-url", "http://"+sbAddr).Output()
		_ = json.Unmarshal(out, &rec)
		open = open[:0]
		for _, d := range rec.Differences {
			if !d.Resolved {
				open = append(open, json.RawMessage(fmt.Sprintf("%q", d.Kind)))
			}
		}
		state := auditState(t, bin, data, db)
		settled := state["paid"]+state["posting"] == 0
		if len(open) == 0 && settled {
			t.Logf("settled: %v", state)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not settled after 90 s: open differences %s, states %v", open, state)
		}
	}
	var out bytes.Buffer
	cmd := exec.Command(bin, "audit", "--data", data, "--db", db, "--sandbox-url", "http://"+sbAddr)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("shebao audit after %d kills: %v\n%s", kills, err, out.String())
	}
}

func auditState(t *testing.T, bin, data, db string) map[string]int {
	out, _ := exec.Command(bin, "audit", "--data", data, "--db", db, "--json").Output()
	var rep struct {
		ByState  map[string]int `json:"by_state"`
		Problems []string       `json:"problems"`
	}
	_ = json.Unmarshal(out, &rep)
	return rep.ByState
}

func start(t *testing.T, bin string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = nil, nil
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

func stop(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	_ = cmd.Wait()
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitHTTP(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(url); err == nil {
			res.Body.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not answer", url)
}

// setFaults sets the WeChat Pay sandbox's fault injection.
func setFaults(t *testing.T, sandboxURL string, faults map[string]any) {
	t.Helper()
	b, _ := json.Marshal(faults)
	res, err := http.Post(sandboxURL+"/sandbox/wechatpay/control/faults", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusNoContent {
		t.Fatalf("set sandbox faults: %s", res.Status)
	}
}
