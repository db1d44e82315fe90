package policy_test

import (
	"math/rand/v2"
	"testing"

	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/policy"
)

// rangeRegions have a range or agency base for 110 and 310 (where online) in 2026-11.
var rangeRegions = []struct{ region, medical string }{
	{"110000", "310"}, {"310000", "310"}, {"440100", ""}, {"440300", ""}, {"320100", ""},
	{"330100", ""}, {"510100", ""}, {"430100", ""},
}

// TestAmountNeverDecreases: a higher base never costs less, in every region.
func TestAmountNeverDecreases(t *testing.T) {
	e := engine(t)
	rng := rand.New(rand.NewPCG(1, 2)) // fixed seed: reproducible
	for _, r := range rangeRegions {
		v, err := e.RegionAt(r.region, month(t, "2026-11"))
		if err != nil {
			t.Fatal(err)
		}
		lo, hi := int64(v.Floor.Fen), int64(v.Ceiling.Fen)
		prev := money.Fen(-1)
		for base := lo; base <= hi; base += 1 + rng.Int64N(40000) {
			q := quote(t, e, pricing(r.region, r.medical, base))
			if q.TotalFen < prev {
				t.Fatalf("%s: base %d costs %d, less than the lower base's %d", r.region, base, q.TotalFen, prev)
			}
			prev = q.TotalFen
		}
	}
}

func pricing(region, medical string, base int64) policy.QuoteRequest {
	items := []policy.QuoteItem{{Insurance: "110", BaseFen: fen(base)}}
	if medical != "" {
		items = append(items, policy.QuoteItem{Insurance: medical, BaseFen: fen(base)})
	}
	return policy.QuoteRequest{Region: region, PersonType: "flexible", Items: items, Periods: months("2026-11", "2026-11")}
}

// TestTotalIsSumOfLines over random valid requests, including late fees.
func TestTotalIsSumOfLines(t *testing.T) {
	e, test := engine(t), testEngine(t, nil)
	rng := rand.New(rand.NewPCG(3, 4))
	priced := 0
	for range 300 {
		r := rangeRegions[rng.IntN(len(rangeRegions))]
		from := month(t, "2026-08").Add(rng.IntN(4))
		req := pricing(r.region, r.medical, 800000+rng.Int64N(1500000))
		req.Periods = months(from.String(), "2026-11")
		treq := pricing("999999", "", 600000+rng.Int64N(2400000))
		treq.AsOf, treq.Periods = "2025-12-20", months(month(t, "2025-06").Add(rng.IntN(7)).String(), "2025-12")
		priced += checkSum(t, e, req) + checkSum(t, test, treq)
	}
	if priced < 400 {
		t.Fatalf("only %d of 600 random requests priced: the property was barely exercised", priced)
	}
}

func checkSum(t *testing.T, e *policy.Engine, req policy.QuoteRequest) int {
	t.Helper()
	q, err := e.Quote(req)
	if err != nil {
		return 0 // refusals are covered elsewhere; only priced quotes must add up
	}
	var sum money.Fen
	for _, l := range q.Lines {
		sum += l.AmountFen
	}
	if sum != q.TotalFen || len(q.Lines) == 0 {
		t.Fatalf("total %d != sum of lines %d for %+v", q.TotalFen, sum, req)
	}
	return 1
}
