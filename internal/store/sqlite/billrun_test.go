package sqlite_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/policy"
	"github.com/shebao-project/shebao/internal/store/sqlite"
	"github.com/shebao-project/shebao/policies"
)

// runRegions are the synthetic population's regions and what each person
// is enrolled in: flexible workers paying pension, in Beijing medical too.
var runRegions = []struct {
	code  string
	items []string
}{
	{"110000", []string{"110", "310"}},
	{"440100", []string{"110"}},
	{"320100", []string{"110"}},
	{"330100", []string{"110"}},
}

// TestIssueMonth runs the monthly bill run over a synthetic population
// (SHEBAO_BILLRUN_PERSONS persons, 3,000 by default) with the real policy
// packs: every enrolment is billed exactly once, at the amount a quote for
// that person gives, and a rerun issues nothing. It logs the rate; the
// README's figure for 1,000,000 persons comes from
//
//	SHEBAO_BILLRUN_PERSONS=1000000 go test -run TestIssueMonth -v ./internal/store/sqlite/
func TestIssueMonth(t *testing.T) {
	persons := 3000
	if v := os.Getenv("SHEBAO_BILLRUN_PERSONS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("SHEBAO_BILLRUN_PERSONS=%q: want a positive number", v)
		}
		persons = n
	}
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "run.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	seedStart := time.Now()
	wantBills := seedPopulation(t, path, persons)
	t.Logf("seeded %d persons in %v", persons, time.Since(seedStart).Round(time.Millisecond))

	now := func() time.Time { return time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC) }
	eng, err := policy.Load(policies.FS, now)
	if err != nil {
		t.Fatal(err)
	}
	svc := billing.NewService(db, eng, now, rand.Reader)
	month := policy.Month{Year: 2026, Month: time.December}
	res, err := svc.IssueMonth(ctx, db, month, billing.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("issued %d bills for %d persons in %.2f s: %.0f persons/s", res.Bills, res.Persons, res.ElapsedS, float64(res.Persons)/res.ElapsedS)
	if res.Persons != persons || res.Bills != wantBills || res.Existing != 0 || len(res.Refused) != 0 {
		t.Fatalf("run = %+v; want %d persons, %d bills, none existing or refused", res, persons, wantBills)
	}

	// Spot-check amounts against what a person's own request would be
	// billed on the month's first day (billing.Service.Check, the path the
	// pages use).
	dec1 := billing.NewService(db, eng, func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }, rand.Reader)
	for i, r := range runRegions {
		id := personID(i)
		bills, err := db.BillsForPerson(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		items := make([]billing.Item, 0, len(r.items))
		for _, ins := range r.items {
			items = append(items, billing.Item{Insurance: ins, Base: "floor"})
		}
		q, err := dec1.Check(&identity.Person{ID: id, Region: r.code, Type: identity.Flexible}, "2026-12", items)
		if err != nil {
			t.Fatalf("quote %s: %v", r.code, err)
		}
		if len(bills) != len(q.Lines) {
			t.Fatalf("%s has %d bills, the quote %d lines", id, len(bills), len(q.Lines))
		}
		for j, b := range bills {
			l := q.Lines[j]
			if b.Insurance != l.Insurance || b.Period != "2026-12" || b.AmountFen != l.AmountFen || b.BaseFen != l.BaseFen || b.Policy != l.Policy {
				t.Errorf("%s bill %+v, quote line %+v", id, b, l)
			}
		}
	}

	again, err := svc.IssueMonth(ctx, db, month, billing.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Bills != 0 || again.Existing != wantBills {
		t.Fatalf("rerun = %+v; want 0 issued, %d existing", again, wantBills)
	}
}

func personID(n int) string { return fmt.Sprintf("per_run%08d", n) }

// seedPopulation writes n persons and their enrolments straight into the
// database, in one transaction: the run reads neither names nor numbers, so
// the sealed fields hold placeholders. It returns how many bills the run
// must issue.
func seedPopulation(t *testing.T, path string, n int) int {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	ctx := context.Background()
	tx, err := raw.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	insP, err := tx.PrepareContext(ctx, `INSERT INTO persons (id, region, person_type, name_sealed, id_sealed, phone_sealed,
		id_index, phone_index, name_masked, id_masked, phone_masked, created_at) VALUES (?,?,'flexible',x'00',x'00',x'00',?,?,'*','*','*',0)`)
	if err != nil {
		t.Fatal(err)
	}
	insE, err := tx.PrepareContext(ctx, `INSERT INTO enrolments (person_id, insurance, status, since, base) VALUES (?,?,'active','2020-01','floor')`)
	if err != nil {
		t.Fatal(err)
	}
	bills := 0
	for i := 0; i < n; i++ {
		r := runRegions[i%len(runRegions)]
		id := personID(i)
		if _, err := insP.ExecContext(ctx, id, r.code, "i"+id, "p"+id); err != nil {
			t.Fatal(err)
		}
		for _, ins := range r.items {
			if _, err := insE.ExecContext(ctx, id, ins); err != nil {
				t.Fatal(err)
			}
			bills++
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return bills
}
