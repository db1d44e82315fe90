package policy_test

import (
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/policy"
	"github.com/shebao-project/shebao/policies"
)

func benchEngine(b *testing.B) *policy.Engine {
	e, err := policy.Load(policies.FS, func() time.Time { return time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC) })
	if err != nil {
		b.Fatal(err)
	}
	return e
}

// BenchmarkQuote prices Beijing pension and medical for one month, the
// calculation behind every bill and order.
func BenchmarkQuote(b *testing.B) {
	e := benchEngine(b)
	base := money.Fen(727000)
	req := policy.QuoteRequest{Region: "110000", PersonType: "flexible", AsOf: "2026-11-26",
		Items:   []policy.QuoteItem{{Insurance: "110", BaseFen: &base}, {Insurance: "310", Base: "floor"}},
		Periods: policy.Periods{From: "2026-11", To: "2026-11"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Quote(req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQuoteAcrossWindows prices a quarter spanning Beijing's July change.
func BenchmarkQuoteAcrossWindows(b *testing.B) {
	e := benchEngine(b)
	req := policy.QuoteRequest{Region: "110000", PersonType: "flexible", AsOf: "2026-07-15",
		Items:   []policy.QuoteItem{{Insurance: "110", Base: "floor"}},
		Periods: policy.Periods{From: "2026-05", To: "2026-07"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Quote(req); err != nil {
			b.Fatal(err)
		}
	}
}
