package policy

import (
	"fmt"
	"strconv"
	"time"
)

// Month is a calendar month, the unit every contribution period and every
// policy window is counted in. It prints and parses as "YYYY-MM".
type Month struct {
	Year  int
	Month time.Month
}

// ParseMonth reads "YYYY-MM" (exactly that shape, years 1900–9999).
func ParseMonth(s string) (Month, error) {
	if len(s) != 7 || s[4] != '-' {
		return Month{}, fmt.Errorf("policy: %q is not a month like 2026-11", s)
	}
	y, err1 := strconv.Atoi(s[:4])
	m, err2 := strconv.Atoi(s[5:])
	if err1 != nil || err2 != nil || !allDigits(s[:4]) || !allDigits(s[5:]) || y < 1900 || m < 1 || m > 12 {
		return Month{}, fmt.Errorf("policy: %q is not a month like 2026-11", s)
	}
	return Month{Year: y, Month: time.Month(m)}, nil
}

// MonthOf returns the month containing t, in t's location.
func MonthOf(t time.Time) Month { return Month{Year: t.Year(), Month: t.Month()} }

// IsZero reports whether m is the zero Month.
func (m Month) IsZero() bool { return m.Year == 0 && m.Month == 0 }

// String formats m as "YYYY-MM".
func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, int(m.Month)) }

// index counts months from year 0 so that months can be subtracted.
func (m Month) index() int { return m.Year*12 + int(m.Month) - 1 }

func monthFromIndex(i int) Month { return Month{Year: i / 12, Month: time.Month(i%12 + 1)} }

// Add returns the month n months after m (n may be negative).
func (m Month) Add(n int) Month { return monthFromIndex(m.index() + n) }

// Sub returns the number of months from o to m.
func (m Month) Sub(o Month) int { return m.index() - o.index() }

// Before reports whether m is earlier than o.
func (m Month) Before(o Month) bool { return m.index() < o.index() }

// After reports whether m is later than o.
func (m Month) After(o Month) bool { return m.index() > o.index() }

// Start returns midnight on the first day of m in loc.
func (m Month) Start(loc *time.Location) time.Time {
	return time.Date(m.Year, m.Month, 1, 0, 0, 0, 0, loc)
}

// QuarterStart returns the first month of m's calendar quarter.
func (m Month) QuarterStart() Month { return m.Add(-((int(m.Month) - 1) % 3)) }

// MarshalText writes "YYYY-MM" for JSON and YAML.
func (m Month) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText parses "YYYY-MM".
func (m *Month) UnmarshalText(b []byte) error {
	v, err := ParseMonth(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// parseYear reads a four-digit coverage year such as "2027".
func parseYear(s string) (int, error) {
	if len(s) != 4 || !allDigits(s) {
		return 0, fmt.Errorf("policy: %q is not a year like 2027", s)
	}
	y, _ := strconv.Atoi(s)
	if y < 1900 {
		return 0, fmt.Errorf("policy: %q is not a year like 2027", s)
	}
	return y, nil
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
