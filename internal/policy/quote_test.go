package policy_test

import (
	"strings"
	"testing"

	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/policy"
)

func quote(t *testing.T, e *policy.Engine, req policy.QuoteRequest) *policy.Quote {
	t.Helper()
	q, err := e.Quote(req)
	if err != nil {
		t.Fatalf("Quote(%+v): %v", req, err)
	}
	return q
}

func months(from, to string) policy.Periods { return policy.Periods{From: from, To: to} }

func hasNote(q *policy.Quote, field string) bool {
	for _, n := range q.Notes {
		if n.Field == field && n.Zh != "" && n.En != "" {
			return true
		}
	}
	return false
}

// The demo people the platform seeds.
func TestDemoBeijingFloor(t *testing.T) {
	q := quote(t, engine(t), policy.QuoteRequest{Region: "110000", PersonType: "flexible",
		Items:   []policy.QuoteItem{{Insurance: "110", Base: "floor"}, {Insurance: "310", Base: "floor"}},
		Periods: months("2026-11", "2026-11")})
	// floor 7270 (rsj.beijing.gov.cn …/t20260821_4831461.html) × 20% and × 0.108 (unverified)
	if len(q.Lines) != 2 || q.Lines[0].AmountFen != 145400 || q.Lines[0].PersonalAccountFen != 58160 ||
		q.Lines[1].AmountFen != 78516 || q.TotalFen != 223916 || q.AsOf != "2026-11-26" {
		t.Fatalf("quote = %+v", q)
	}
	if !hasNote(q, "insurances[310].rate") || !hasNote(q, "rounding") || hasNote(q, "floor") {
		t.Errorf("notes = %+v", q.Notes)
	}
}

func TestDemoGuangzhouArrears(t *testing.T) {
	q := quote(t, engine(t), policy.QuoteRequest{Region: "440100", PersonType: "flexible",
		Items:   []policy.QuoteItem{{Insurance: "110", BaseFen: fen(551000)}},
		Periods: months("2026-08", "2026-11")})
	if len(q.Lines) != 4 || q.TotalFen != 4*110200 {
		t.Fatalf("quote = %+v", q)
	}
	for _, l := range q.Lines {
		if l.Policy != "440100@2026-07" || l.Kind != "" {
			t.Errorf("line %+v", l)
		}
	}
	// continuation figures and the back-payment window are unverified and must say so
	for _, f := range []string{"floor", "ceiling", "insurances[110].back_payment"} {
		if !hasNote(q, f) {
			t.Errorf("missing note %s in %+v", f, q.Notes)
		}
	}
}

func TestDemoNanjing(t *testing.T) {
	e := engine(t)
	q := quote(t, e, policy.QuoteRequest{Region: "320100", PersonType: "flexible",
		Items: []policy.QuoteItem{{Insurance: "110", Base: "floor"}}, Periods: months("2026-11", "2026-11")})
	if q.TotalFen != 99040 || q.Lines[0].Policy != "320100@2026-01" || !hasNote(q, "floor") {
		t.Fatalf("quote = %+v", q)
	}
	_, err := e.Quote(policy.QuoteRequest{Region: "320100", PersonType: "flexible",
		Items:   []policy.QuoteItem{{Insurance: "110", Base: "floor"}, {Insurance: "310", Base: "floor"}},
		Periods: months("2026-11", "2026-11")})
	if pe := policyErr(t, err); pe.Code != policy.CodeNotOnline || pe.Field != "items[1].insurance" {
		t.Fatalf("310 in Nanjing: %+v", pe)
	}
}

func TestDemoChengduResidentMedical(t *testing.T) {
	q := quote(t, engine(t), policy.QuoteRequest{Region: "510100", PersonType: "resident",
		Items: []policy.QuoteItem{{Insurance: "390"}}, Periods: months("2027", "2027")})
	l := q.Lines[0]
	if l.Period != "2027" || l.Policy != "510100@2026-01" || l.AmountFen != 40000 || q.Cycle != "annual" {
		t.Fatalf("quote = %+v", q)
	}
	if !hasNote(q, "insurances[390].annual_premiums[2027]") {
		t.Errorf("national minimum used for Chengdu must be flagged: %+v", q.Notes)
	}
}

// TestJulyChange: a quote spanning 1 July uses each month's own window.
func TestJulyChange(t *testing.T) {
	e := engine(t)
	q := quote(t, e, policy.QuoteRequest{Region: "110000", PersonType: "flexible", AsOf: "2026-07-10",
		Items: []policy.QuoteItem{{Insurance: "110", Base: "floor"}}, Periods: months("2026-06", "2026-07")})
	want := []policy.Line{
		{Insurance: "110", Period: "2026-06", Policy: "110000@2025-07", BaseFen: 716200, Rate: "0.20", AmountFen: 143240, PersonalAccountFen: 57296},
		{Insurance: "110", Period: "2026-07", Policy: "110000@2026-07", BaseFen: 727000, Rate: "0.20", AmountFen: 145400, PersonalAccountFen: 58160},
	}
	if len(q.Lines) != 2 || q.Lines[0] != want[0] || q.Lines[1] != want[1] || q.TotalFen != 288640 {
		t.Fatalf("lines = %+v", q.Lines)
	}
	// the old floor is below the new one: refused for July, never clamped
	_, err := e.Quote(policy.QuoteRequest{Region: "110000", PersonType: "flexible", AsOf: "2026-07-10",
		Items: []policy.QuoteItem{{Insurance: "110", BaseFen: fen(716200)}}, Periods: months("2026-06", "2026-07")})
	pe := policyErr(t, err)
	allowed, _ := pe.Allowed.(map[string]any)
	if pe.Code != policy.CodeBaseOutOfRange || allowed["min_fen"] != money.Fen(727000) || allowed["policy"] != "110000@2026-07" {
		t.Fatalf("error = %+v", pe)
	}
}

