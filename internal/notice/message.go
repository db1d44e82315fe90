package notice

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/shebao-project/shebao/internal/money"
)

// beijing is the zone every time in a message is written in.
var beijing = time.FixedZone("CST", 8*3600)

// message is one notice in both its forms.
type message struct {
	page string            // the mini-program page a tap on the WeChat message opens
	data map[string]string // the template's keywords
	sms  string
}

// The builders below fill the four templates' keywords (the sandbox's
// wxplatform.DefaultTemplates; a deployment picks templates with the same
// keywords from WeChat's library). Values keep within
// the limits of subscribeMessage.send ("订阅消息参数值内容限制说明",
// https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-message-management/subscribe-message/sendMessage.html):
// thing at most 20 characters, character_string at most 32 letters, digits
// or symbols, amount a currency sign and digits with no separators. A value
// over its limit is cut, never refused: a shortened description is better
// than a message WeChat rejects.

func orderMessage(kind string, o Order) message {
	otn, amt := characterString(o.OutTradeNo), amount(o.AmountFen)
	switch kind {
	case KindPaymentResult:
		paid := o.PaidAt
		if paid.IsZero() {
			paid = o.UpdatedAt
		}
		return message{page: "pages/vouchers/index",
			data: map[string]string{"thing1": thing(o.Description, "社会保险费"), "amount2": amt, "time3": minute(paid),
				"character_string4": otn, "thing5": "缴费凭证已生成，可随时查看"},
			sms: fmt.Sprintf("【社保缴费】您的订单%s已缴费成功，金额%s元，缴费时间%s。", o.OutTradeNo, o.AmountFen.Yuan(), minute(paid))}
	case KindHold:
		return message{page: "pages/home/index",
			data: map[string]string{"character_string1": otn, "phrase2": "审核中", "thing3": "支付已暂停，等待人工审核",
				"time4": minute(o.UpdatedAt), "thing5": "款项安全，请留意后续通知"},
			sms: fmt.Sprintf("【社保缴费】您的订单%s（金额%s元）支付已暂停审核，款项安全，请留意后续通知。", o.OutTradeNo, o.AmountFen.Yuan())}
	case KindRefund:
		return message{page: "pages/home/index",
			data: map[string]string{"character_string1": otn, "amount2": amt, "phrase3": "退款成功",
				"time4": minute(o.UpdatedAt), "thing5": "原路退回，1-5个工作日到账"},
			sms: fmt.Sprintf("【社保缴费】您的订单%s已退款%s元，原路退回，1-5个工作日到账。", o.OutTradeNo, o.AmountFen.Yuan())}
	}
	panic("notice: no order message for kind " + kind)
}

// reminderMessage reminds a person of what is due for a period by its
// deadline.
func reminderMessage(d DueSummary, w window) message {
	return message{page: "pages/bills/index",
		data: map[string]string{"thing1": "社会保险费", "amount2": amount(d.TotalFen), "date3": w.deadline.In(beijing).Format("2006-01-02"),
			"thing4": "请在截止日前缴费，逾期可能影响待遇"},
		sms: fmt.Sprintf("【社保缴费】您%s的社会保险费%s元（%d笔）尚未缴纳，请于%s前缴费，逾期可能影响待遇。",
			w.label, d.TotalFen.Yuan(), d.Bills, w.deadline.In(beijing).Format("2006年1月2日"))}
}

// lapseMessage tells a person of months left unpaid (断缴), which interrupt
// the contribution record that pension and medical benefits count.
func lapseMessage(d DueSummary, by time.Time) message {
	return message{page: "pages/bills/index",
		data: map[string]string{"thing1": "社会保险费（断缴补缴）", "amount2": amount(d.TotalFen), "date3": by.In(beijing).Format("2006-01-02"),
			"thing4": "断缴影响缴费年限和待遇，请及时补缴"},
		sms: fmt.Sprintf("【社保缴费】您有%d笔往月社会保险费（共%s元）未缴，已断缴。断缴会影响缴费年限和医保待遇，请于%s前补缴。",
			d.Bills, d.TotalFen.Yuan(), by.In(beijing).Format("2006年1月2日"))}
}

// unpaidMessage tells a payer their payment was not finished.
func unpaidMessage(o Order, by time.Time) message {
	return message{page: "pages/bills/index",
		data: map[string]string{"thing1": "缴费未完成，账单仍待缴", "amount2": amount(o.AmountFen), "date3": by.In(beijing).Format("2006-01-02"),
			"thing4": "可重新发起缴费，未扣款无需担心"},
		sms: fmt.Sprintf("【社保缴费】您发起的缴费（订单%s，%s元）未完成支付，未扣款，账单仍待缴。请于%s前重新缴费。",
			o.OutTradeNo, o.AmountFen.Yuan(), by.In(beijing).Format("2006年1月2日"))}
}

// amount is WeChat's amount keyword: "¥123.45", from fen by integer
// arithmetic.
func amount(f money.Fen) string { return "¥" + f.Yuan() }

// minute is a time keyword: Beijing time to the minute.
func minute(t time.Time) string { return t.In(beijing).Format("2006-01-02 15:04") }

// thing is a thing keyword: control characters become spaces (WeChat
// refuses them), and more than 20 characters are cut to 19 and "…". An
// empty value, which WeChat refuses too, is replaced by empty.
func thing(s, empty string) string {
	s = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s))
	if s == "" {
		return empty
	}
	if utf8.RuneCountInString(s) <= 20 {
		return s
	}
	return string([]rune(s)[:19]) + "…"
}

// characterString is a character_string keyword: at most 32 characters,
// cut on a character boundary. Order numbers fit (WeChat Pay's
// out_trade_no is at most 32 characters), so this only guards.
func characterString(s string) string {
	if utf8.RuneCountInString(s) <= 32 {
		return s
	}
	return string([]rune(s)[:32])
}
