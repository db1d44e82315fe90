package wxplatform

import (
	"strings"
	"testing"
)

func TestCheckValue(t *testing.T) {
	tests := []struct {
		keyword, value string
		ok             bool
	}{
		{"thing1", "2025年7月城乡居民养老保险", true},
		{"thing1", strings.Repeat("保", 20), true},
		{"thing1", strings.Repeat("保", 21), false},
		{"thing1", "", false},
		{"thing1", "换行\n不行", false},
		{"number2", "339208499", true},
		{"number2", "3.14", true},
		{"number2", "-1", false},
		{"number2", strings.Repeat("9", 33), false},
		{"letter3", "abcXYZ", true},
		{"letter3", "abc1", false},
		{"symbol4", "+-*/", true},
		{"symbol4", "++++++", false},
		{"character_string5", "SB-20250701-0001", true},
		{"character_string5", strings.Repeat("a", 33), false},
		{"character_string5", "订单1", false},
		{"character_string5", "a b", false},
		{"time6", "15:01", true},
		{"time6", "2019年10月1日 15:01", true},
		{"time6", "2025-07-01 09:30:15", true},
		{"time6", "2025年7月1日 09:00~2025年7月1日 18:00", true},
		{"time6", "24:00", false},
		{"time6", "2019年10月1日", false},
		{"time6", "1:00~2:00~3:00", false},
		{"date7", "2019年10月1日", true},
		{"date7", "2019年10月1日 15:01", true},
		{"date7", "2025/07/31", true},
		{"date7", "2025年2月30日", true}, // the rule is a shape, not a calendar
		{"date7", "15:01", false},
		{"date7", "2025年7月32日", false},
		{"amount8", "¥300.00", true},
		{"amount8", "300.00元", true},
		{"amount8", "300", true},
		{"amount8", "￥9999999999.99", true},
		{"amount8", "¥10000000000", false},
		{"amount8", "¥1,454.00", false},
		{"amount8", "¥3.001", false},
		{"amount8", "-3.00", false},
		{"phone_number9", "+86-0766-66888866", true},
		{"phone_number9", "+86-0766-668888661", false},
		{"phone_number9", "12345x", false},
		{"car_number10", "粤A8Z888挂", true},
		{"car_number10", "粤A8Z8我88", false},
		{"car_number10", "粤A8Z888挂9", false},
		{"name11", "张三", true},
		{"name11", "欧阳·娜娜", true},
		{"name11", "John Smith", true},
		{"name11", strings.Repeat("张", 11), false},
		{"name11", "张三Smith", true},
		{"name11", "张三Smithsonian", false},
		{"phrase12", "缴费成功", true},
		{"phrase12", "退款处理中", true},
		{"phrase12", "退款正在处理", false},
		{"phrase12", "OK", false},
		{"enum13", "x", false},
		{"bogus", "x", false},
	}
	for _, tt := range tests {
		if got := checkValue(tt.keyword, tt.value); got != tt.ok {
			t.Errorf("checkValue(%q, %q) = %v", tt.keyword, tt.value, got)
		}
	}
}

// TestDefaultTemplates: the templates the platform relies on are valid,
// and every example value the platform would send fits.
func TestDefaultTemplates(t *testing.T) {
	kinds := map[string]bool{}
	for _, tmpl := range DefaultTemplates() {
		if err := tmpl.validate(); err != nil {
			t.Error(err)
		}
		kinds[tmpl.Kind] = true
	}
	for _, k := range []string{KindPaymentResult, KindReminder, KindHold, KindRefund} {
		if !kinds[k] || DefaultTemplateIDs()[k] == "" {
			t.Errorf("no default template of kind %s", k)
		}
	}
	bad := Template{ID: strings.Repeat("A", 43), Title: "x", Keywords: []string{"enum1"}}
	if bad.validate() == nil {
		t.Error("enum keyword accepted")
	}
}
