package operator

import (
	"strings"
	"testing"
	"time"
)

// TestTOTPVectors checks the SHA-1 rows of RFC 6238 Appendix B: the
// 20-byte ASCII seed "12345678901234567890", 8 digits, X = 30 s.
func TestTOTPVectors(t *testing.T) {
	tt := TOTP{Secret: []byte("12345678901234567890"), Digits: 8, Period: 30 * time.Second}
	for _, v := range []struct {
		unix int64
		code string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	} {
		if got := tt.At(time.Unix(v.unix, 0)); got != v.code {
			t.Errorf("TOTP at %d = %s, want %s", v.unix, got, v.code)
		}
	}
}

// TestHOTPVectors checks RFC 4226 Appendix D (6 digits, same secret).
func TestHOTPVectors(t *testing.T) {
	tt := TOTP{Secret: []byte("12345678901234567890"), Digits: 6, Period: 30 * time.Second}
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	for c, w := range want {
		if got := tt.code(uint64(c)); got != w {
			t.Errorf("HOTP(%d) = %s, want %s", c, got, w)
		}
	}
}

func TestTOTPVerifyWindow(t *testing.T) {
	tt := operatorTOTP([]byte("12345678901234567890"))
	now := time.Unix(1111111111, 0)
	for _, c := range []struct {
		name string
		at   time.Time
		ok   bool
	}{
		{"current step", now, true},
		{"previous step", now.Add(-30 * time.Second), true},
		{"next step", now.Add(30 * time.Second), true},
		{"two steps old", now.Add(-60 * time.Second), false},
	} {
		step, ok := tt.Verify(tt.At(c.at), now, 1)
		if ok != c.ok {
			t.Errorf("%s: ok = %v, want %v", c.name, ok, c.ok)
		}
		if ok && step != tt.Step(c.at) {
			t.Errorf("%s: step %d, want %d", c.name, step, tt.Step(c.at))
		}
	}
	if _, ok := tt.Verify("12345", now, 1); ok {
		t.Error("a 5-digit code verified")
	}
}

func TestTOTPURI(t *testing.T) {
	u := operatorTOTP([]byte("12345678901234567890")).URI("shebao", "li.na")
	want := "otpauth://totp/shebao:li.na?algorithm=SHA1&digits=6&issuer=shebao&period=30&secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	if u != want {
		t.Fatalf("URI = %s\nwant  %s", u, want)
	}
	if strings.Contains(u, "=") && strings.HasSuffix(u, "=") {
		t.Fatal("secret is padded")
	}
}

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword(strings.NewReader(strings.Repeat("s", 16)), "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %s is not argon2id PHC", h)
	}
	for pw, want := range map[string]bool{"correct horse battery": true, "correct horse batterY": false, "": false} {
		if ok, err := CheckPassword(h, pw); err != nil || ok != want {
			t.Errorf("CheckPassword(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	if _, err := CheckPassword("$2a$10$bcrypt", "x"); err == nil {
		t.Error("a malformed hash was accepted")
	}
}

func TestRoles(t *testing.T) {
	cases := []struct {
		role Role
		can  []Permission
		not  []Permission
	}{
		{Administrator, []Permission{DecideHolds, ManageOperators, ViewAudit, UnmaskPII, EditFAQ}, nil},
		{Reviewer, []Permission{DecideHolds, DecideRefunds, ResolveRecon, RunRetries, UnmaskPII, ExportData}, []Permission{ManageOperators, ViewAudit, AnswerTickets}},
		{Support, []Permission{AnswerTickets, EditFAQ, UnmaskPII, ViewOrders}, []Permission{DecideHolds, ViewRefunds, ExportData, ViewAudit}},
		{Auditor, []Permission{ViewAudit, ViewRefunds, ExportData, ViewRecon}, []Permission{DecideHolds, DecideRefunds, UnmaskPII, AnswerTickets, ResolveRecon, ManageOperators}},
		{Role("root"), nil, []Permission{ViewDashboard}},
	}
	for _, c := range cases {
		for _, p := range c.can {
			if !c.role.Can(p) {
				t.Errorf("%s cannot %s", c.role, p)
			}
		}
		for _, p := range c.not {
			if c.role.Can(p) {
				t.Errorf("%s can %s", c.role, p)
			}
		}
	}
}
