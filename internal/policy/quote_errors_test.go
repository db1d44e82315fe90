package policy_test

import (
	"testing"

	"github.com/shebao-project/shebao/internal/policy"
)

// TestQuoteErrors: every refusal is a *policy.Error with a stable code and
// the JSON path of the offending field. Clock: 2026-11-26.
func TestQuoteErrors(t *testing.T) {
	flex := func(region string, items ...policy.QuoteItem) policy.QuoteRequest {
		return policy.QuoteRequest{Region: region, PersonType: "flexible", Items: items, Periods: months("2026-11", "2026-11")}
	}
	floor := policy.QuoteItem{Insurance: "110", Base: "floor"}
	with := func(r policy.QuoteRequest, f func(*policy.QuoteRequest)) policy.QuoteRequest { f(&r); return r }
	cases := []struct {
		name, code, field string
		req               policy.QuoteRequest
	}{
		{"unknown region", "region_unknown", "region", flex("999999", floor)},
		{"bad person type", "invalid_request", "person_type", with(flex("110000", floor), func(r *policy.QuoteRequest) { r.PersonType = "worker" })},
		{"no items", "invalid_request", "items", flex("110000")},
		{"unknown insurance", "insurance_unknown", "items[0].insurance", flex("110000", policy.QuoteItem{Insurance: "999"})},
		{"duplicate item", "invalid_request", "items[1].insurance", flex("110000", floor, floor)},
		{"bad as_of", "invalid_request", "as_of", with(flex("110000", floor), func(r *policy.QuoteRequest) { r.AsOf = "2026/11/26" })},
		{"bad month", "invalid_request", "periods.from", with(flex("110000", floor), func(r *policy.QuoteRequest) { r.Periods.From = "2026-13" })},
		{"reversed periods", "period_invalid", "periods.to", with(flex("110000", floor), func(r *policy.QuoteRequest) { r.Periods.To = "2026-10" })},
		{"too long", "period_invalid", "periods", with(flex("110000", floor), func(r *policy.QuoteRequest) { r.Periods = months("2020-01", "2026-11") })},
		{"years for monthly type", "invalid_request", "periods", with(flex("110000", floor), func(r *policy.QuoteRequest) { r.Periods = months("2026", "2026") })},
		{"month with no pack", "no_policy", "periods", with(flex("110000", floor), func(r *policy.QuoteRequest) { r.Periods = months("2023-01", "2023-01"); r.AsOf = "2023-01-10" })},
		{"not offered to person", "insurance_not_offered", "items[0].insurance", policy.QuoteRequest{Region: "110000", PersonType: "resident",
			Items: []policy.QuoteItem{{Insurance: "390"}}, Periods: months("2027", "2027")}},
		{"not online", "not_online", "items[1].insurance", flex("320100", floor, policy.QuoteItem{Insurance: "310", Base: "floor"})},
		{"base missing", "base_missing", "items[0].base_fen", flex("110000", policy.QuoteItem{Insurance: "110"})},
		{"base conflict", "base_conflict", "items[0]", flex("110000", policy.QuoteItem{Insurance: "110", Base: "floor", BaseFen: fen(800000)})},
		{"bad base word", "invalid_request", "items[0].base", flex("110000", policy.QuoteItem{Insurance: "110", Base: "middle"})},
		{"below floor", "base_out_of_range", "items[0].base_fen", flex("110000", policy.QuoteItem{Insurance: "110", BaseFen: fen(700000)})},
		{"above ceiling", "base_out_of_range", "items[0].base_fen", flex("110000", policy.QuoteItem{Insurance: "110", BaseFen: fen(3634801)})},
		{"negative base", "invalid_request", "items[0].base_fen", flex("110000", policy.QuoteItem{Insurance: "110", BaseFen: fen(-1)})},
		{"agency base as word", "base_not_applicable", "items[0]", flex("440100", floor)},
		{"agency base missing", "base_missing", "items[0].base_fen", flex("440100", policy.QuoteItem{Insurance: "110"})},
		{"grade for range", "base_not_applicable", "items[0]", flex("110000", policy.QuoteItem{Insurance: "110", GradeFen: fen(727000)})},
		{"grade not offered", "grade_not_offered", "items[0].grade_fen", policy.QuoteRequest{Region: "510100", PersonType: "resident",
			Items: []policy.QuoteItem{{Insurance: "170", GradeFen: fen(12345)}}, Periods: months("2026", "2026")}},
		{"grade missing", "base_missing", "items[0].grade_fen", policy.QuoteRequest{Region: "510100", PersonType: "resident",
			Items: []policy.QuoteItem{{Insurance: "170"}}, Periods: months("2026", "2026")}},
		{"base for flat premium", "base_not_applicable", "items[0]", policy.QuoteRequest{Region: "510100", PersonType: "resident",
			Items: []policy.QuoteItem{{Insurance: "390", BaseFen: fen(1)}}, Periods: months("2027", "2027")}},
		{"coverage year not published", "no_policy", "periods", policy.QuoteRequest{Region: "510100", PersonType: "resident",
			Items: []policy.QuoteItem{{Insurance: "390"}}, Periods: months("2029", "2029")}},
		{"coverage year not yet open", "period_too_far_ahead", "periods.from", policy.QuoteRequest{Region: "510100", PersonType: "resident", AsOf: "2026-08-01",
			Items: []policy.QuoteItem{{Insurance: "390"}}, Periods: months("2027", "2027")}},
		{"coverage year closed", "period_too_old", "periods.to", policy.QuoteRequest{Region: "national", PersonType: "resident",
			Items: []policy.QuoteItem{{Insurance: "390"}}, Periods: months("2024", "2024")}},
		{"medical without pension", "medical_requires_pension", "items[0].insurance", flex("110000", policy.QuoteItem{Insurance: "310", Base: "floor"})},
		{"cycle not allowed", "cycle_not_allowed", "cycle", with(flex("320100", floor), func(r *policy.QuoteRequest) { r.Cycle = "quarterly"; r.Periods = months("2026-10", "2026-12") })},
		{"unknown cycle", "cycle_not_allowed", "cycle", with(flex("110000", floor), func(r *policy.QuoteRequest) { r.Cycle = "weekly" })},
		{"quarter misaligned", "cycle_misaligned", "periods", with(flex("110000", floor), func(r *policy.QuoteRequest) { r.Cycle = "quarterly"; r.Periods = months("2026-11", "2026-12") })},
		{"too old", "period_too_old", "periods.from", with(flex("110000", floor), func(r *policy.QuoteRequest) { r.Periods = months("2026-07", "2026-11") })},
		{"too far ahead", "period_too_far_ahead", "periods.to", with(flex("110000", floor), func(r *policy.QuoteRequest) { r.Periods = months("2026-11", "2026-12") })},
		{"jiangsu: current period only", "period_too_old", "periods.from", with(flex("320100", floor), func(r *policy.QuoteRequest) { r.Periods = months("2026-10", "2026-11") })},
		{"overflow", "amount_overflow", "items[0]", flex("national", policy.QuoteItem{Insurance: "110", BaseFen: fen(1 << 62)})},
	}
	e := engine(t)
	for _, c := range cases {
		q, err := e.Quote(c.req)
		if err == nil {
			t.Errorf("%s: accepted: %+v", c.name, q)
			continue
		}
		pe := policyErr(t, err)
		if pe.Code != c.code || pe.Field != c.field || pe.Message == "" || pe.MessageEn == "" {
			t.Errorf("%s: got %s at %q (%s), want %s at %q", c.name, pe.Code, pe.Field, pe.MessageEn, c.code, c.field)
		}
	}
}

// TestNoPolicyListsWindows: the refusal for an uncovered month names the windows.
func TestNoPolicyListsWindows(t *testing.T) {
	_, err := engine(t).Quote(policy.QuoteRequest{Region: "440100", PersonType: "flexible", AsOf: "2024-01-10",
		Items: []policy.QuoteItem{{Insurance: "110", BaseFen: fen(550000)}}, Periods: months("2024-01", "2024-01")})
	pe := policyErr(t, err)
	ws, ok := pe.Allowed.([]policy.Window)
	if !ok || len(ws) != 3 || ws[0].Policy != "440100@2024-07" || ws[2].To != nil {
		t.Fatalf("allowed = %#v", pe.Allowed)
	}
}
