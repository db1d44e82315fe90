package app_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shebao-project/shebao/internal/app"
)

// TestPersonsImport: the insured register goes in line by line; bad lines
// are named and skipped; importing it again registers nobody twice; the
// imported people then sign in and see their bills.
func TestPersonsImport(t *testing.T) {
	e := startApp(t)
	if err := e.stop(); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "register.csv")
	csv := "id_number,name,phone,region,person_type,insurances,since,base\n" +
		"110105199001011232,赵敏,13900000009,110000,flexible,110;310,2026-01,floor\n" +
		"51010419651212345X,钱多,13900000010,510100,resident,390,2026-01,\n" +
		"110105199001011233,坏号,13900000011,110000,flexible,110,2026-01,floor\n" + // wrong check digit
		"110105198001011238,孙悟,13900000012,110000,flexible,999,2026-01,floor\n" + // no such insurance
		"110105198001011238,孙悟,13900000012,999999,flexible,110,2026-01,floor\n" // no such region
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func() (int, string, string) {
		var out, errOut bytes.Buffer
		code := app.Main([]string{"persons", "import", "--data", e.DataDir, "--db", e.DB, file}, nil, &out, &errOut)
		return code, out.String(), errOut.String()
	}
	code, out, errs := run()
	if code != 1 || !strings.Contains(out, "imported 2 new, 0 updated, 3 refused") {
		t.Fatalf("first import: exit %d, %q\n%s", code, out, errs)
	}
	for _, want := range []string{"line 4: 身份证号码不正确", "line 5: insurance \"999\" is not offered", "line 6: "} {
		if !strings.Contains(errs, want) {
			t.Errorf("errors do not say %q:\n%s", want, errs)
		}
	}
	if code, out, _ = run(); !strings.Contains(out, "imported 0 new, 2 updated, 3 refused") {
		t.Fatalf("second import: exit %d, %q", code, out)
	}

	// The imported person signs in and has this month's bills.
	e2 := restart(t, e)
	token, p := e2.login(t, "13900000009")
	if p.Region != "110000" {
		t.Errorf("imported person's region %s", p.Region)
	}
	if bs := e2.bills(t, token); len(bs) != 2 {
		t.Errorf("imported person has %d bills, want pension and medical for this month", len(bs))
	}
}
