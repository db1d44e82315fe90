package policy_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/shebao-project/shebao/internal/policy"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// goldenQuotes are the demo people and the July change; their responses are
// the external JSON contract, so any change to them must be deliberate.
var goldenQuotes = map[string]string{
	"beijing_floor_2026-11": `{"region":"110000","person_type":"flexible","items":[{"insurance":"110","base":"floor"},{"insurance":"310","base":"floor"}],"periods":{"from":"2026-11","to":"2026-11"}}`,
	"guangzhou_arrears":     `{"region":"440100","person_type":"flexible","items":[{"insurance":"110","base_fen":551000}],"periods":{"from":"2026-08","to":"2026-11"}}`,
	"nanjing_2026-11":       `{"region":"320100","person_type":"flexible","items":[{"insurance":"110","base":"floor"}],"periods":{"from":"2026-11","to":"2026-11"}}`,
	"chengdu_resident_2027": `{"region":"510100","person_type":"resident","items":[{"insurance":"390"}],"periods":{"from":"2027","to":"2027"}}`,
	"beijing_july_change":   `{"region":"110000","person_type":"flexible","items":[{"insurance":"110","base_fen":800000},{"insurance":"310","base_ratio":"0.7"}],"periods":{"from":"2026-06","to":"2026-07"},"as_of":"2026-07-10"}`,
}

func TestGoldenQuotes(t *testing.T) {
	e := engine(t)
	for name, body := range goldenQuotes {
		var req policy.QuoteRequest
		if err := json.Unmarshal([]byte(body), &req); err != nil {
			t.Fatal(err)
		}
		q, err := e.Quote(req)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		golden(t, name, q)
	}
}

func TestGoldenEstimate(t *testing.T) {
	var req policy.EstimateRequest
	body := `{"region":"110000","birth":"1965-01","category":"male","contribution_months":240,"average_index":"1.0","account_balance_fen":15000000}`
	if err := json.Unmarshal([]byte(body), &req); err != nil {
		t.Fatal(err)
	}
	golden(t, "estimate_beijing_1965-01", estimate(t, req))
}

func golden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s (run go test -update if intended):\n%s", name, path, got)
	}
}
