package policy

import (
	"math/big"

	"github.com/shebao-project/shebao/internal/money"
)

// stepBook accumulates the worked steps and notes of an estimate.
type stepBook struct {
	steps []Step
	notes noteSet
}

func (b *stepBook) add(key, zh, en, value, status string) {
	b.steps = append(b.steps, Step{Key: key, Zh: zh, En: en, Value: value, Status: status})
}

func (b *stepBook) inputs(in *estimateInput) {
	r := in.req
	b.add("birth", "出生年月", "birth month", in.birth.String(), "input")
	b.add("category", "人员类别", "category", r.Category, "input")
	b.add("contribution_months", "已缴费月数", "months contributed", itoa(r.ContributionMonths), "input")
	b.add("average_index", "平均缴费指数", "average contribution index", ratString(in.idx), "input")
	b.add("account_balance", "个人账户储存额", "personal-account balance", r.AccountBalanceFen.Yuan(), "input")
	if r.FutureMonths > 0 {
		b.add("future_months", "预计继续缴费月数", "months still to contribute", itoa(r.FutureMonths), "input")
		b.add("future_index", "未来缴费指数", "index of future contributions", ratString(in.futIdx), "input")
	}
	if in.growth != nil {
		b.add("assumed_wage_growth", "假设计发基数年增长率", "assumed yearly growth of the calculation base", ratString(in.growth), "input")
	}
}

func (b *stepBook) retirement(est *Estimate) {
	age := est.RetirementAge
	b.add("retirement_age", "法定退休年龄（渐进式延迟退休办法）", "statutory retirement age (2025 gradual reform)",
		itoa(age.Years)+"y"+itoa(age.Months)+"m", StatusVerified)
	b.add("retirement_month", "退休年月", "retirement month", est.RetirementMonth.String(), "computed")
	b.add("minimum_months", "退休当年最低缴费月数（办法第二条）", "minimum contribution months in the retirement year",
		itoa(est.MinimumMonthsRequired), StatusVerified)
}

// calcBase picks the region's 计发基数 for the retirement year: that year's
// figure, else the nearest earlier one (projected with assumed growth if
// given), else the earliest later one. Any substitution is unverified.
func (e *Engine) calcBase(r *region, in *estimateInput, est *Estimate, b *stepBook) *Error {
	year := est.RetirementMonth.Year
	fig, pk := nearestCalcBase(r, year)
	if pk == nil {
		return errorf(CodeNoCalcBase, "region", "该地区没有可用的基本养老金计发基数", "no pension calculation base is known for region "+r.code, nil)
	}
	est.CalcBaseYear, est.CalcBaseFen = fig.Year, fig.Fen
	b.notes.addIfUnverified(pk.calcBaseNote(fig))
	b.add("calc_base_published", itoa(fig.Year)+"年计发基数", itoa(fig.Year)+" calculation base", fig.Fen.Yuan(), fig.Source.Status)
	if fig.Year == year {
		return nil
	}
	if n := year - fig.Year; n > 0 && in.growth != nil {
		f := mul(ratInt(int64(fig.Fen)), pow(new(big.Rat).Add(big.NewRat(1, 1), in.growth), n))
		v, ok := roundFen(f)
		if !ok {
			return overflow("assumed_wage_growth")
		}
		est.CalcBaseFen = v
		b.add("calc_base_projected", "按假设增长率推算 "+itoa(year)+" 年计发基数（四舍五入到分）",
			"calculation base projected to "+itoa(year)+" (half-up to the fen)", v.Yuan(), StatusUnverified)
	}
	b.notes.add(Note{Policy: pk.policyID(), Field: "pension_calc_base", Status: StatusUnverified,
		Zh: itoa(year) + " 年计发基数尚未公布，使用 " + itoa(fig.Year) + " 年数值" + projected(in, year > fig.Year, true),
		En: "no calculation base is published for " + itoa(year) + "; the " + itoa(fig.Year) + " figure is used" + projected(in, year > fig.Year, false)})
	return nil
}

func projected(in *estimateInput, later, zh bool) string {
	if in.growth == nil || !later {
		return ""
	}
	if zh {
		return "并按假设增长率 " + ratString(in.growth) + " 推算"
	}
	return ", projected at the assumed growth " + ratString(in.growth)
}

