package policy_test

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/shebao-project/shebao/internal/policy"
	"github.com/shebao-project/shebao/policies"
)

// TestOffsetTermsValidated mutates Guangzhou's pack, which offers the family
// offset, and wants each mistake named on its field.
func TestOffsetTermsValidated(t *testing.T) {
	const file = "440100/2026-07.yaml"
	raw, err := fs.ReadFile(policies.FS, file)
	if err != nil {
		t.Fatal(err)
	}
	src := string(raw)
	const terms = `family_offset: {insurances: ["390"], relationships: [spouse, parent, child], source: *gz_offset}`
	edit := func(old, new string) string {
		t.Helper()
		if !strings.Contains(src, old) {
			t.Fatalf("pack has no %q", old)
		}
		return strings.Replace(src, old, new, 1)
	}
	const ssc = "{code: ssc_account, per_payment_fen: 5000000, per_day_fen: 10000000, source: *operator}"
	cases := []struct{ name, src, field, reason string }{
		{"no terms", edit("    "+terms+"\n", ""), "channels[3].family_offset", "needs terms"},
		{"terms on another channel", edit(ssc, strings.TrimSuffix(ssc, "}")+", "+terms+"}"), "channels[2].family_offset", "family_offset only"},
		{"pension offset", edit(`insurances: ["390"]`, `insurances: ["110"]`), "channels[3].family_offset.insurances[0]", "unknown value"},
		{"a sibling", edit("[spouse, parent, child]", "[spouse, sibling]"), "channels[3].family_offset.relationships[1]", "unknown value"},
		{"no relationships", edit("[spouse, parent, child]", "[]"), "channels[3].family_offset.relationships", "at least one"},
		{"390 offline", edit("    person_types: [resident]\n    online: true", "    person_types: [resident]\n    online: false\n    offline_reason: 线下\n    offline_reason_en: counter"),
			"channels[3].family_offset.insurances[0]", "not offered online"},
		{"310 not family_offset_allowed", edit("binding: {rule: family_offset_allowed, source: *binding}", "binding: {rule: alone_allowed, source: *binding}"),
			"channels[3].family_offset", "binding family_offset_allowed"},
		{"unsourced", edit("source: *gz_offset}", "source: {status: unverified}}"), "channels[3].family_offset.source", "reason and reason_en"},
	}
	for _, c := range cases {
		le := loadErr(t, fstest.MapFS{file: {Data: []byte(c.src)}})
		if !hasProblem(le, file, c.field, c.reason) {
			t.Errorf("%s: want %s: …%s…, got:\n%v", c.name, c.field, c.reason, le)
		}
	}
}

// TestOffsetRegions: the three regions of the family offset offer it, for
// resident medical bills of spouses, parents and children only; the
// national standard does not.
func TestOffsetRegions(t *testing.T) {
	e := engine(t)
	m := month(t, "2026-11")
	for _, region := range []string{"440100", "440300", "330100"} {
		v, err := e.RegionAt(region, m)
		if err != nil {
			t.Fatal(err)
		}
		terms, ok := v.OffsetTerms()
		if !ok {
			t.Fatalf("%s offers no family offset", region)
		}
		for _, c := range []struct {
			ins, rel string
			want     bool
		}{{"390", "spouse", true}, {"390", "parent", true}, {"390", "child", true}, {"390", "sibling", false},
			{"390", "other", false}, {"110", "spouse", false}, {"170", "child", false}} {
			if got := terms.Allows(c.ins, c.rel); got != c.want {
				t.Errorf("%s: offset of %s for a %s: %v, want %v", region, c.ins, c.rel, got, c.want)
			}
		}
		q := quote(t, e, policy.QuoteRequest{Region: region, PersonType: "resident",
			Items: []policy.QuoteItem{{Insurance: "390"}}, Periods: months("2027", "2027")})
		if q.TotalFen != 40000 || !hasNote(q, "insurances[390].annual_premiums[2027]") {
			t.Errorf("%s: 390 for 2027 is %d fen (want the national minimum 40000, flagged unverified): %+v", region, q.TotalFen, q.Notes)
		}
	}
	v, err := e.RegionAt("510100", m)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := v.OffsetTerms(); ok {
		t.Error("Chengdu offers the family offset")
	}
}
