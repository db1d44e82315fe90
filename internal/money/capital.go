package money

import (
	"fmt"
	"strings"
)

// Chinese financial capitals (大写数字). Every character here is three bytes in
// UTF-8, so the n-th one is s[3n:3n+3]; constants keep the tables immutable.
const (
	capitalDigits = "零壹贰叁肆伍陆柒捌玖"
	capitalUnits  = "仟佰拾" // for the thousands, hundreds and tens of a 4-digit group
)

// Capital writes f in Chinese financial capitals (大写金额), the form fiscal
// receipts, cheques and vouchers print beside the figures so that an amount
// cannot be altered by adding a stroke: 123456 fen → "壹仟贰佰叁拾肆元伍角陆分".
//
// The rules are those of the Ministry of Finance's 《会计基础工作规范》
// (财会字〔1996〕19号) article 52 and the People's Bank of China's
// 《正确填写票据和结算凭证的基本规定》 (annex to 《支付结算办法》, 银发〔1997〕393号):
//
//   - An amount that ends at 元 is followed by 整 ("壹元整"). One that ends at 角
//     is also followed by 整 ("壹角整", "壹仟元零伍角整"): the Ministry of Finance
//     rule requires it and the PBOC rule permits it, and fiscal e-receipts are
//     accounting documents under the Ministry's rule. Nothing follows 分.
//   - Zeros between non-zero digits are written as one 零 however many there
//     are ("壹仟零壹元整", "壹仟万零壹佰元整"); zeros at the end of a 4-digit group
//     (万, 亿) are not written ("壹拾万元整").
//   - When 角 is zero and 分 is not, 零 follows 元 ("叁佰贰拾伍元零肆分").
//   - When the 元 digit is zero and 角 is not, both rules allow 零 or nothing;
//     we write 零 ("壹仟陆佰捌拾元零叁角贰分"), the first form both give.
//   - Amounts below one yuan have no 元 and no leading 零 ("伍分"); zero is "零元整".
//   - Tens are written with their digit ("壹拾万元整", not "拾万元整").
//
// Negative amounts are refused: a receipt states what was paid, and a refund
// is its own document, not a negative receipt.
func (f Fen) Capital() (string, error) {
	if f < 0 {
		return "", fmt.Errorf("money: no capital form for negative amount %s", f.Yuan())
	}
	yuan, jiao, fen := int64(f)/100, int64(f)/10%10, int64(f)%10
	if yuan == 0 && jiao == 0 && fen == 0 {
		return "零元整", nil
	}
	var b strings.Builder
	if yuan > 0 {
		b.WriteString(capitalInteger(yuan))
		b.WriteString("元")
		if (yuan%10 == 0 && jiao > 0) || (jiao == 0 && fen > 0) {
			b.WriteString("零")
		}
	}
	if jiao > 0 {
		b.WriteString(capitalDigit(jiao))
		b.WriteString("角")
	}
	if fen > 0 {
		b.WriteString(capitalDigit(fen))
		b.WriteString("分")
	} else {
		b.WriteString("整")
	}
	return b.String(), nil
}

// capitalInteger writes n > 0 in capitals, splitting at 亿 and 万 so that the
// part above 亿 may itself contain 万 ("壹万亿"). The lower part gets a 零 when
// its leading digit is zero, which is the one 零 for the zeros across the split.
func capitalInteger(n int64) string {
	switch {
	case n >= 1_0000_0000:
		return capitalSplit(n/1_0000_0000, "亿", n%1_0000_0000, 1000_0000)
	case n >= 1_0000:
		return capitalSplit(n/1_0000, "万", n%1_0000, 1000)
	default:
		return capitalGroup(n)
	}
}

func capitalSplit(high int64, unit string, low, lowTop int64) string {
	s := capitalInteger(high) + unit
	if low == 0 {
		return s
	}
	if low < lowTop {
		s += "零"
	}
	return s + capitalInteger(low)
}

// capitalGroup writes 1 ≤ n ≤ 9999: a run of inner zeros becomes one 零,
// trailing zeros nothing.
func capitalGroup(n int64) string {
	var b strings.Builder
	started, zero := false, false
	for i, pow := 0, int64(1000); pow > 0; i, pow = i+1, pow/10 {
		d := n / pow % 10
		if d == 0 {
			zero = started
			continue
		}
		if zero {
			b.WriteString("零")
			zero = false
		}
		b.WriteString(capitalDigit(d))
		if i < 3 {
			b.WriteString(capitalUnits[3*i : 3*i+3])
		}
		started = true
	}
	return b.String()
}

func capitalDigit(d int64) string { return capitalDigits[3*d : 3*d+3] }
