package app_test

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"

	"github.com/shebao-project/shebao/internal/app"
)

// TestLoadtestInProcess runs the load generator end to end on a small
// count: the figures it prints are only meaningful on a quiet machine, so
// the test checks that it completes orders without errors and reports them.
func TestLoadtestInProcess(t *testing.T) {
	var out bytes.Buffer
	code := app.Main([]string{"loadtest", "--in-process", "--citizens", "3", "--count", "12", "--json", "--signature-sample", "100ms"}, nil, &out, io.Discard)
	var s struct {
		Orders          int     `json:"orders"`
		OrdersPerSecond float64 `json:"orders_per_second"`
		SigLimit        float64 `json:"signature_limit_orders_per_second"`
		P99             float64 `json:"p99_ms"`
		Errors          int     `json:"errors"`
		Late            *int    `json:"registered_during_run"`
	}
	if err := json.Unmarshal(out.Bytes(), &s); err != nil || code != 0 {
		t.Fatalf("exit %d, output %s (%v)", code, out.String(), err)
	}
	if s.Orders != 12 || s.Errors != 0 || s.OrdersPerSecond <= 0 || s.SigLimit <= 0 || s.P99 <= 0 || s.Late == nil || *s.Late != 0 {
		t.Fatalf("summary %+v", s)
	}
}
