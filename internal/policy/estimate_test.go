package policy_test

import (
	"testing"

	"github.com/shebao-project/shebao/internal/policy"
)

func estimate(t *testing.T, req policy.EstimateRequest) *policy.Estimate {
	t.Helper()
	est, err := engine(t).Estimate(req)
	if err != nil {
		t.Fatalf("Estimate(%+v): %v", req, err)
	}
	return est
}

func TestEstimateBeijing(t *testing.T) {
	est := estimate(t, policy.EstimateRequest{Region: "110000", Birth: "1965-01", Category: "male",
		ContributionMonths: 240, AverageIndex: "1.0", AccountBalanceFen: 15000000})
	// 12049 (京人社发〔2025〕13号) × (1+1)/2 × 20 × 1% = 2409.80; 150000 ÷ 139 = 1079.1366… → 1079.14
	if est.RetirementMonth.String() != "2025-02" || est.RetirementAge != (policy.Age{Years: 60, Months: 1}) ||
		est.CalcBaseFen != 1204900 || est.BasicFen != 240980 || est.AccountFen != 107914 ||
		est.MonthlyFen != 348894 || !est.Met || est.MinimumMonthsRequired != 180 || est.PayoutMonths != 139 {
		t.Fatalf("estimate = %+v", est)
	}
	if len(est.Notes) != 0 {
		t.Errorf("every figure here is verified, notes = %+v", est.Notes)
	}
	for _, s := range est.Steps {
		if s.Zh == "" || s.En == "" || s.Value == "" || s.Status == "" {
			t.Errorf("step %+v", s)
		}
	}
}

// TestEstimateRounding: in fen, 1204900 × 1.63 / 2 × 187 / 1200 = 153027.32… → 153027 (half-up, exact).
func TestEstimateRounding(t *testing.T) {
	est := estimate(t, policy.EstimateRequest{Region: "110000", Birth: "1965-02", Category: "male",
		ContributionMonths: 187, AverageIndex: "0.63", AccountBalanceFen: 1})
	if est.BasicFen != 153027 || est.AccountFen != 0 {
		t.Fatalf("basic %d account %d", est.BasicFen, est.AccountFen)
	}
	// exactly half a fen rounds up: female_55 born 1969-12 retires at 55, payout 170; 17085 / 170 = 100.5 → 101
	half := estimate(t, policy.EstimateRequest{Region: "110000", Birth: "1969-12", Category: "female_55",
		ContributionMonths: 180, AverageIndex: "1", AccountBalanceFen: 17085})
	if half.PayoutMonths != 170 || half.AccountFen != 101 {
		t.Errorf("account = %d (payout %d)", half.AccountFen, half.PayoutMonths)
	}
}

func TestEstimateNotMet(t *testing.T) {
	est := estimate(t, policy.EstimateRequest{Region: "440100", Birth: "1980-03", Category: "female_50",
		ContributionMonths: 150, AverageIndex: "0.8", AccountBalanceFen: 3000000})
	// born 1980-03: delay (62/2)+1 = 32 months → 52y8m, retiring 2032-11; minimum 15+1.5 years = 198 months
	if est.RetirementMonth.String() != "2032-11" || est.MinimumMonthsRequired != 198 || est.Met ||
		est.ShortfallMonths != 48 || est.MonthlyFen != 0 || est.BasicFen == 0 {
		t.Fatalf("estimate = %+v", est)
	}
	if est.CalcBaseYear != 2025 || len(est.Notes) == 0 {
		t.Errorf("the 2025 base stands in for 2032 and must be noted: %+v", est.Notes)
	}
}

func TestEstimateGrowthAndFuture(t *testing.T) {
	est := estimate(t, policy.EstimateRequest{Region: "440100", Birth: "1970-01", Category: "male",
		ContributionMonths: 200, AverageIndex: "1", AccountBalanceFen: 10000000,
		FutureMonths: 100, FutureIndex: "0.6", AssumedWageGrowth: "0.03"})
	// born 1970-01: delay 60/4+1 = 16 months → 61y4m, retiring 2031-05; 9493 × 1.03^6 = 11335.1383… → 11335.14.
	// index (1×200 + 0.6×100)/300 = 13/15; basic 1133514 × (28/15) / 2 × 300 / 1200 = 264486.6 → 264487 fen
	// future credits 1133514 × 0.6 × 0.08 × 100 = 5440867.2 → 5440867; account (10000000 + 5440867) / 132 → 116976
	if est.RetirementMonth.String() != "2031-05" || est.CalcBaseFen != 1133514 || est.ContributionMonths != 300 ||
		est.BasicFen != 264487 || est.AccountFen != 116976 || est.PayoutMonths != 132 {
		t.Fatalf("estimate = %+v", est)
	}
}

func TestEstimateErrors(t *testing.T) {
	ok := policy.EstimateRequest{Region: "110000", Birth: "1965-01", Category: "male", ContributionMonths: 240, AverageIndex: "1"}
	cases := []struct {
		code, field string
		edit        func(*policy.EstimateRequest)
	}{
		{"region_unknown", "region", func(r *policy.EstimateRequest) { r.Region = "999999" }},
		{"no_calc_base", "region", func(r *policy.EstimateRequest) { r.Region = "national" }},
		{"invalid_request", "birth", func(r *policy.EstimateRequest) { r.Birth = "1965" }},
		{"invalid_request", "category", func(r *policy.EstimateRequest) { r.Category = "female" }},
		{"invalid_request", "average_index", func(r *policy.EstimateRequest) { r.AverageIndex = "3.5" }},
		{"invalid_request", "average_index", func(r *policy.EstimateRequest) { r.AverageIndex = "0" }},
		{"invalid_request", "future_index", func(r *policy.EstimateRequest) { r.FutureIndex = "x" }},
		{"invalid_request", "contribution_months", func(r *policy.EstimateRequest) { r.ContributionMonths = -1 }},
		{"invalid_request", "account_balance_fen", func(r *policy.EstimateRequest) { r.AccountBalanceFen = -1 }},
		{"invalid_request", "assumed_wage_growth", func(r *policy.EstimateRequest) { r.AssumedWageGrowth = "0.5" }},
	}
	e := engine(t)
	for _, c := range cases {
		req := ok
		c.edit(&req)
		_, err := e.Estimate(req)
		if err == nil {
			t.Errorf("%s %s: accepted", c.code, c.field)
			continue
		}
		if pe := policyErr(t, err); pe.Code != c.code || pe.Field != c.field {
			t.Errorf("got %s at %s, want %s at %s", pe.Code, pe.Field, c.code, c.field)
		}
	}
}
