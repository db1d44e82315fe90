package policy_test

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/shebao-project/shebao/internal/policy"
)

const packPath = "999999/2025-01.yaml"

// mutate returns the minimal pack with old replaced by new (which must occur).
func mutate(t *testing.T, old, new string) string {
	t.Helper()
	src := minimalPack(t)
	if !strings.Contains(src, old) {
		t.Fatalf("minimal pack has no %q", old)
	}
	return strings.Replace(src, old, new, 1)
}

// nextWindow is the minimal pack moved to another window, with its yearly
// figures moved too so that only the window itself can clash.
func nextWindow(t *testing.T, from, to string) string {
	s := mutate(t, `effective_from: "2025-01"`, `effective_from: "`+from+`"`)
	s = strings.Replace(s, `effective_to: "2025-12"`, `effective_to: "`+to+`"`, 1)
	s = strings.Replace(s, "{year: 2025, fen: 1000000", "{year: 2026, fen: 1000000", 1)
	s = strings.Replace(s, "{year: 2025, fen: 40000", "{year: 2027, fen: 40000", 1)
	return strings.Replace(s, "{year: 2026, fen: 41000", "{year: 2028, fen: 41000", 1)
}

func loadErr(t *testing.T, fsys fstest.MapFS) *policy.LoadError {
	t.Helper()
	_, err := policy.Load(fsys, fixedNow)
	var le *policy.LoadError
	if !errors.As(err, &le) {
		t.Fatalf("Load err = %v, want *LoadError", err)
	}
	return le
}

func hasProblem(le *policy.LoadError, file, field, reason string) bool {
	for _, p := range le.Problems {
		if p.File == file && strings.Contains(p.Field, field) && strings.Contains(p.Reason, reason) {
			return true
		}
	}
	return false
}

