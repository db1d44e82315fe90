package payment

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/money"
)

func months(n int, amount money.Fen) []billing.Bill {
	var out []billing.Bill
	for i := 0; i < n; i++ {
		p := fmt.Sprintf("2026-%02d", i+1)
		out = append(out, billing.Bill{ID: "p" + p, Period: p, AmountFen: amount})
	}
	return out
}

func TestSplitPlan(t *testing.T) {
	// WeChat Pay in the packs: 20,000 yuan a payment, 50,000 yuan a day.
	wx := Limits{PerPaymentFen: 2_000_000, PerDayFen: 5_000_000}
	tests := []struct {
		name  string
		bills []billing.Bill
		l     Limits
		want  []Part
	}{
		{"fits in one", months(2, 500_000), wx, []Part{{0, []string{"p2026-01", "p2026-02"}, 1_000_000}}},
		{"12 months of 7,270 yuan: per-payment and per-day limits", months(12, 727_000), wx, []Part{
			{0, []string{"p2026-01", "p2026-02"}, 1_454_000},
			{0, []string{"p2026-03", "p2026-04"}, 1_454_000},
			{0, []string{"p2026-05", "p2026-06"}, 1_454_000},
			{1, []string{"p2026-07", "p2026-08"}, 1_454_000},
			{1, []string{"p2026-09", "p2026-10"}, 1_454_000},
			{1, []string{"p2026-11", "p2026-12"}, 1_454_000},
		}},
		{"today partly used", months(2, 1_000_000), Limits{PerPaymentFen: 2_000_000, PerDayFen: 5_000_000, UsedTodayFen: 4_500_000},
			[]Part{{1, []string{"p2026-01", "p2026-02"}, 2_000_000}}},
		{"a month over the limit needs another channel", months(1, 2_500_000), wx, nil},
		{"one period's bills stay together", []billing.Bill{
			{ID: "m1", Period: "2026-02", AmountFen: 800_000}, {ID: "p1", Period: "2026-02", AmountFen: 1_100_000},
			{ID: "p0", Period: "2026-01", AmountFen: 1_500_000},
		}, wx, []Part{{0, []string{"p0"}, 1_500_000}, {0, []string{"m1", "p1"}, 1_900_000}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SplitPlan(tt.bills, tt.l)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("SplitPlan =\n%+v\nwant\n%+v", got, tt.want)
			}
			// Properties: every bill once; no part over a limit; per day within the allowance.
			seen := map[string]int{}
			perDay := map[int]money.Fen{0: tt.l.UsedTodayFen}
			for _, p := range got {
				for _, id := range p.BillIDs {
					seen[id]++
				}
				perDay[p.Day] += p.AmountFen
				if p.AmountFen > tt.l.PerPaymentFen {
					t.Errorf("part %+v over the per-payment limit", p)
				}
			}
			for d, v := range perDay {
				if v > tt.l.PerDayFen {
					t.Errorf("day %d uses %d, over %d", d, v, tt.l.PerDayFen)
				}
			}
			if got != nil && len(seen) != len(tt.bills) {
				t.Errorf("plan covers %d of %d bills", len(seen), len(tt.bills))
			}
		})
	}
}