// TestBaseRatio: base_ratio × average wage, half-up to the yuan, then in range.
func TestBaseRatio(t *testing.T) {
	e := engine(t)
	cases := []struct {
		ratio string
		base  money.Fen
		code  string
	}{
		{"0.6", 727000, ""}, // 12116 × 0.6 = 7269.6 → 7270 = floor
		{"3", 3634800, ""},  // = ceiling
		{"1", 1211600, ""},
		{"0.5", 0, "base_out_of_range"},
		{"3.001", 0, "base_out_of_range"}, // 36360.116 → 36360 > 36348
		{"-1", 0, "invalid_request"},
		{"0", 0, "invalid_request"},
	}
	for _, c := range cases {
		q, err := e.Quote(policy.QuoteRequest{Region: "110000", PersonType: "flexible",
			Items: []policy.QuoteItem{{Insurance: "110", BaseRatio: c.ratio}}, Periods: months("2026-11", "2026-11")})
		if c.code != "" {
			if pe := policyErr(t, err); pe.Code != c.code || pe.Field != "items[0].base_ratio" {
				t.Errorf("ratio %s: %+v", c.ratio, pe)
			}
			continue
		}
		if err != nil || q.Lines[0].BaseFen != c.base || !hasNote(q, "average_wage") {
			t.Errorf("ratio %s: %+v %v", c.ratio, q, err)
		}
	}
	// half-up at exactly half a yuan: 10000 × 0.60005 = 6000.5 → 6001
	q := quote(t, testEngine(t, nil), policy.QuoteRequest{Region: "999999", PersonType: "flexible", AsOf: "2025-03-01",
		Items: []policy.QuoteItem{{Insurance: "110", BaseRatio: "0.60005"}}, Periods: months("2025-03", "2025-03")})
	if q.Lines[0].BaseFen != 600100 || q.Lines[0].AmountFen != 120020 {
		t.Errorf("half a yuan: %+v", q.Lines[0])
	}
}

func TestLateFeeOnlyWhereDeclared(t *testing.T) {
	e := testEngine(t, nil)
	q := quote(t, e, policy.QuoteRequest{Region: "999999", PersonType: "flexible", AsOf: "2025-12-10",
		Items: []policy.QuoteItem{{Insurance: "110", Base: "floor"}}, Periods: months("2025-10", "2025-10")})
	// arrears start 2025-11-01; through 2025-12-10 is 40 days; 1200 × 0.0005 × 40 = 24.00
	want := policy.Line{Insurance: "110", Kind: "late_fee", Period: "2025-10", Policy: "999999@2025-01", Rate: "0.0005", AmountFen: 2400, Days: 40}
	if len(q.Lines) != 2 || q.Lines[1] != want || q.TotalFen != 122400 {
		t.Fatalf("lines = %+v", q.Lines)
	}
	// the real packs declare no late fee: arrears carry none
	g := quote(t, engine(t), policy.QuoteRequest{Region: "440100", PersonType: "flexible",
		Items: []policy.QuoteItem{{Insurance: "110", BaseFen: fen(551000)}}, Periods: months("2026-08", "2026-08")})
	if len(g.Lines) != 1 {
		t.Fatalf("late fee invented: %+v", g.Lines)
	}
}

func TestQuarterly(t *testing.T) {
	e := testEngine(t, nil)
	q := quote(t, e, policy.QuoteRequest{Region: "999999", PersonType: "flexible", AsOf: "2025-11-10", Cycle: "quarterly",
		Items: []policy.QuoteItem{{Insurance: "110", Base: "floor"}}, Periods: months("2025-10", "2025-12")})
	if len(q.Lines) != 3 || q.Cycle != "quarterly" || q.TotalFen != 360000 {
		t.Fatalf("quarter (current, no late fee): %+v", q.Lines)
	}
	if !hasNote(q, "insurances[110].cycles") {
		t.Errorf("quarterly rule is unverified and must be noted: %+v", q.Notes)
	}
}

func TestGrades(t *testing.T) {
	e := testEngine(t, nil)
	q := quote(t, e, policy.QuoteRequest{Region: "999999", PersonType: "flexible", AsOf: "2025-03-01",
		Items:   []policy.QuoteItem{{Insurance: "110", Base: "floor"}, {Insurance: "310", GradeFen: fen(1000000)}},
		Periods: months("2025-03", "2025-03")})
	if q.Lines[1].BaseFen != 1000000 || q.Lines[1].AmountFen != 100000 {
		t.Fatalf("graded medical: %+v", q.Lines)
	}
	r := quote(t, e, policy.QuoteRequest{Region: "999999", PersonType: "resident", AsOf: "2025-06-01",
		Items: []policy.QuoteItem{{Insurance: "170", GradeFen: fen(20000)}, {Insurance: "390"}}, Periods: months("2025", "2025")})
	if len(r.Lines) != 2 || r.Lines[0].AmountFen != 20000 || r.Lines[0].PersonalAccountFen != 20000 || r.TotalFen != 60000 {
		t.Fatalf("resident year: %+v", r.Lines)
	}
}

func TestNotesAreBilingual(t *testing.T) {
	q := quote(t, engine(t), policy.QuoteRequest{Region: "310000", PersonType: "flexible",
		Items:   []policy.QuoteItem{{Insurance: "110", BaseRatio: "1"}, {Insurance: "310", BaseRatio: "1"}},
		Periods: months("2026-11", "2026-11")})
	for _, n := range q.Notes {
		if n.Zh == "" || n.En == "" || !strings.HasPrefix(n.Zh, "310000@2026-07") {
			t.Errorf("note %+v", n)
		}
	}
}
