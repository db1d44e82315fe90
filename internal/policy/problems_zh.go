package policy

import "fmt"

// reasonsZh gives each problem's English format its Chinese one, with the
// same verbs in the same order, so that an operator who publishes a pack in
// the console reads what is wrong in Chinese. A test walks every p.add call
// in this package and fails for a format missing here.
var reasonsZh = map[string]string{
	// Windows across one region (load.go).
	"overlaps %s, which is open-ended":                                          "与 %s 重叠：该政策包未设截止月份",
	"window starting %s overlaps %s (ends %s)":                                  "自 %s 起的期间与 %s（截至 %s）重叠",
	"gap: %s ends %s but this window starts %s":                                 "期间不连续：%s 截至 %s，而本政策包自 %s 起生效",
	"region name differs from %s":                                               "地区名称与 %s 不一致",
	"year %d is also given in %s":                                               "%d 年度的数值已在 %s 中给出",
	"coverage year %d is also given in %s":                                      "%d 缴费年度的标准已在 %s 中给出",
	"cannot decode: %v":                                                         "YAML 无法解析：%v",
	"name and name_en are required":                                             "须填写中英文地区名称（name、name_en）",
	"rounding is required":                                                      "须填写取整规则（rounding）",
	"%q is not a month like 2025-07":                                            "%q 不是形如 2025-07 的月份",
	"%q is not a month like 2026-06":                                            "%q 不是形如 2026-06 的月份",
	"window ends (%s) before it starts (%s)":                                    "截止月份（%s）早于生效月份（%s）",
	"at least one value is required":                                            "至少须填写一项",
	"unknown value %q":                                                          "未知的取值 %q",
	"duplicate value %q":                                                        "取值 %q 重复",
	"at least one channel is required":                                          "至少须配置一个支付渠道",
	"duplicate channel %q":                                                      "支付渠道 %q 重复",
	"floor %d fen is above ceiling %d fen":                                      "缴费基数下限 %d 分高于上限 %d 分",
	"must be positive, got %d":                                                  "须为正数，实为 %d",
	"year %d is out of range":                                                   "年份 %d 超出范围",
	"duplicate year %d":                                                         "年份 %d 重复",
	"%q is not a non-negative decimal rate":                                     "%q 不是非负的小数费率",
	"rate %s must be above 0 and at most %s":                                    "费率 %s 须大于 0 且不超过 %s",
	"%q is not a GB/T 2260 six-digit code or \"national\"":                      "%q 不是 GB/T 2260 六位行政区划代码，也不是 \"national\"",
	"unknown profile %q (want guangdong|jiangsu|national)":                      "未知的展示模板 %q（应为 guangdong、jiangsu 或 national）",
	"file %s%s must be named <region>/<effective_from>.yaml (%s)":               "文件 %s%s 应命名为 <地区代码>/<生效月份>.yaml（%s）",
	"unknown rounding %q (want half_up_fen|down_fen|up_jiao|half_up_yuan)":      "未知的取整规则 %q（应为 half_up_fen、down_fen、up_jiao 或 half_up_yuan）",
	"unknown channel %q (want wechatpay|wechatpay_native|ssc_account|unionpay)": "未知的支付渠道 %q（应为 wechatpay、wechatpay_native、ssc_account 或 unionpay）",
	"limits must satisfy 0 < per_payment_fen <= per_day_fen":                    "限额须满足 0 < 单笔限额（per_payment_fen）≤ 单日限额（per_day_fen）",

	// Credit pay (credit.go), and the channel list that now includes it.
	"unknown channel %q (want wechatpay|wechatpay_native|ssc_account|unionpay|credit_pay)": "未知的支付渠道 %q（应为 wechatpay、wechatpay_native、ssc_account、unionpay 或 credit_pay）",
	"credit terms belong to credit_pay only":                                               "信用付条款（credit）只能用于 credit_pay 渠道",
	"credit_pay needs credit terms (limit_fen, repay_day, retries, retry_every_days)":      "credit_pay 渠道须填写信用付条款（limit_fen、repay_day、retries、retry_every_days）",
	"must satisfy 0 < limit_fen <= per_day_fen":                                            "须满足 0 < 信用额度（limit_fen）≤ 单日限额（per_day_fen）",
	"must be a day from 1 to 28":                                                           "须为1至28日之间的某一天",
	"must be from 0 to 10":                                                                 "须在0至10之间",
	"must be from 1 to 10":                                                                 "须在1至10之间",

	// Family mutual-aid offset (offset.go), and the channel list that now includes it.
	"unknown channel %q (want wechatpay|wechatpay_native|ssc_account|unionpay|credit_pay|family_offset)": "未知的支付渠道 %q（应为 wechatpay、wechatpay_native、ssc_account、unionpay、credit_pay 或 family_offset）",
	"family offset terms belong to family_offset only":                                                   "家庭共济条款（family_offset）只能用于 family_offset 渠道",
	"family_offset needs terms (insurances, relationships, source)":                                      "family_offset 渠道须填写家庭共济条款（insurances、relationships、source）",
	"insurance %s is not offered online in this pack, so it cannot be offset":                            "本政策包未在线提供险种 %s，不能用家庭共济抵扣",
	"the pack's employee medical insurance (310) must have binding family_offset_allowed":                "本政策包的职工医保（310）须设 binding 为 family_offset_allowed（个人账户可家庭共济），才能提供家庭共济抵扣",

	// Sources (source.go).
	"%q is not an http(s) URL": "%q 不是 http(s) 网址",
	"a verified figure must cite a notice (文号) or an official gov.cn URL": "已核实（verified）的数值须注明文号或 gov.cn 官方网址",
	"an unverified figure must give reason and reason_en":                 "未核实（unverified）的数值须填写中英文原因（reason、reason_en）",
	"missing source (status verified|unverified)":                         "缺少来源（status 应为 verified 或 unverified）",
	"unknown status %q (want verified|unverified)":                        "未知的核实状态 %q（应为 verified 或 unverified）",

	// Insurance types (validate_insurance.go).
	"at least one insurance type is required":                                             "至少须配置一个险种",
	"unknown insurance code %q (aae140: 110 170 210 310 390 410 510)":                     "未知的险种代码 %q（aae140：110 170 210 310 390 410 510）",
	"duplicate insurance code %q":                                                         "险种代码 %q 重复",
	"unknown family %q (want range|grades|agency|flat_annual)":                            "未知的缴费方式 %q（应为 range、grades、agency 或 flat_annual）",
	"a type not offered online must give offline_reason and offline_reason_en":            "不支持线上缴费的险种须填写中英文原因（offline_reason、offline_reason_en）",
	"late fees apply to monthly contributions only":                                       "滞纳金只适用于按月缴费的险种",
	"personal-account share %s exceeds the rate %s":                                       "个人账户记账比例 %s 超过费率 %s",
	"unknown grade unit %q (want base|annual_amount)":                                     "未知的档次单位 %q（应为 base 或 annual_amount）",
	"at least one grade is required":                                                      "至少须列出一个缴费档次",
	"grades must be positive and strictly ascending":                                      "缴费档次须为正数且严格递增",
	"employee medical insurance (310) must declare its binding to pension":                "职工基本医疗保险（310）须声明与养老保险的绑定规则",
	"binding applies only to medical insurance (310, 390)":                                "绑定规则只适用于医疗保险（310、390）",
	"yearly premiums use exactly [annual]; monthly contributions never use annual":        "按年缴费的险种缴费周期只能是 [annual]；按月缴费的险种不能使用 annual",
	"advance_months %d is outside 0..24":                                                  "可预缴月数 %d 超出 0 至 24",
	"back-payment window %d is outside 0..120 months":                                     "可补缴月数 %d 超出 0 至 120",
	"an online type must declare its cycles":                                              "支持线上缴费的险种须声明缴费周期（cycles）",
	"family %s needs a rate":                                                              "缴费方式 %s 须填写费率",
	"family %s takes no rate: the amount is the grade or premium itself":                  "缴费方式 %s 不设费率：金额即档次或保费本身",
	"family range needs the pack's floor and ceiling":                                     "缴费方式 range 须有政策包的缴费基数上下限（floor、ceiling）",
	"family grades needs a grade list":                                                    "缴费方式 grades 须列出缴费档次",
	"family flat_annual needs premiums by coverage year":                                  "缴费方式 flat_annual 须按缴费年度列出保费",
	"unknown binding %q (want with_pension_required|alone_allowed|family_offset_allowed)": "未知的绑定规则 %q（应为 with_pension_required、alone_allowed 或 family_offset_allowed）",
}

// reasonZh is the Chinese reason for a problem; a format without a
// translation still tells the operator which field, with the English text.
func reasonZh(field, format string, args []any) string {
	if zh, ok := reasonsZh[format]; ok {
		return fmt.Sprintf(zh, args...)
	}
	return "字段 " + field + " 有误：" + fmt.Sprintf(format, args...)
}
