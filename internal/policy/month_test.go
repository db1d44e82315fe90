package policy_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/policy"
)

func TestParseMonth(t *testing.T) {
	good := map[string]policy.Month{"2026-11": {Year: 2026, Month: time.November}, "1965-01": {Year: 1965, Month: time.January}}
	for s, want := range good {
		if got, err := policy.ParseMonth(s); err != nil || got != want || got.String() != s {
			t.Errorf("ParseMonth(%q) = %v, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "2026-13", "2026-00", "2026-1", "26-11", "2026/11", "+026-11", "2026-1a", "1899-12"} {
		if _, err := policy.ParseMonth(s); err == nil {
			t.Errorf("ParseMonth(%q) accepted", s)
		}
	}
}

func TestMonthArithmetic(t *testing.T) {
	m := month(t, "2026-11")
	if got := m.Add(2).String(); got != "2027-01" {
		t.Errorf("Add(2) = %s", got)
	}
	if got := m.Add(-11).String(); got != "2025-12" {
		t.Errorf("Add(-11) = %s", got)
	}
	if d := month(t, "2027-02").Sub(m); d != 3 {
		t.Errorf("Sub = %d", d)
	}
	if !m.Before(m.Add(1)) || !m.After(m.Add(-1)) || m.Before(m) {
		t.Error("Before/After wrong")
	}
	if q := m.QuarterStart().String(); q != "2026-10" {
		t.Errorf("QuarterStart = %s", q)
	}
}

func TestMonthJSON(t *testing.T) {
	b, err := json.Marshal(struct{ M policy.Month }{month(t, "2025-07")})
	if err != nil || string(b) != `{"M":"2025-07"}` {
		t.Fatalf("marshal = %s, %v", b, err)
	}
	var v struct{ M policy.Month }
	if err := json.Unmarshal([]byte(`{"M":"2026-02"}`), &v); err != nil || v.M.String() != "2026-02" {
		t.Fatalf("unmarshal = %v, %v", v.M, err)
	}
	if err := json.Unmarshal([]byte(`{"M":"2026-2"}`), &v); err == nil {
		t.Fatal("bad month accepted")
	}
}