func TestLoadRefusesBadPacks(t *testing.T) {
	cases := []struct{ name, old, new, field, reason string }{
		{"floor above ceiling", "floor: {fen: 600000", "floor: {fen: 3000001", "floor", "above ceiling"},
		{"rate above 1", `rate: {value: "0.20"`, `rate: {value: "1.20"`, "insurances[0].rate.value", "at most 1"},
		{"negative rate", `rate: {value: "0.20"`, `rate: {value: "-0.20"`, "insurances[0].rate.value", "non-negative"},
		{"zero rate", `rate: {value: "0.20"`, `rate: {value: "0"`, "insurances[0].rate.value", "above 0"},
		{"unknown insurance", `code: "210"`, `code: "999"`, "insurances[4].code", "unknown insurance"},
		{"duplicate insurance", `code: "210"`, `code: "110"`, "insurances[4].code", "duplicate"},
		{"unknown family", "family: agency", "family: magic", "insurances[4].family", "unknown family"},
		{"unknown profile", "profile: national", "profile: hubei", "profile", "unknown profile"},
		{"unknown channel", "code: unionpay", "code: alipay", "channels[0].code", "unknown channel"},
		{"bad limits", "per_day_fen: 10000000", "per_day_fen: 10", "channels[0]", "per_day_fen"},
		{"unknown auth", "[national_login, sms]", "[national_login, fingerprint]", "auth_methods[1]", "unknown value"},
		{"missing source", "average_wage: {fen: 1000000, source: *official}", "average_wage: {fen: 1000000}", "average_wage.source", "missing source"},
		{"verified without notice", "ceiling: {fen: 3000000, source: *official}", "ceiling: {fen: 3000000, source: {status: verified, url: https://example.com/x}}", "ceiling.source", "gov.cn"},
		{"unverified without reason", "ceiling: {fen: 3000000, source: *official}", "ceiling: {fen: 3000000, source: {status: unverified}}", "ceiling.source", "reason"},
		{"unknown status", "ceiling: {fen: 3000000, source: *official}", "ceiling: {fen: 3000000, source: {status: probably}}", "ceiling.source.status", "unknown status"},
		{"rounding unknown", "mode: half_up_fen", "mode: banker", "rounding.mode", "unknown rounding"},
		{"unknown field", "name_en: Testville", "name_en: Testville\ncolour: blue", "(yaml)", "colour"},
		{"bad region", `region: "999999"`, `region: "99"`, "region", "GB/T 2260"},
		{"window reversed", `effective_to: "2025-12"`, `effective_to: "2024-12"`, "effective_to", "before it starts"},
		{"bad month", `effective_to: "2025-12"`, `effective_to: "2025-13"`, "effective_to", "not a month"},
		{"offline without reason", "    offline_reason: 线下办理\n", "", "insurances[4].online", "offline_reason"},
		{"medical without binding", "    binding: {rule: with_pension_required, source: *guess}\n", "", "insurances[1].binding", "must declare"},
		{"unknown binding", "rule: alone_allowed", "rule: sometimes", "insurances[3].binding.rule", "unknown binding"},
		{"unknown cycle", "allowed: [monthly, quarterly]", "allowed: [monthly, weekly]", "insurances[0].cycles.allowed[1]", "unknown value"},
		{"annual cycle for monthly", "allowed: [monthly, quarterly]", "allowed: [annual]", "insurances[0].cycles.allowed", "exactly [annual]"},
		{"advance out of range", "advance_months: 2", "advance_months: 30", "insurances[0].cycles.advance_months", "outside"},
		{"back out of range", "back_payment: {months: 6", "back_payment: {months: 200", "insurances[0].back_payment.months", "outside"},
		{"grades not ascending", "fen: [600000, 1000000]", "fen: [1000000, 600000]", "insurances[1].grades.fen[1]", "ascending"},
		{"unknown grade unit", "unit: base", "unit: weekly", "insurances[1].grades.unit", "unknown grade unit"},
		{"range without rate", "    rate: {value: \"0.20\", source: *official}\n", "", "insurances[0].rate", "needs a rate"},
		{"share above rate", `personal_account: {value: "0.08"`, `personal_account: {value: "0.30"`, "insurances[0].personal_account", "exceeds"},
		{"range without floor", "floor: {fen: 600000, source: *official}\n", "", "insurances[0].family", "floor and ceiling"},
		{"flat without premiums", "    annual_premiums:\n      - {year: 2025, fen: 40000, source: *official}\n      - {year: 2026, fen: 41000, source: *guess}\n", "", "insurances[3].annual_premiums", "premiums"},
		{"flat with rate", "    family: flat_annual\n", "    family: flat_annual\n    rate: {value: \"0.1\", source: *guess}\n", "insurances[3].rate", "takes no rate"},
		{"duplicate premium year", "{year: 2026, fen: 41000", "{year: 2025, fen: 41000", "insurances[3].annual_premiums[1].year", "duplicate"},
		{"late fee on yearly type", "    binding: {rule: alone_allowed", "    late_fee: {value: \"0.0005\", source: *guess}\n    binding: {rule: alone_allowed", "insurances[3].late_fee", "monthly"},
		{"late fee too high", `late_fee: {value: "0.0005"`, `late_fee: {value: "0.5"`, "insurances[0].late_fee.value", "at most"},
		{"binding on pension", "    cycles: {allowed: [monthly, quarterly]", "    binding: {rule: alone_allowed, source: *guess}\n    cycles: {allowed: [monthly, quarterly]", "insurances[0].binding", "only to medical"},
		{"bad url", "url: https://www.gov.cn/test", "url: ftp://x", "sources.official.url", "http(s)"},
		{"calc base year", "{year: 2025, fen: 1000000", "{year: 1800, fen: 1000000", "pension_calc_base[0].year", "out of range"},
		{"negative figure", "average_wage: {fen: 1000000", "average_wage: {fen: -5", "average_wage.fen", "positive"},
	}
	for _, c := range cases {
		le := loadErr(t, fstest.MapFS{packPath: {Data: []byte(mutate(t, c.old, c.new))}})
		if !hasProblem(le, packPath, c.field, c.reason) {
			t.Errorf("%s: want %s: …%s…, got:\n%v", c.name, c.field, c.reason, le)
		}
	}
}

