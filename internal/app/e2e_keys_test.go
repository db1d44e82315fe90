package app_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/shebao-project/shebao/internal/app"
)

// keysCmd runs `shebao keys …` (or another command with a subcommand) on e's data directory
// and database, and checks that nothing it prints holds a demo person's ID
// number, phone or name: the key commands print ids and counts only.
func keysCmd(t *testing.T, e *env, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	// Flags go after the command and subcommand, before any file name.
	full := append(append(args[:2:2], "--data", e.DataDir, "--db", e.DB), args[2:]...)
	code := app.Main(full, nil, &out, &out)
	for i, d := range app.DemoPeople {
		for _, s := range []string{app.DemoIDNumber(i), d.Phone, d.Name} {
			if strings.Contains(out.String(), s) {
				t.Fatalf("%v printed personal data %q:\n%s", args, s, out.String())
			}
		}
	}
	return code, out.String()
}

// keyLine matches a `keys status` line: key id, state, sealed values.
var keyLine = regexp.MustCompile(`key (\d+)\s+created \S+\s+(current)?\s+(\d+) sealed values`)

func keyCounts(t *testing.T, e *env) map[string]string {
	t.Helper()
	code, out := keysCmd(t, e, "keys", "status")
	if code != 0 {
		t.Fatalf("keys status: exit %d\n%s", code, out)
	}
	got := map[string]string{}
	for _, m := range keyLine.FindAllStringSubmatch(out, -1) {
		got[m[1]] = m[3]
		if m[2] != "" {
			got["current"] = m[1]
		}
	}
	return got
}

// TestE2EKeyRotation: with persons, orders, vouchers and an operator in the
// store, `keys rotate` is interrupted and resumed while the server runs; the
// running server takes up the new key, every sealed value ends on it, the
// blind indexes still find people by phone (sign-in) and by ID number (the
// register import), after a restart too, and the old key can be retired
// only once nothing uses it.
func TestE2EKeyRotation(t *testing.T) {
	t.Parallel()
	e := startApp(t)
	for i := range 2 {
		token, _ := e.login(t, app.DemoPeople[i].Phone)
		e.payOrder(t, token, e.order(t, token, fmt.Sprintf("keys-%d", i), ids(e.bills(t, token))))
	}
	if code, out := keysCmd(t, e, "admin", "create-operator", "--name", "keyofficer", "--password", "a long passphrase 2026"); code != 0 {
		t.Fatalf("create-operator: exit %d\n%s", code, out)
	}
	before := keyCounts(t, e)
	if before["current"] != "1" || before["1"] == "0" {
		t.Fatalf("before rotation: %v, want everything on key 1", before)
	}
	if code, out := keysCmd(t, e, "keys", "retire", "--id", "1"); code == 0 || !strings.Contains(out, "refused") {
		t.Fatalf("retire of a key in use: exit %d\n%s", code, out)
	}

	// Interrupted: two batches of one row, then it stops as a kill would.
	code, out := keysCmd(t, e, "keys", "rotate", "--batch", "1", "--batches", "2")
	if code != 0 || !strings.Contains(out, "made key 2") || !strings.Contains(out, "stopped after 2 batches") {
		t.Fatalf("interrupted rotate: exit %d\n%s", code, out)
	}
	half := keyCounts(t, e)
	if half["current"] != "2" || half["2"] != "6" || half["1"] == "0" {
		t.Fatalf("half-way: %v, want 2 rows (6 values) on key 2, the rest on key 1", half)
	}
	// Half-way, both a moved and a not-yet-moved person sign in.
	for _, d := range app.DemoPeople[:4] {
		e.login(t, d.Phone)
	}
	if code, out := keysCmd(t, e, "keys", "retire", "--id", "1"); code == 0 || !strings.Contains(out, "still seals") {
		t.Fatalf("retire half-way: exit %d\n%s", code, out)
	}

	// Run again: it carries on instead of making key 3.
	code, out = keysCmd(t, e, "keys", "rotate", "--batch", "2")
	if code != 0 || !strings.Contains(out, "carrying on") || strings.Contains(out, "made key 3") {
		t.Fatalf("resumed rotate: exit %d\n%s", code, out)
	}
	after := keyCounts(t, e)
	if after["current"] != "2" || after["1"] != "0" || after["2"] != before["1"] {
		t.Fatalf("after rotation: %v, want all %s values on key 2", after, before["1"])
	}
	// The running server, never restarted, finds people by their new
	// indexes and keeps working.
	token, _ := e.login(t, app.DemoPeople[2].Phone)
	e.call(t, http.MethodGet, "/api/v1/me/vouchers", token, nil, nil).want(t, http.StatusOK)

	if err := e.stop(); err != nil {
		t.Fatal(err)
	}
	e = restart(t, e)
	token, _ = e.login(t, app.DemoPeople[0].Phone)
	var vs struct {
		Vouchers []map[string]any `json:"vouchers"`
	}
	e.call(t, http.MethodGet, "/api/v1/me/vouchers", token, nil, nil).want(t, http.StatusOK).json(t, &vs)
	if len(vs.Vouchers) == 0 {
		t.Fatal("after restart: the person who paid has no vouchers")
	}
	if token, _ = e.login(t, app.DemoPeople[3].Phone); len(e.bills(t, token)) == 0 {
		t.Fatal("after restart: a person who has not paid has no bills")
	}
	register := filepath.Join(t.TempDir(), "register.csv")
	d := app.DemoPeople[0]
	csv := "id_number,name,phone,region,person_type,insurances,since,base\n" +
		fmt.Sprintf("%s,%s,%s,%s,%s,110,2026-01,floor\n", app.DemoIDNumber(0), d.Name, d.Phone, d.Region, d.Type)
	if err := os.WriteFile(register, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out := keysCmd(t, e, "persons", "import", register); code != 0 || !strings.Contains(out, "imported 0 new, 1 updated") {
		t.Fatalf("the ID-number index did not find the person: exit %d\n%s", code, out)
	}

	if code, out := keysCmd(t, e, "keys", "retire", "--id", "1"); code != 0 || !strings.Contains(out, "key 1 retired") {
		t.Fatalf("retire after rotation: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(e.DataDir, "keys", "pii.key")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("key 1's file is still there: %v", err)
	}
	if got := keyCounts(t, e); len(got) != 2 || got["current"] != "2" {
		t.Fatalf("after retiring key 1: %v, want key 2 alone", got)
	}
	if code, out := keysCmd(t, e, "admin", "verify-audit"); code != 0 {
		t.Fatalf("verify-audit: exit %d\n%s", code, out)
	}
	if err := e.stop(); err != nil {
		t.Fatal(err)
	}
	e = restart(t, e)
	e.login(t, app.DemoPeople[1].Phone)
	if e.DB != "" {
		return // a PostgreSQL backup is restored with pg_restore (TestBackupRestoreDrill)
	}
	// A backup carries the keyring: a copy restored from it opens.
	backup := filepath.Join(t.TempDir(), "backup")
	if code, out := keysCmd(t, e, "backup", "--to="+backup); code != 0 {
		t.Fatalf("backup: exit %d\n%s", code, out)
	}
	startAppAt(t, backup, "").login(t, app.DemoPeople[0].Phone)
}
