package policy

import (
	"fmt"
	"time"
)

// Retirement categories of the 2024 reform decision (渐进式延迟法定退休年龄).
const (
	CategoryMale     = "male"      // men, originally 60
	CategoryFemale55 = "female_55" // women whose original age was 55
	CategoryFemale50 = "female_50" // women whose original age was 50
)

// Age is a retirement age in years and months.
type Age struct {
	Years  int `json:"years"`
	Months int `json:"months"`
}

// reformRule: from the first birth month affected, one month of delay per
// `every` months of birth, up to maxDelay months.
type reformRule struct {
	original int // years
	first    Month
	every    int
	maxDelay int
}

// Source: 全国人民代表大会常务委员会关于实施渐进式延迟法定退休年龄的决定 and
// 国务院关于渐进式延迟法定退休年龄的办法 第一条 (2025-01-01): "男职工和原法定退休
// 年龄为五十五周岁的女职工，法定退休年龄每四个月延迟一个月，分别逐步延迟至六十三周岁
// 和五十八周岁；原法定退休年龄为五十周岁的女职工，法定退休年龄每二个月延迟一个月，
// 逐步延迟至五十五周岁。" https://www.gov.cn/yaowen/liebiao/202409/content_6974294.htm
var reformRules = map[string]reformRule{
	CategoryMale:     {60, Month{1965, time.January}, 4, 36},
	CategoryFemale55: {55, Month{1970, time.January}, 4, 36},
	CategoryFemale50: {50, Month{1975, time.January}, 2, 60},
}

// RetirementAge returns the statutory retirement age and the month of
// retirement (birth month + age) for a birth month and category. The first
// affected birth month is delayed one month: a man born 1965-01 retires at
// 60 years 1 month, in 2025-02, as in the official table (附件1).
func RetirementAge(category string, birth Month) (Age, Month, error) {
	rule, ok := reformRules[category]
	if !ok {
		return Age{}, Month{}, fmt.Errorf("policy: unknown retirement category %q", category)
	}
	delay := 0
	if !birth.Before(rule.first) {
		delay = min(birth.Sub(rule.first)/rule.every+1, rule.maxDelay)
	}
	total := rule.original*12 + delay
	return Age{Years: total / 12, Months: total % 12}, birth.Add(total), nil
}

// MinimumMonths is the minimum contribution period for a monthly pension for
// people retiring in year: 15 years until 2029, then six months more each
// year from 2030 until 20 years in 2039 (办法第二条, 附件4).
func MinimumMonths(year int) int {
	if year <= 2029 {
		return 180
	}
	return min(180+6*(year-2029), 240)
}

// payoutMonths is the 计发月数 table by whole retirement age, attachment to
// 国发〔2005〕38号 (values as reposted by Shanghai HRSS and Chongqing HRSS).
var payoutMonths = map[int]int{
	40: 233, 41: 230, 42: 226, 43: 223, 44: 220, 45: 216, 46: 212, 47: 208, 48: 204, 49: 199,
	50: 195, 51: 190, 52: 185, 53: 180, 54: 175, 55: 170, 56: 164, 57: 158, 58: 152, 59: 145,
	60: 139, 61: 132, 62: 125, 63: 117, 64: 109, 65: 101, 66: 93, 67: 84, 68: 75, 69: 65, 70: 56,
}

// PayoutMonths returns the payout months for a retirement age. No official
// rule was found for ages with extra months (60 years 3 months): this engine
// uses the completed years (60), the lower age and so the larger divisor,
// which never overstates the account pension; estimates mark it unverified.
func PayoutMonths(age Age) (int, bool) {
	n, ok := payoutMonths[age.Years]
	return n, ok
}
