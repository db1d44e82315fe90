package app_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestMiniProgram runs the reference WeChat mini-program's Node tests
// (clients/miniprogram/test) against a real shebao in demo mode: a WeChat
// user binds by SMS, agrees to notifications, cancels once, pays, gets the
// vouchers and the payment_result subscription message, all through the
// mini-program's own lib/ and the public API. Node is optional locally; CI
// sets SHEBAO_REQUIRE_NODE=1 so a missing node fails instead of skipping.
func TestMiniProgram(t *testing.T) {
	t.Parallel()
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("SHEBAO_REQUIRE_NODE") == "1" {
			t.Fatalf("node is not on PATH and SHEBAO_REQUIRE_NODE=1: %v", err)
		}
		t.Skipf("node is not on PATH (%v): skipping the mini-program test; set SHEBAO_REQUIRE_NODE=1 to make this a failure", err)
	}
	dir, err := filepath.Abs(filepath.Join("..", "..", "clients", "miniprogram", "test"))
	if err != nil {
		t.Fatal(err)
	}
	// The test files, named one by one: Node 20 runs every .js file of a
	// directory given to --test (fakewx.js too), later versions take globs.
	files, err := filepath.Glob(filepath.Join(dir, "*.test.js"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no *.test.js in %s (%v)", dir, err)
	}

	e := startApp(t)
	data, err := os.ReadFile(filepath.Join(e.DataDir, "sandbox", "miniprogram", "wechat-app.json"))
	if err != nil {
		t.Fatalf("the WeChat sandbox's mini-program: %v", err)
	}
	var wxApp struct {
		AppID string `json:"appid"`
	}
	if err := json.Unmarshal(data, &wxApp); err != nil || wxApp.AppID == "" {
		t.Fatalf("sandbox/miniprogram/wechat-app.json has no appid (%v): %s", err, data)
	}

	cmd := exec.CommandContext(t.Context(), node, append([]string{"--test", "--test-reporter=spec"}, files...)...)
	cmd.Dir = filepath.Dir(dir)
	cmd.Env = append(os.Environ(), "SHEBAO_URL="+e.URL, "SHEBAO_WX_APPID="+wxApp.AppID, "NO_COLOR=1", "FORCE_COLOR=0")
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	t.Logf("node --test (%s):\n%s", cmd.Dir, out)
	if err != nil {
		t.Fatalf("node --test: %v", err)
	}
}
