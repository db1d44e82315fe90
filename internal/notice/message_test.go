package notice

import (
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// TestMessages pins each kind's keywords and text, and that values over
// WeChat's limits are cut by characters, never mid-character.
func TestMessages(t *testing.T) {
	paid := time.Date(2026, 6, 10, 10, 5, 59, 0, time.UTC) // 18:05 Beijing
	o := Order{ID: "O1", OutTradeNo: "SB2026061000000001", Description: "社保缴费 2026-06", AmountFen: 12_345, PaidAt: paid, UpdatedAt: paid.Add(time.Hour)}
	long := o
	long.OutTradeNo = strings.Repeat("A", 40)
	long.Description = "社保缴费：养老保险、医疗保险、失业保险、工伤保险\n2026年6月"
	long.PaidAt = time.Time{}
	long.AmountFen = 1_234_567_890_12
	period := time.Date(2026, 2, 1, 0, 0, 0, 0, beijing)
	tests := []struct {
		name string
		got  message
		want message
	}{
		{"PaymentResult", orderMessage(KindPaymentResult, o), message{page: "pages/vouchers/index",
			data: map[string]string{"character_string4": "SB2026061000000001", "amount2": "¥123.45", "time3": "2026-06-10 18:05", "thing1": "社保缴费 2026-06", "thing5": "缴费凭证已生成，可随时查看"},
			sms:  "【社保缴费】您的订单SB2026061000000001已缴费成功，金额123.45元，缴费时间2026-06-10 18:05。"}},
		{"PaymentResultCut", orderMessage(KindPaymentResult, long), message{page: "pages/vouchers/index",
			data: map[string]string{"character_string4": strings.Repeat("A", 32), "amount2": "¥1234567890.12", "time3": "2026-06-10 19:05",
				"thing1": "社保缴费：养老保险、医疗保险、失业保险…", "thing5": "缴费凭证已生成，可随时查看"},
			sms: "【社保缴费】您的订单" + strings.Repeat("A", 40) + "已缴费成功，金额1234567890.12元，缴费时间2026-06-10 19:05。"}},
		{"Hold", orderMessage(KindHold, o), message{page: "pages/home/index",
			data: map[string]string{"character_string1": "SB2026061000000001", "phrase2": "审核中", "thing3": "支付已暂停，等待人工审核", "time4": "2026-06-10 19:05", "thing5": "款项安全，请留意后续通知"},
			sms:  "【社保缴费】您的订单SB2026061000000001（金额123.45元）支付已暂停审核，款项安全，请留意后续通知。"}},
		{"Refund", orderMessage(KindRefund, o), message{page: "pages/home/index",
			data: map[string]string{"character_string1": "SB2026061000000001", "amount2": "¥123.45", "phrase3": "退款成功", "time4": "2026-06-10 19:05", "thing5": "原路退回，1-5个工作日到账"},
			sms:  "【社保缴费】您的订单SB2026061000000001已退款123.45元，原路退回，1-5个工作日到账。"}},
		{"Reminder", reminderMessage(DueSummary{PersonID: "P1", Bills: 3, TotalFen: 5}, mustWindow(t, "2026-02")), message{page: "pages/bills/index",
			data: map[string]string{"thing1": "社会保险费", "amount2": "¥0.05", "date3": "2026-02-28", "thing4": "请在截止日前缴费，逾期可能影响待遇"},
			sms:  "【社保缴费】您2026年2月的社会保险费0.05元（3笔）尚未缴纳，请于2026年2月28日前缴费，逾期可能影响待遇。"}},
		{"AnnualReminder", reminderMessage(DueSummary{PersonID: "P1", Bills: 1, TotalFen: 40000}, mustWindow(t, "2027")), message{page: "pages/bills/index",
			data: map[string]string{"thing1": "社会保险费", "amount2": "¥400.00", "date3": "2026-12-31", "thing4": "请在截止日前缴费，逾期可能影响待遇"},
			sms:  "【社保缴费】您2027年度的社会保险费400.00元（1笔）尚未缴纳，请于2026年12月31日前缴费，逾期可能影响待遇。"}},
		{"Lapse", lapseMessage(DueSummary{PersonID: "P1", Bills: 2, TotalFen: 123456}, deadline(period)), message{page: "pages/bills/index",
			data: map[string]string{"thing1": "社会保险费（断缴补缴）", "amount2": "¥1234.56", "date3": "2026-02-28", "thing4": "断缴影响缴费年限和待遇，请及时补缴"},
			sms:  "【社保缴费】您有2笔往月社会保险费（共1234.56元）未缴，已断缴。断缴会影响缴费年限和医保待遇，请于2026年2月28日前补缴。"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Fatalf("\n got %+v\nwant %+v", tt.got, tt.want)
			}
			for k, v := range tt.got.data {
				limit := map[string]int{"thing": 20, "character_string": 32}[strings.TrimRight(k, "0123456789")]
				if v == "" || !utf8.ValidString(v) || (limit > 0 && utf8.RuneCountInString(v) > limit) {
					t.Errorf("%s = %q breaks WeChat's rules", k, v)
				}
			}
		})
	}
}

func TestThing(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "空"},
		{" \n\t", "空"},
		{"一二三四五六七八九十一二三四五六七八九十", "一二三四五六七八九十一二三四五六七八九十"},
		{"一二三四五六七八九十一二三四五六七八九十一", "一二三四五六七八九十一二三四五六七八九…"},
		{"a\x00b", "a b"},
	}
	for _, tt := range tests {
		if got := thing(tt.in, "空"); got != tt.want {
			t.Errorf("thing(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func mustWindow(t *testing.T, period string) window {
	t.Helper()
	w, err := windowOf(period)
	if err != nil {
		t.Fatal(err)
	}
	return w
}
