package wxplatform

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// valueRules checks a keyword's value by the keyword's type, following
// "订阅消息参数值内容限制说明" of subscribeMessage.send
// (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-message-management/subscribe-message/sendMessage.html#其他说明).
// Every value must be non-empty ("模板参数不准确，可能为空或者不满足规则").
// enum (only values from a list the console shows) is not supported: no
// template here uses it. Where the table is vague the reading is noted.
var valueRules = map[string]func(string) bool{
	// 事物：20个以内字符，可汉字、数字、字母或符号组合. "字符" is read as a
	// Unicode character, so 20 汉字 fit.
	"thing": func(v string) bool { return runeLen(v) <= 20 && !hasControl(v) },
	// 数字：32位以内数字，只能数字，可带小数.
	"number": func(v string) bool { return len(v) <= 32 && numberRE.MatchString(v) },
	// 字母：32位以内字母，只能字母.
	"letter": func(v string) bool { return len(v) <= 32 && letterRE.MatchString(v) },
	// 符号：5位以内符号，只能符号.
	"symbol": func(v string) bool { return runeLen(v) <= 5 && all(v, isSymbol) },
	// 字符串：32位以内数字、字母或符号，可数字、字母或符号组合.
	"character_string": func(v string) bool {
		return runeLen(v) <= 32 && all(v, func(r rune) bool { return isASCIIAlnum(r) || isSymbol(r) })
	},
	// 时间：24小时制时间格式（支持+年月日），支持填时间段，两个时间点之间用
	// "~"符号连接，例如 15:01 或 2019年10月1日 15:01.
	"time": func(v string) bool { return eachPoint(v, timePointRE) },
	// 日期：年月日格式（支持+24小时制时间），支持填时间段，例如 2019年10月1日
	// 或 2019年10月1日 15:01.
	"date": func(v string) bool { return eachPoint(v, datePointRE) },
	// 金额：1个币种符号+10位以内纯数字，可带小数，结尾可带"元". Read as: an
	// optional currency sign, at most 10 integer digits, at most two
	// decimals; no thousands separators ("纯数字"), so "¥1,454.00" fails.
	"amount": func(v string) bool { return amountRE.MatchString(v) },
	// 电话：17位以内，数字、符号，例 +86-0766-66888866.
	"phone_number": func(v string) bool {
		return runeLen(v) <= 17 && all(v, func(r rune) bool { return isDigit(r) || isSymbol(r) })
	},
	// 车牌：8位以内，第一位与最后一位可为汉字，其余为字母或数字.
	"car_number": validCarNumber,
	// 姓名：10个以内纯汉字或20个以内纯字母或符号；中文和字母混合按中文名算，
	// 10个字内.
	"name": validName,
	// 汉字：5个以内纯汉字，例如：配送中.
	"phrase": func(v string) bool { return runeLen(v) <= 5 && all(v, isHan) },
}

var (
	numberRE = regexp.MustCompile(`^\d+(\.\d+)?$`)
	letterRE = regexp.MustCompile(`^[A-Za-z]+$`)
	amountRE = regexp.MustCompile(`^[¥￥$€£]?\d{1,10}(\.\d{1,2})?元?$`)

	datePart    = `\d{4}(年(0?[1-9]|1[0-2])月(0?[1-9]|[12]\d|3[01])日|-(0?[1-9]|1[0-2])-(0?[1-9]|[12]\d|3[01])|/(0?[1-9]|1[0-2])/(0?[1-9]|[12]\d|3[01]))`
	clockPart   = `([01]?\d|2[0-3]):[0-5]\d(:[0-5]\d)?`
	timePointRE = regexp.MustCompile(`^(` + datePart + ` ?)?` + clockPart + `$`)
	datePointRE = regexp.MustCompile(`^` + datePart + `( ?` + clockPart + `)?$`)
)

// checkValue reports whether v is acceptable for keyword (e.g. "amount2").
func checkValue(keyword, v string) bool {
	rule := valueRules[keywordType(keyword)]
	return rule != nil && v != "" && rule(v)
}

// eachPoint accepts one point in time or a range "a~b" of two.
func eachPoint(v string, point *regexp.Regexp) bool {
	parts := strings.Split(v, "~")
	if len(parts) > 2 {
		return false
	}
	for _, p := range parts {
		if !point.MatchString(strings.TrimSpace(p)) {
			return false
		}
	}
	return true
}

func validCarNumber(v string) bool {
	rs := []rune(v)
	if len(rs) > 8 {
		return false
	}
	for i, r := range rs {
		edge := i == 0 || i == len(rs)-1
		if !isASCIIAlnum(r) && !(edge && isHan(r)) {
			return false
		}
	}
	return true
}

func validName(v string) bool {
	n := runeLen(v)
	hasHan := strings.IndexFunc(v, isHan) >= 0
	if hasHan { // pure Chinese, or mixed, which counts as a Chinese name
		return n <= 10 && all(v, func(r rune) bool { return isHan(r) || unicode.IsLetter(r) || r == '·' || r == ' ' })
	}
	return n <= 20 && all(v, func(r rune) bool { return unicode.IsLetter(r) || isSymbol(r) || r == ' ' })
}

func runeLen(v string) int { return utf8.RuneCountInString(v) }

func all(v string, ok func(rune) bool) bool {
	for _, r := range v {
		if !ok(r) {
			return false
		}
	}
	return true
}

func hasControl(v string) bool { return strings.IndexFunc(v, unicode.IsControl) >= 0 }

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

func isASCIIAlnum(r rune) bool {
	return isDigit(r) || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
}

// isSymbol is punctuation or a symbol, ASCII or full-width; not a space.
func isSymbol(r rune) bool { return unicode.IsPunct(r) || unicode.IsSymbol(r) }
