package web

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/policy"
)

// TestCatalogues: both languages have every key, and every key a template
// or the Go code names is in them; the templates parse in both languages.
func TestCatalogues(t *testing.T) {
	cats, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	if err := checkKeys(cats, goKeys()); err != nil {
		t.Fatal(err)
	}
	if _, err := parseTemplates(cats); err != nil {
		t.Fatal(err)
	}
	for _, lang := range languages {
		for k, v := range cats[lang] {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: %s is empty", lang, k)
			}
		}
	}
}

func TestPickLang(t *testing.T) {
	for _, c := range []struct{ cookie, accept, want string }{
		{"", "", "zh-CN"},
		{"", "en-US,en;q=0.9", "en"},
		{"", "zh-TW,zh;q=0.9,en;q=0.8", "zh-CN"},
		{"", "fr-FR,en;q=0.5,zh;q=0.8", "zh-CN"},
		{"", "fr-FR,en;q=0.5", "en"},
		{"", "de", "zh-CN"},
		{"en", "zh-CN", "en"},
		{"zh-CN", "en", "zh-CN"},
		{"xx", "en", "en"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		if c.accept != "" {
			r.Header.Set("Accept-Language", c.accept)
		}
		if c.cookie != "" {
			r.Header.Set("Cookie", langCookie+"="+c.cookie)
		}
		if got := pickLang(r); got != c.want {
			t.Errorf("cookie %q, Accept-Language %q: %s, want %s", c.cookie, c.accept, got, c.want)
		}
	}
}

func TestSpokenAmounts(t *testing.T) {
	for _, c := range []struct {
		fen    money.Fen
		zh, en string
	}{
		{145400, "1454元", "1,454 yuan"},
		{223916, "2239元1角6分", "2,239.16 yuan"},
		{99005, "990元零5分", "990.05 yuan"},
		{99040, "990元4角", "990.40 yuan"},
		{0, "0元", "0 yuan"},
	} {
		if got := yuanText(langZH, c.fen); got != c.zh {
			t.Errorf("yuanText(zh, %d) = %q, want %q", c.fen, got, c.zh)
		}
		if got := yuanText(langEN, c.fen); got != c.en {
			t.Errorf("yuanText(en, %d) = %q, want %q", c.fen, got, c.en)
		}
	}
	if got := string(amountHTML(langZH, 145400)); !strings.Contains(got, `aria-hidden="true">¥1,454.00<`) || !strings.Contains(got, `class="sr">1454元<`) {
		t.Errorf("amountHTML = %s", got)
	}
}

func TestPercentAndPeriod(t *testing.T) {
	for in, want := range map[string]string{"0.20": "20%", "0.108": "10.8%", "0.08": "8%", "1": "100%", "0.005": "0.5%", "": "", "x": "x"} {
		if got := percent(in); got != want {
			t.Errorf("percent(%q) = %q, want %q", in, got, want)
		}
	}
	for _, c := range []struct{ lang, in, want string }{
		{langZH, "2026-11", "2026年11月"}, {langZH, "2027", "2027年度"}, {langEN, "2026-01", "Jan 2026"}, {langEN, "2027", "year 2027"},
	} {
		if got := periodLabel(c.lang, c.in); got != c.want {
			t.Errorf("periodLabel(%s, %q) = %q, want %q", c.lang, c.in, got, c.want)
		}
	}
}

func TestSafeBack(t *testing.T) {
	for in, want := range map[string]string{
		"/me": "/me", "/login?region=440100": "/login?region=440100", "": "/", "https://evil.example/": "/",
		"//evil.example/x": "/", `/\evil.example`: "/", "me": "/", "javascript:alert(1)": "/",
	} {
		if got := safeBack(in); got != want {
			t.Errorf("safeBack(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestMonths: the history runs from the first bill to now, newest first,
// and marks unpaid past months and months without a bill as gaps.
func TestMonths(t *testing.T) {
	now := policy.Month{Year: 2026, Month: 11}
	bill := func(period string, st billing.Status) billing.Bill {
		return billing.Bill{Period: period, Status: st, Insurance: "110"}
	}
	rows, annual := months([]billing.Bill{
		bill("2026-07", billing.Paid), bill("2026-09", billing.Due), bill("2026-10", billing.Paid),
		bill("2026-11", billing.Due), bill("2027", billing.Due),
	}, now)
	var got []string
	gaps := 0
	for _, r := range rows {
		got = append(got, r.Period+":"+r.State)
		if r.Gap() {
			gaps++
		}
	}
	want := "2026-11:due 2026-10:paid 2026-09:arrears 2026-08:missing 2026-07:paid"
	if strings.Join(got, " ") != want {
		t.Errorf("months = %s, want %s", strings.Join(got, " "), want)
	}
	if gaps != 2 {
		t.Errorf("%d gaps, want 2", gaps)
	}
	if len(annual) != 1 || annual[0].Period != "2027" {
		t.Errorf("annual = %v", annual)
	}
	if rows, _ := months([]billing.Bill{bill("2027", billing.Due)}, now); rows != nil {
		t.Errorf("a person with annual premiums only has month rows %v", rows)
	}
}