func nearestCalcBase(r *region, year int) (yearFigure, *pack) {
	var best yearFigure
	var bestPack *pack
	for _, pk := range r.packs {
		for _, y := range pk.spec.PensionCalcBase {
			if bestPack == nil || closer(y.Year, best.Year, year) {
				best, bestPack = y, pk
			}
		}
	}
	return best, bestPack
}

// closer prefers the target year, then the latest earlier year, then the earliest later one.
func closer(cand, cur, target int) bool {
	switch {
	case cur == target:
		return false
	case cand <= target && cur > target:
		return true
	case cand <= target:
		return cand > cur
	case cur > target:
		return cand < cur
	}
	return false
}

func computePension(in *estimateInput, est *Estimate, b *stepBook) *Error {
	base := ratInt(int64(est.CalcBaseFen))
	months := ratInt(int64(est.ContributionMonths))
	onePlus := new(big.Rat).Add(big.NewRat(1, 1), in.combinedIdx)
	basic, ok := roundFen(mul(base, onePlus, big.NewRat(1, 2), months, big.NewRat(1, 1200)))
	if !ok {
		return overflow("contribution_months")
	}
	b.add("combined_index", "综合平均缴费指数", "combined average index", ratString(in.combinedIdx), "computed")
	b.add("basic", "基础养老金 = 计发基数 ×（1 + 平均缴费指数）÷ 2 × 缴费年限 × 1%（国发〔2005〕38号，四舍五入到分）",
		"basic pension = base × (1 + index) ÷ 2 × years × 1% (国发〔2005〕38号, half-up to the fen)", basic.Yuan(), "computed")
	balance, err := projectedBalance(in, est.CalcBaseFen, b)
	if err != nil {
		return err
	}
	est.PayoutMonths, _ = PayoutMonths(est.RetirementAge)
	account, ok := roundFen(new(big.Rat).Quo(ratInt(int64(balance)), ratInt(int64(est.PayoutMonths))))
	if !ok {
		return overflow("account_balance_fen")
	}
	b.add("payout_months", "计发月数（按退休时已满周岁 "+itoa(est.RetirementAge.Years)+" 岁查表；不足一岁的月数舍去，官方未明确）",
		"payout months (table at the completed age "+itoa(est.RetirementAge.Years)+"; extra months dropped, not officially settled)",
		itoa(est.PayoutMonths), StatusUnverified)
	b.add("account", "个人账户养老金 = 储存额 ÷ 计发月数（四舍五入到分）", "account pension = balance ÷ payout months (half-up to the fen)",
		account.Yuan(), "computed")
	est.BasicFen, est.AccountFen = basic, account
	finish(est, b)
	return nil
}

// projectedBalance adds future contributions' 8% personal share, using the
// calculation base as the wage the index refers to; no interest is credited.
func projectedBalance(in *estimateInput, base money.Fen, b *stepBook) (money.Fen, *Error) {
	if in.req.FutureMonths == 0 {
		return in.req.AccountBalanceFen, nil
	}
	add, ok := roundFen(mul(ratInt(int64(base)), in.futIdx, ratRate(personalShare), ratInt(int64(in.req.FutureMonths))))
	total, err := money.Sum(in.req.AccountBalanceFen, add)
	if !ok || err != nil {
		return 0, overflow("future_months")
	}
	b.add("future_account", "未来缴费计入个人账户 = 计发基数 × 未来缴费指数 × 8% × 月数（未计利息）",
		"future personal-account credits = base × future index × 8% × months (no interest)", add.Yuan(), StatusUnverified)
	return total, nil
}

func finish(est *Estimate, b *stepBook) {
	est.Met = est.ContributionMonths >= est.MinimumMonthsRequired
	if !est.Met {
		est.ShortfallMonths = est.MinimumMonthsRequired - est.ContributionMonths
		b.add("not_met", "未达最低缴费年限：不能按月领取基本养老金，可延长缴费或一次性缴费补足差额月数",
			"minimum not met: no monthly pension until the missing months are paid by extending or in a lump sum",
			itoa(est.ShortfallMonths), "computed")
		return
	}
	est.MonthlyFen = est.BasicFen + est.AccountFen
	b.add("monthly", "月基本养老金 = 基础养老金 + 个人账户养老金", "monthly pension = basic + account", est.MonthlyFen.Yuan(), "computed")
}
