package wechatpay

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shebao-project/shebao/internal/money"
)

// Trade bill columns (https://pay.weixin.qq.com/docs/merchant/products/bill-download/format-trade.html).
// WeChat says the column order may change; parsers go by header name.
func billColumns(billType string) (header, summary []string) {
	all := strings.Split("交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注", ",")
	allSummary := strings.Split("总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额", ",")
	switch billType {
	case "SUCCESS":
		return strings.Split("交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,商品名称,商户数据包,手续费,费率,订单金额,费率备注", ","),
			strings.Split("总交易单数,应结订单总金额,手续费总金额,订单总金额", ",")
	case "REFUND":
		i := slices.Index(all, "代金券金额") + 1
		return slices.Insert(slices.Clone(all), i, "退款申请时间", "退款成功时间"), allSummary
	}
	return all, allSummary
}

// feeRateBP is the sandbox merchant's fee rate in basis points: 0.60%, the
// standard rate for ordinary merchants.
const feeRateBP = 60

// fee is the fee on amount, rounded half up to the fen as WeChat rounds.
func fee(amount int64) int64 { return (amount*feeRateBP + 5000) / 10000 }

// fee5 shows a fee with WeChat's five decimals.
func fee5(f int64) string { return money.Fen(f).Yuan() + "000" }

// billRow is one detail row by column name, plus the sums it contributes.
type billRow struct {
	at                                   time.Time
	key                                  string
	cols                                 map[string]string
	settled, refunded, fee, total, asked int64
}

// tradeBillLocked renders the bill of one Asia/Shanghai day and reports how
// many detail rows it has. Payments appear on the day they succeeded, as
// SUCCESS rows; refunds on the day they succeeded, as REFUND rows with
// their fee given back. [SANDBOX CHOICE] In the ALL bill a refund row's
// 交易时间 is the refund time; in the REFUND bill it is the payment time,
// next to the explicit 退款申请时间 and 退款成功时间.
func (s *Server) tradeBillLocked(day time.Time, billType string) ([]byte, int) {
	end := day.AddDate(0, 0, 1)
	in := func(t time.Time) bool { return !t.IsZero() && !t.Before(day) && t.Before(end) }
	stamp := func(t time.Time) string { return t.In(s.loc).Format("2006-01-02 15:04:05") }
	var rows []billRow
	for _, o := range s.orders {
		base := map[string]string{
			"公众账号ID": o.appID, "商户号": o.mchID, "特约商户号": "0", "设备号": "", "微信订单号": o.transactionID,
			"商户订单号": o.outTradeNo, "用户标识": o.openID, "交易类型": o.tradeType, "付款银行": o.bankType,
			"货币种类": o.currency, "代金券金额": "0.00", "充值券退款金额": "0.00", "商品名称": billText(o.description),
			"商户数据包": billText(o.attach), "费率": "0.60%", "费率备注": "",
		}
		if billType != "REFUND" && o.paid() && in(o.successTime) {
			c := cloneWith(base, map[string]string{"交易时间": stamp(o.successTime), "交易状态": "SUCCESS",
				"应结订单金额": money.Fen(o.total).Yuan(), "微信退款单号": "0", "商户退款单号": "0", "退款金额": "0.00",
				"退款类型": "", "退款状态": "", "手续费": fee5(fee(o.total)), "订单金额": money.Fen(o.total).Yuan(), "申请退款金额": "0.00"})
			rows = append(rows, billRow{at: o.successTime, key: o.outTradeNo, cols: c, settled: o.total, fee: fee(o.total), total: o.total})
		}
		if billType == "SUCCESS" {
			continue
		}
		for _, rf := range o.refunds {
			if rf.status != refundSuccess || !in(rf.successAt) {
				continue
			}
			at := stamp(rf.successAt)
			if billType == "REFUND" {
				at = stamp(o.successTime)
			}
			c := cloneWith(base, map[string]string{"交易时间": at, "交易状态": "REFUND", "应结订单金额": "0.00",
				"微信退款单号": rf.id, "商户退款单号": rf.outRefundNo, "退款金额": money.Fen(rf.amount).Yuan(),
				"退款类型": "ORIGINAL", "退款状态": "SUCCESS", "手续费": fee5(-fee(rf.amount)), "订单金额": "0.00",
				"申请退款金额": money.Fen(rf.amount).Yuan(), "退款申请时间": stamp(rf.createdAt), "退款成功时间": stamp(rf.successAt)})
			rows = append(rows, billRow{at: rf.successAt, key: rf.outRefundNo, cols: c, refunded: rf.amount, fee: -fee(rf.amount), asked: rf.amount})
		}
	}
	slices.SortFunc(rows, func(a, b billRow) int { return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.key, b.key)) })
	return renderBill(billType, rows), len(rows)
}

// renderBill writes WeChat's layout: header, detail rows, summary header,
// summary row; every data field starts with a backtick (so spreadsheets keep
// long numbers as text) and lines end in \r\n.
func renderBill(billType string, rows []billRow) []byte {
	header, summary := billColumns(billType)
	var b strings.Builder
	line := func(fields []string, tick bool) {
		for i, f := range fields {
			if i > 0 {
				b.WriteByte(',')
			}
			if tick {
				b.WriteByte('`')
			}
			b.WriteString(f)
		}
		b.WriteString("\r\n")
	}
	line(header, false)
	var sum billRow
	for _, r := range rows {
		vals := make([]string, len(header))
		for i, h := range header {
			vals[i] = r.cols[h]
		}
		line(vals, true)
		sum.settled, sum.refunded, sum.fee, sum.total, sum.asked = sum.settled+r.settled, sum.refunded+r.refunded, sum.fee+r.fee, sum.total+r.total, sum.asked+r.asked
	}
	line(summary, false)
	totals := map[string]string{
		"总交易单数": strconv.Itoa(len(rows)), "应结订单总金额": money.Fen(sum.settled).Yuan(), "退款总金额": money.Fen(sum.refunded).Yuan(),
		"充值券退款总金额": "0.00", "手续费总金额": fee5(sum.fee), "订单总金额": money.Fen(sum.total).Yuan(), "申请退款总金额": money.Fen(sum.asked).Yuan(),
	}
	vals := make([]string, len(summary))
	for i, h := range summary {
		vals[i] = totals[h]
	}
	line(vals, true)
	return []byte(b.String())
}

// billText keeps merchant text from breaking the unquoted CSV layout: an
// ASCII comma becomes a full-width one and line breaks become spaces.
func billText(s string) string {
	return strings.NewReplacer(",", "，", "\r", " ", "\n", " ").Replace(s)
}

func cloneWith(base, extra map[string]string) map[string]string {
	m := make(map[string]string, len(base)+len(extra))
	for k, v := range base {
		m[k] = v
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}
