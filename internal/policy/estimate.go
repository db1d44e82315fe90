package policy

import (
	"math/big"
	"strconv"

	"github.com/shebao-project/shebao/internal/money"
)

// EstimateRequest asks for a pension estimate (养老金测算). JSON names are
// an external contract.
type EstimateRequest struct {
	Region             string    `json:"region"`
	Birth              string    `json:"birth"`    // "1965-01"
	Category           string    `json:"category"` // male | female_55 | female_50
	ContributionMonths int       `json:"contribution_months"`
	AverageIndex       string    `json:"average_index"` // 平均缴费指数, e.g. "1.0"
	AccountBalanceFen  money.Fen `json:"account_balance_fen"`
	FutureMonths       int       `json:"future_months,omitempty"`       // months still to contribute
	FutureIndex        string    `json:"future_index,omitempty"`        // their index; default average_index
	AssumedWageGrowth  string    `json:"assumed_wage_growth,omitempty"` // e.g. "0.03" a year, projects the calc base
}

// Estimate is the result with every input, table value and step shown.
// BasicFen and AccountFen are the formula results; MonthlyFen is their sum
// when the minimum contribution period is met and 0 otherwise.
type Estimate struct {
	Region                string    `json:"region"`
	RetirementMonth       Month     `json:"retirement_month"`
	RetirementAge         Age       `json:"retirement_age"`
	ContributionMonths    int       `json:"contribution_months"`
	MinimumMonthsRequired int       `json:"minimum_months_required"`
	Met                   bool      `json:"met"`
	ShortfallMonths       int       `json:"shortfall_months"`
	CalcBaseYear          int       `json:"calc_base_year"`
	CalcBaseFen           money.Fen `json:"calc_base_fen"`
	PayoutMonths          int       `json:"payout_months"`
	BasicFen              money.Fen `json:"basic_fen"`
	AccountFen            money.Fen `json:"account_fen"`
	MonthlyFen            money.Fen `json:"monthly_fen"`
	Steps                 []Step    `json:"steps"`
	Notes                 []Note    `json:"notes"`
}

// Step is one line of the worked estimate. Status is input, table,
// verified, unverified or computed.
type Step struct {
	Key    string `json:"key"`
	Zh     string `json:"zh"`
	En     string `json:"en"`
	Value  string `json:"value"`
	Status string `json:"status"`
}

// personalShare is the 8% of the base credited to the personal account
// (国发〔2005〕38号 §三), used to project future contributions.
var personalShare = money.MustRate("0.08")

var maxIndex = money.MustRate("3")

// estimateInput is a parsed and checked EstimateRequest.
type estimateInput struct {
	req         *EstimateRequest
	birth       Month
	idx, futIdx *big.Rat
	growth      *big.Rat
	totalMonths int
	combinedIdx *big.Rat
}

// Estimate computes the pension estimate. Refusals are *Error.
func (e *Engine) Estimate(req EstimateRequest) (*Estimate, error) {
	est, err := e.estimate(&req)
	if err != nil {
		return nil, err
	}
	return est, nil
}

func (e *Engine) estimate(req *EstimateRequest) (*Estimate, *Error) {
	r, err := e.packs().region(req.Region, "region")
	if err != nil {
		return nil, err
	}
	in, err := parseEstimate(req)
	if err != nil {
		return nil, err
	}
	age, ret, _ := RetirementAge(req.Category, in.birth)
	est := &Estimate{Region: r.code, RetirementMonth: ret, RetirementAge: age,
		ContributionMonths: in.totalMonths, MinimumMonthsRequired: MinimumMonths(ret.Year)}
	b := &stepBook{}
	b.inputs(in)
	b.retirement(est)
	if err := e.calcBase(r, in, est, b); err != nil {
		return nil, err
	}
	if err := computePension(in, est, b); err != nil {
		return nil, err
	}
	est.Steps, est.Notes = b.steps, b.notes.list()
	return est, nil
}

func parseEstimate(req *EstimateRequest) (*estimateInput, *Error) {
	in := &estimateInput{req: req}
	birth, err := ParseMonth(req.Birth)
	if err != nil {
		return nil, invalid("birth", "出生年月格式应为 1965-01", "birth must be a month like 1965-01")
	}
	in.birth = birth
	if _, ok := reformRules[req.Category]; !ok {
		return nil, errorf(CodeInvalidRequest, "category", "人员类别无效", "category must be male, female_55 or female_50",
			[]string{CategoryMale, CategoryFemale55, CategoryFemale50})
	}
	if req.ContributionMonths < 0 || req.ContributionMonths > 720 || req.FutureMonths < 0 || req.FutureMonths > 720 {
		return nil, invalid("contribution_months", "缴费月数应在 0 至 720 之间", "contribution months must be within 0..720")
	}
	if req.AccountBalanceFen < 0 || req.AccountBalanceFen > 1<<50 {
		return nil, invalid("account_balance_fen", "个人账户储存额无效", "account_balance_fen is out of range")
	}
	if in.idx = parseIndex(req.AverageIndex); in.idx == nil {
		return nil, invalid("average_index", "平均缴费指数应为 0 至 3 之间的小数，如 1.0", "average_index must be a decimal above 0 and at most 3")
	}
	in.futIdx = in.idx
	if req.FutureIndex != "" {
		if in.futIdx = parseIndex(req.FutureIndex); in.futIdx == nil {
			return nil, invalid("future_index", "未来缴费指数应为 0 至 3 之间的小数", "future_index must be a decimal above 0 and at most 3")
		}
	}
	if req.AssumedWageGrowth != "" {
		g, err := money.ParseRate(req.AssumedWageGrowth)
		if err != nil || g.Cmp(money.MustRate("0.2")) > 0 {
			return nil, invalid("assumed_wage_growth", "工资增长率应为 0 至 0.2 之间的小数", "assumed_wage_growth must be a decimal within 0..0.2")
		}
		in.growth = ratRate(g)
	}
	in.combine()
	return in, nil
}

func parseIndex(s string) *big.Rat {
	v, err := money.ParseRate(s)
	if err != nil || v.IsZero() || v.Cmp(maxIndex) > 0 {
		return nil
	}
	return ratRate(v)
}

// combine weights past and future indices by their months.
func (in *estimateInput) combine() {
	m, fm := int64(in.req.ContributionMonths), int64(in.req.FutureMonths)
	in.totalMonths = int(m + fm)
	if m+fm == 0 {
		in.combinedIdx = new(big.Rat).Set(in.idx)
		return
	}
	sum := new(big.Rat).Add(mul(in.idx, ratInt(m)), mul(in.futIdx, ratInt(fm)))
	in.combinedIdx = sum.Quo(sum, ratInt(m+fm))
}

func itoa(i int) string { return strconv.Itoa(i) }
