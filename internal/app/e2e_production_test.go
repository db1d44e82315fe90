package app_test

import (
	"encoding/json"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/app"
	"github.com/shebao-project/shebao/internal/config"
	"github.com/shebao-project/shebao/internal/identity"
)

// TestE2EProduction runs shebao in production mode: no demo data, no
// sandbox in the process, and the agency's credentials and gateways read
// from --outside DIR in the files WeChat Pay, WeChat and the card bank
// issue (here a sandbox running apart stands in for all of them, as a
// deployment points the same files at the real services). A person the
// agency registered pays a bill from sign-in to vouchers.
func TestE2EProduction(t *testing.T) {
	sbData := t.TempDir()
	sbURL := app.StartSandbox(t, sbData)
	outside := t.TempDir()
	copyDir(t, filepath.Join(sbData, "sandbox"), outside)
	g, _ := json.Marshal(map[string]string{"sms_url": sbURL + "/sandbox/sms", "face_url": sbURL + "/sandbox/face",
		"core_url": sbURL + "/sandbox/core", "card_bank_url": sbURL + "/sandbox/ssc"})
	if err := os.WriteFile(filepath.Join(outside, "gateways.json"), g, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), DB: testDB(t), Demo: false, OutsideDir: outside,
		LogFormat: "text", LogLevel: "warn"}
	run, err := app.Start(t.Context(), cfg, app.Options{Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("production start: %v", err)
	}
	t.Cleanup(func() { _ = run.Stop(10 * time.Second) })
	e := &env{URL: run.URL, run: run, hc: &http.Client{Timeout: 15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	e.loadOpenAPI(t)

	// No demo people, no sandbox here.
	e.raw(t, http.MethodGet, "/sandbox/sms?phone=13800000001", nil, nil).want(t, http.StatusNotFound)
	// The agency registers and enrols a person (in a deployment: from the
	// core system's insured register).
	ctx := t.Context()
	p, err := run.App.Identity.Register(ctx, identity.NewPerson{ID: "per_prod01", Region: "110000", Type: identity.Flexible,
		Name: "赵敏", IDNumber: "110105199001011232", Phone: "13900000009", OpenID: "oProdOA0000000000000000000001"})
	if err != nil {
		t.Fatal(err)
	}
	if err := run.App.Identity.Enrol(ctx, identity.Enrolment{PersonID: p.ID, Insurance: "110", Status: "active", Since: "2026-01", Base: "floor"}); err != nil {
		t.Fatal(err)
	}
	es, _ := run.App.Identity.Enrolments(ctx, p.ID)
	if err := run.App.Billing.EnsureCurrent(ctx, p, es); err != nil {
		t.Fatal(err)
	}

	// Sign in through the agency's SMS gateway (the sandbox apart shows the code).
	e.call(t, http.MethodPost, "/api/v1/auth/sms-codes", "", nil, map[string]string{"phone": p.Phone}).want(t, http.StatusAccepted)
	var code struct {
		Messages []struct{ Code string } `json:"messages"`
	}
	getJSON(t, sbURL+"/sandbox/sms?phone="+p.Phone, &code)
	var s struct {
		Token string `json:"token"`
	}
	e.call(t, http.MethodPost, "/api/v1/auth/sessions", "", nil,
		map[string]string{"method": "sms", "phone": p.Phone, "code": code.Messages[len(code.Messages)-1].Code}).want(t, http.StatusCreated).json(t, &s)
	o := e.order(t, s.Token, "prod-1", ids(e.bills(t, s.Token)))
	if o.Pay.CashierURL != "" {
		t.Errorf("production order offers a sandbox cashier: %s", o.Pay.CashierURL)
	}
	// The person pays in WeChat (here: the sandbox's payment sheet apart).
	res, err := http.Post(sbURL+"/sandbox/wechatpay/cashier/"+o.Pay.PrepayID, "application/json", strings.NewReader(`{"outcome":"success"}`))
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("pay at the sandbox: %v %v", res, err)
	}
	res.Body.Close()
	e.waitState(t, s.Token, o.ID, "credited")
	if vs := e.vouchers(t, s.Token, o.ID); len(vs) != 3 {
		t.Errorf("%d vouchers, want 3", len(vs))
	}
}

// TestProductionRefusesMissingCredentials: nothing is created in
// production; a missing file stops the start and is named.
func TestProductionRefusesMissingCredentials(t *testing.T) {
	outside := t.TempDir()
	g, _ := json.Marshal(map[string]string{"sms_url": "http://127.0.0.1:1/sms", "face_url": "http://127.0.0.1:1/face",
		"core_url": "http://127.0.0.1:1/core", "card_bank_url": "http://127.0.0.1:1/ssc"})
	if err := os.WriteFile(filepath.Join(outside, "gateways.json"), g, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := app.Start(t.Context(), config.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Demo: false, OutsideDir: outside,
		LogFormat: "text", LogLevel: "warn"}, app.Options{Log: slog.New(slog.DiscardHandler)})
	if err == nil {
		t.Fatal("production started without WeChat credentials")
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 1 {
		t.Errorf("production wrote into --outside: %d entries", len(entries))
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o700)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
