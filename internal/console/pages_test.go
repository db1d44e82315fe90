package console_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/console/consoletest"
	"github.com/shebao-project/shebao/internal/operator"
	"github.com/shebao-project/shebao/internal/payment"
)

// TestDashboardAndExport: the dashboard draws collections as SVG from this
// server only; the CSV export has the same rows, is guarded against
// formula injection, and is audit-logged.
func TestDashboardAndExport(t *testing.T) {
	w := consoletest.New(t)
	a, b := w.Person(t, 1), w.Person(t, 2)
	w.Order(t, a, "2026-04", 80_000, payment.Credited)
	w.Order(t, b, "2026-04", 50_050, payment.Credited)
	w.Order(t, b, "2026-05", 10_000, payment.Closed)
	h := newConsole(t, w)
	token := signIn(t, w, "audit.li", operator.Auditor)
	rec := do(t, h, http.MethodGet, "/admin/?days=7", token, nil)
	body := rec.Body.String()
	for _, want := range []string{"¥1,300.50", "66.7%", "<svg class=\"chart\"", "按险种", "企业职工基本养老保险", "微信支付"} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	if strings.Contains(body, "http://") || strings.Contains(body, "https://") {
		t.Error("dashboard refers to another host")
	}
	rec = do(t, h, http.MethodGet, "/admin/export/collections.csv?days=7", token, nil)
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("export: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(rec.Body.String(), "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[1][0] != "2026-06-01" || recs[1][6] != "2" || recs[1][7] != "1300.50" {
		t.Fatalf("csv %q", recs)
	}
	es, _ := w.Operators.Recent(w.Ctx, 0, 1)
	if es[0].Action != "export.collections" || es[0].Operator != "audit.li" {
		t.Fatalf("export not audited: %+v", es[0])
	}
}

func TestReconPage(t *testing.T) {
	w := consoletest.New(t)
	d := payment.Diff{Channel: "wechatpay", Date: "2026-05-31", OutTradeNo: "SB20260531XYZ", Kind: payment.DiffUnknownOrder,
		Detail: "bill shows ¥300.00 paid", Action: "operator: identify the payer and refund"}
	if err := w.DB.RecordDiff(w.Ctx, d, w.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	h := newConsole(t, w)
	token := signIn(t, w, "li.na", operator.Reviewer)
	if body := do(t, h, http.MethodGet, "/admin/recon", token, nil).Body.String(); !strings.Contains(body, d.OutTradeNo) {
		t.Fatal("difference not listed")
	}
	form := url.Values{"channel": {d.Channel}, "date": {d.Date}, "out_trade_no": {d.OutTradeNo}, "kind": {d.Kind}, "reason": {"refunded at the provider"}}
	if rec := do(t, h, http.MethodPost, "/admin/recon/resolve", token, form); rec.Code != http.StatusSeeOther {
		t.Fatalf("resolve: %d", rec.Code)
	}
	if body := do(t, h, http.MethodGet, "/admin/recon", token, nil).Body.String(); strings.Contains(body, d.OutTradeNo) {
		t.Fatal("resolved difference still listed")
	}
	if rec := do(t, h, http.MethodPost, "/admin/recon/resolve", token, form); rec.Code != http.StatusNotFound {
		t.Fatalf("resolve twice: %d", rec.Code)
	}
}

// TestOperatorsPage: an administrator creates an operator and sees the
// TOTP URI once; the new operator can sign in with it.
func TestOperatorsPage(t *testing.T) {
	w := consoletest.New(t)
	h := newConsole(t, w)
	token := signIn(t, w, "admin", operator.Administrator)
	rec := do(t, h, http.MethodPost, "/admin/operators", token, url.Values{"name": {"zhou"}, "role": {"support"},
		"password": {consoletest.Password}, "reason": {"new support staff"}})
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "otpauth://totp/shebao:zhou?") {
		t.Fatalf("create: %d", rec.Code)
	}
	if body := do(t, h, http.MethodGet, "/admin/operators", token, nil).Body.String(); strings.Contains(body, "otpauth://") {
		t.Fatal("the TOTP secret is shown again")
	}
	if body := do(t, h, http.MethodGet, "/admin/audit", token, nil).Body.String(); !strings.Contains(body, "审计链校验通过") || !strings.Contains(body, "operator.create") {
		t.Fatal("audit page: chain not verified or creation missing")
	}
}

// TestLoginLimits: the account locks after five failures; an address that
// keeps failing across names is slowed down too.
func TestLoginLimits(t *testing.T) {
	w := consoletest.New(t)
	h := newConsole(t, w)
	c := w.Operator(t, "li.na", operator.Reviewer)
	try := func(name, pw, code string) int {
		return serve(h, newPost("/admin/login", strings.NewReader(url.Values{"name": {name}, "password": {pw}, "code": {code}}.Encode()))).Code
	}
	for i := range 5 {
		want := http.StatusUnauthorized
		if i == 4 {
			want = http.StatusTooManyRequests
		}
		if got := try("li.na", "wrong password", "000000"); got != want {
			t.Fatalf("failure %d: %d, want %d", i+1, got, want)
		}
	}
	w.Clock.Advance(30 * time.Second)
	if got := try("li.na", consoletest.Password, w.Code(t, c)); got != http.StatusTooManyRequests {
		t.Fatalf("locked account: %d", got)
	}
	w.Clock.Advance(16 * time.Minute) // the account lock ended
	for i := range 20 {
		_ = try("nobody"+string(rune('a'+i)), "x", "000000")
	}
	if got := try("li.na", consoletest.Password, w.Code(t, c)); got != http.StatusTooManyRequests {
		t.Fatalf("address over its limit: %d", got)
	}
}
