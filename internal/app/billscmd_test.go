package app_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/app"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/policy"
)

// TestBillsGenerate: the monthly run over the demo population issues next
// month's bills for the flexible workers' monthly insurance types (the
// resident's annual premium is not monthly), refuses nobody, and a second
// run issues nothing.
func TestBillsGenerate(t *testing.T) {
	t.Parallel()
	e := startApp(t)
	if err := e.stop(); err != nil {
		t.Fatal(err)
	}
	next := policy.MonthOf(time.Now().In(payment.Beijing())).Add(1).String()
	run := func() (res struct {
		Month    string         `json:"month"`
		Persons  int            `json:"persons"`
		Issued   int            `json:"bills_issued"`
		Existing int            `json:"bills_existing"`
		Refused  map[string]int `json:"refused"`
	}) {
		t.Helper()
		var out, errOut bytes.Buffer
		if code := app.Main([]string{"bills", "generate", "--data", e.DataDir, "--db", e.DB, "--month", next, "--quiet"}, nil, &out, &errOut); code != 0 {
			t.Fatalf("bills generate exit %d: %s", code, errOut.String())
		}
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			t.Fatalf("%v: %s", err, out.String())
		}
		return res
	}
	// 张伟 pension and medical, 李娜, 王芳, 陈建国 and 周敏 pension; 刘洋 and
	// 黄秀英 pay annually.
	first := run()
	if first.Month != next || first.Persons != len(app.DemoPeople) || first.Issued != 6 || first.Existing != 0 || len(first.Refused) != 0 {
		t.Fatalf("first run %+v: want %s, %d persons, 6 bills issued, none refused", first, next, len(app.DemoPeople))
	}
	second := run()
	if second.Issued != 0 || second.Existing != 6 {
		t.Fatalf("second run %+v: want 0 issued, 6 existing", second)
	}
	var out, errOut bytes.Buffer
	if code := app.Main([]string{"bills", "generate", "--data", e.DataDir, "--month", "December"}, nil, &out, &errOut); code != 2 {
		t.Errorf("--month December: exit %d, want 2 (usage); %s", code, errOut.String())
	}
}