func TestLoadRefusesBadWindows(t *testing.T) {
	cases := []struct {
		name, file, body, field, reason string
	}{
		{"overlap", "999999/2025-06.yaml", "", "effective_from", "overlaps"},
		{"gap", "999999/2026-03.yaml", "", "effective_from", "gap"},
		{"misnamed file", "999999/2026-02.yaml", "2026-01", "effective_from", "must be named"},
	}
	for _, c := range cases {
		from := strings.TrimSuffix(strings.TrimPrefix(c.file, "999999/"), ".yaml")
		if c.body != "" {
			from = c.body
		}
		fsys := fstest.MapFS{packPath: {Data: []byte(minimalPack(t))},
			c.file: {Data: []byte(nextWindow(t, from, "2026-12"))}}
		if le := loadErr(t, fsys); !hasProblem(le, c.file, c.field, c.reason) {
			t.Errorf("%s: got\n%v", c.name, le)
		}
	}
	open := mutate(t, `effective_to: "2025-12"`, `effective_to: ""`)
	fsys := fstest.MapFS{packPath: {Data: []byte(open)}, "999999/2026-01.yaml": {Data: []byte(nextWindow(t, "2026-01", ""))}}
	if le := loadErr(t, fsys); !hasProblem(le, "999999/2026-01.yaml", "effective_from", "open-ended") {
		t.Errorf("open window before another: %v", le)
	}
	renamed := strings.Replace(nextWindow(t, "2026-01", ""), "name: 测试市", "name: 别的市", 1)
	fsys = fstest.MapFS{packPath: {Data: []byte(minimalPack(t))}, "999999/2026-01.yaml": {Data: []byte(renamed)}}
	if le := loadErr(t, fsys); !hasProblem(le, "999999/2026-01.yaml", "name", "differs") {
		t.Errorf("renamed region: %v", le)
	}
	dupYear := strings.Replace(nextWindow(t, "2026-01", ""), "{year: 2027, fen: 40000", "{year: 2025, fen: 40000", 1)
	fsys = fstest.MapFS{packPath: {Data: []byte(minimalPack(t))}, "999999/2026-01.yaml": {Data: []byte(dupYear)}}
	if le := loadErr(t, fsys); !hasProblem(le, "999999/2026-01.yaml", "insurances.390.annual_premiums", "also given") {
		t.Errorf("premium year in two windows: %v", le)
	}
}

// TestLoadListsAllProblems: one load reports every problem, across files.
func TestLoadListsAllProblems(t *testing.T) {
	bad := mutate(t, "profile: national", "profile: hubei")
	bad = strings.Replace(bad, "mode: half_up_fen", "mode: banker", 1)
	fsys := fstest.MapFS{packPath: {Data: []byte(bad)},
		"888888/2025-01.yaml": {Data: []byte(strings.ReplaceAll(minimalPack(t), "999999", "888888") + "\nbogus: 1\n")}}
	le := loadErr(t, fsys)
	if !hasProblem(le, packPath, "profile", "") || !hasProblem(le, packPath, "rounding.mode", "") ||
		!hasProblem(le, "888888/2025-01.yaml", "(yaml)", "bogus") {
		t.Fatalf("not all problems listed:\n%v", le)
	}
	if !strings.Contains(le.Error(), "3 problem(s)") {
		t.Errorf("message: %s", le.Error())
	}
	if le := loadErr(t, fstest.MapFS{}); len(le.Problems) != 1 {
		t.Errorf("empty FS: %v", le)
	}
	if _, err := policy.Load(fstest.MapFS{}, nil); err == nil {
		t.Error("nil clock accepted")
	}
}

func TestMinimalPackLoads(t *testing.T) {
	e := testEngine(t, nil)
	if ws := e.Windows("999999"); len(ws) != 1 || ws[0].Policy != "999999@2025-01" || ws[0].To.String() != "2025-12" {
		t.Fatalf("windows = %+v", ws)
	}
}
