package app_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/shebao-project/shebao/internal/app"
)

// TestE2EQuoteAndEstimate checks the policy engine through its two doors,
// the API and the command line, which must agree byte for byte.
func TestE2EQuoteAndEstimate(t *testing.T) {
	t.Parallel()
	e := startApp(t)

	// Beijing 2025-07 window (京人社发〔2025〕11号): floor 7162 yuan, pension 20%.
	quote := map[string]any{"region": "110000", "person_type": "flexible", "as_of": "2025-09-15",
		"items":   []map[string]any{{"insurance": "110", "base_fen": 716200}},
		"periods": map[string]string{"from": "2025-07", "to": "2025-09"}}
	var q struct {
		Lines []struct {
			Period    string `json:"period"`
			Policy    string `json:"policy"`
			AmountFen int64  `json:"amount_fen"`
		} `json:"lines"`
		TotalFen int64 `json:"total_fen"`
	}
	e.call(t, "POST", "/api/v1/quotes", "", nil, quote).want(t, 200).json(t, &q)
	if len(q.Lines) != 3 || q.TotalFen != 3*143240 || q.Lines[0].Policy != "110000@2025-07" {
		t.Fatalf("quote = %+v, want 3 lines of 1432.40 yuan under 110000@2025-07", q)
	}
	// A base below the floor is refused, never clamped.
	quote["items"] = []map[string]any{{"insurance": "110", "base_fen": 100}}
	wantError(t, e.call(t, "POST", "/api/v1/quotes", "", nil, quote), 422, "base_out_of_range", "items[0].base_fen")

	est := map[string]any{"region": "110000", "birth": "1965-01", "category": "male",
		"contribution_months": 240, "average_index": "1.0", "account_balance_fen": 15000000}
	var got struct {
		RetirementMonth string `json:"retirement_month"`
		MonthlyFen      int64  `json:"monthly_fen"`
	}
	e.call(t, "POST", "/api/v1/pension-estimates", "", nil, est).want(t, 200).json(t, &got)
	// 12049 × (1 + 1.0) / 2 × 20 × 1% = 2409.80; 150000 / 139 = 1079.14 (half-up).
	if got.RetirementMonth != "2025-02" || got.MonthlyFen != 240980+107914 {
		t.Fatalf("estimate = %+v, want retirement 2025-02 and 3488.94 yuan", got)
	}

	for _, tc := range []struct {
		cmd  string
		body any
		code int
		want string
	}{
		{"quote", map[string]any{"region": "110000", "person_type": "flexible", "as_of": "2025-09-15",
			"items": []map[string]any{{"insurance": "110", "base_fen": 716200}}, "periods": map[string]string{"from": "2025-07", "to": "2025-07"}}, 0, `"amount_fen": 143240`},
		{"quote", map[string]any{"region": "999999", "person_type": "flexible", "items": []map[string]any{{"insurance": "110"}}, "periods": map[string]string{"from": "2025-07", "to": "2025-07"}}, 2, `"code": "region_unknown"`},
		{"estimate", est, 0, `"retirement_month": "2025-02"`},
	} {
		in, _ := json.Marshal(tc.body)
		var out, errOut bytes.Buffer
		if code := app.Main([]string{tc.cmd}, bytes.NewReader(in), &out, &errOut); code != tc.code || !strings.Contains(out.String(), tc.want) {
			t.Errorf("shebao %s exit %d (want %d), output %s %s; want it to contain %s", tc.cmd, code, tc.code, out.String(), errOut.String(), tc.want)
		}
	}
	var bad bytes.Buffer
	if code := app.Main([]string{"quote"}, strings.NewReader("{not json"), &bad, &bad); code != 2 || !strings.Contains(bad.String(), "invalid_json") {
		t.Errorf("bad JSON: exit %d, output %s", code, bad.String())
	}
}

func TestE2EDocumentValidation(t *testing.T) {
	t.Parallel()
	e := startApp(t)
	var ok struct {
		Valid  bool   `json:"valid"`
		Number string `json:"number"`
		Birth  string `json:"birth"`
	}
	e.call(t, "POST", "/api/v1/documents/validate", "", nil, map[string]string{"type": "resident_id", "number": "11010519491231002X"}).want(t, 200).json(t, &ok)
	if !ok.Valid || ok.Number != "110***********002X" || ok.Birth != "1949-12-31" {
		t.Fatalf("valid resident id answered %+v", ok)
	}
	for _, tc := range []struct{ typ, number, code, field string }{
		{"resident_id", "110105194912310021", "document_bad_checksum", "number"},
		{"home_return_permit", "X12345678", "document_wrong_prefix", "number"},
		{"foreign_permanent_residence", "1234", "document_wrong_length", "number"},
		{"drivers_licence", "1", "document_unknown_type", "type"},
	} {
		wantError(t, e.call(t, "POST", "/api/v1/documents/validate", "", nil, map[string]string{"type": tc.typ, "number": tc.number}), 422, tc.code, tc.field)
	}
}
