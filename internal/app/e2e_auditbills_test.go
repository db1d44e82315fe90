package app_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/shebao-project/shebao/internal/app"
)

// TestE2EAuditComparesTradeBills: with --sandbox-url, `shebao audit`
// compares every channel's trade bill with the orders, and says so; without
// it, it says the bills were not compared.
func TestE2EAuditComparesTradeBills(t *testing.T) {
	t.Parallel()
	e := startApp(t)
	token, _ := e.login(t, "13800000003")
	e.payOrder(t, token, e.order(t, token, "audit-bills", ids(e.bills(t, token))))

	var out bytes.Buffer
	if code := app.Main([]string{"audit", "--data", e.DataDir, "--db", e.DB, "--sandbox-url", e.URL}, nil, &out, &out); code != 0 {
		t.Fatalf("shebao audit --sandbox-url exit %d:\n%s", code, out.String())
	}
	if !strings.Contains(out.String(), "trade bills: ssc_account, unionpay, wechatpay compared with the orders for 2 day(s)") {
		t.Errorf("audit does not say which trade bills it compared:\n%s", out.String())
	}
	out.Reset()
	if code := app.Main([]string{"audit", "--data", e.DataDir, "--db", e.DB}, nil, &out, &out); code != 0 || !strings.Contains(out.String(), "trade bills: not compared") {
		t.Errorf("audit without a sandbox: exit %d\n%s", code, out.String())
	}
	out.Reset()
	if code := app.Main([]string{"audit", "--data", e.DataDir, "--db", e.DB, "--sandbox-url", e.URL, "--bill-days", "0"}, nil, &out, &out); code != 2 {
		t.Errorf("--bill-days 0: exit %d, want 2", code)
	}
}
