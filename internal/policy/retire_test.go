package policy_test

import (
	"testing"

	"github.com/shebao-project/shebao/internal/policy"
)

// TestRetirementBoundaries uses the boundary rows of the official tables
// (附件1–3 of 国务院关于渐进式延迟法定退休年龄的办法) quoted in policy-data.
func TestRetirementBoundaries(t *testing.T) {
	cases := []struct {
		category, birth string
		years, months   int
		retire          string
	}{
		{"male", "1964-12", 60, 0, "2024-12"},  // before the reform
		{"male", "1965-01", 60, 1, "2025-02"},  // 附件1 first row
		{"male", "1965-04", 60, 1, "2025-05"},  // same 4-month band
		{"male", "1965-05", 60, 2, "2025-07"},  // next band
		{"male", "1976-08", 62, 11, "2039-07"}, // last band before 63
		{"male", "1976-09", 63, 0, "2039-09"},  // 附件1: 63 from 1976-09
		{"male", "1990-06", 63, 0, "2053-06"},
		{"female_55", "1969-12", 55, 0, "2024-12"},
		{"female_55", "1970-01", 55, 1, "2025-02"}, // 附件2 first row
		{"female_55", "1981-08", 57, 11, "2039-07"},
		{"female_55", "1981-09", 58, 0, "2039-09"}, // 附件2: 58 from 1981-09
		{"female_50", "1974-12", 50, 0, "2024-12"},
		{"female_50", "1975-01", 50, 1, "2025-02"}, // 附件3 first row
		{"female_50", "1975-03", 50, 2, "2025-05"}, // one month per 2 months
		{"female_50", "1984-10", 54, 11, "2039-09"},
		{"female_50", "1984-11", 55, 0, "2039-11"}, // 附件3: 55 from 1984-11
	}
	for _, c := range cases {
		age, ret, err := policy.RetirementAge(c.category, month(t, c.birth))
		if err != nil || age.Years != c.years || age.Months != c.months || ret.String() != c.retire {
			t.Errorf("%s born %s: %dy%dm in %s, %v; want %dy%dm in %s", c.category, c.birth,
				age.Years, age.Months, ret, err, c.years, c.months, c.retire)
		}
	}
	if _, _, err := policy.RetirementAge("female_60", month(t, "1970-01")); err == nil {
		t.Error("unknown category accepted")
	}
}

// TestMinimumMonths: 15 years until 2029, +6 months a year from 2030, 20 from 2039 (附件4).
func TestMinimumMonths(t *testing.T) {
	want := map[int]int{2025: 180, 2029: 180, 2030: 186, 2031: 192, 2035: 216, 2038: 234, 2039: 240, 2050: 240}
	for year, m := range want {
		if got := policy.MinimumMonths(year); got != m {
			t.Errorf("MinimumMonths(%d) = %d, want %d", year, got, m)
		}
	}
}

// TestPayoutMonths: the table by whole age (attachment to 国发〔2005〕38号);
// extra months are dropped.
func TestPayoutMonths(t *testing.T) {
	for age, want := range map[policy.Age]int{{50, 0}: 195, {55, 0}: 170, {60, 0}: 139, {60, 1}: 139, {62, 11}: 125, {63, 0}: 117, {47, 0}: 208, {66, 0}: 93} {
		if got, ok := policy.PayoutMonths(age); !ok || got != want {
			t.Errorf("PayoutMonths(%v) = %d, want %d", age, got, want)
		}
	}
}
