package wxplatform

import (
	"fmt"
	"regexp"
	"strings"
)

// Template is a one-off subscription-message template as an app picks it in
// the WeChat console (功能 → 订阅消息): an id, a title, and its keywords,
// each named by its type and position ("thing1", "amount2", "time3"). The
// type decides what a value may hold (see checkValue).
type Template struct {
	ID    string
	Title string
	// Kind names the platform's use for it, the key in wechat-app.json's
	// "templates" ("payment_result", …). Optional: WeChat has no such thing.
	Kind     string
	Keywords []string
	// Labels are the keywords' captions as WeChat shows them ("缴费金额"),
	// parallel to Keywords; optional, for the sandbox's display only.
	Labels []string
}

// Kinds of template the platform sends, the keys of AppConfig.Templates.
const (
	KindPaymentResult = "payment_result"
	KindReminder      = "reminder"
	KindHold          = "hold"
	KindRefund        = "refund"
)

// DefaultTemplates returns the four templates the platform uses. Their ids
// are fixed so that configs and tests stay stable across restarts; they
// have the 43 base64url characters of WeChat's template ids
// ("zun-LzcQyW-edafCVvzPkK4de2Rllr1fFpw2A_x0oXE" in the
// wx.requestSubscribeMessage document). It is a function, not a variable, so
// no caller can change them for others.
func DefaultTemplates() []Template {
	return []Template{
		{
			ID: "UqmvhebC4kagy9f5Xqs-RJ58fxuahSmk8kzst8cVsfQ", Title: "缴费成功通知", Kind: KindPaymentResult,
			Keywords: []string{"thing1", "amount2", "time3", "character_string4", "thing5"},
			Labels:   []string{"缴费项目", "缴费金额", "缴费时间", "订单编号", "温馨提示"},
		},
		{
			ID: "ioORejwFhXUCAuen2oX0o7lsvFag0UsCCqkVCLP3_VY", Title: "缴费提醒", Kind: KindReminder,
			Keywords: []string{"thing1", "amount2", "date3", "thing4"},
			Labels:   []string{"缴费项目", "应缴金额", "截止日期", "温馨提示"},
		},
		{
			ID: "Xf6XDI2zSH_xPMCHFOMRsd-uajdM2YnDyDb0pNOoL4A", Title: "支付受理暂停通知", Kind: KindHold,
			Keywords: []string{"character_string1", "phrase2", "thing3", "time4", "thing5"},
			Labels:   []string{"订单编号", "处理状态", "暂停原因", "受理时间", "温馨提示"},
		},
		{
			ID: "eoDLaSAA_Ix6TdH17QS5umEZfSI35HLV3UStHFBmFCo", Title: "退款通知", Kind: KindRefund,
			Keywords: []string{"character_string1", "amount2", "phrase3", "time4", "thing5"},
			Labels:   []string{"订单编号", "退款金额", "退款状态", "退款时间", "退款原因"},
		},
	}
}

// DefaultTemplateIDs maps each kind of DefaultTemplates to its id, the
// "templates" object of wechat-app.json.
func DefaultTemplateIDs() map[string]string {
	out := map[string]string{}
	for _, t := range DefaultTemplates() {
		out[t.Kind] = t.ID
	}
	return out
}

var (
	validTemplateID = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)
	keywordName     = regexp.MustCompile(`^([a-z_]+?)(\d+)$`)
)

// keywordType is the type part of a keyword name: "character_string" of
// "character_string4".
func keywordType(name string) string {
	m := keywordName.FindStringSubmatch(name)
	if m == nil {
		return ""
	}
	return m[1]
}

func (t Template) validate() error {
	if !validTemplateID.MatchString(t.ID) {
		return fmt.Errorf("template id %q is not 43 base64url characters", t.ID)
	}
	if strings.TrimSpace(t.Title) == "" || len(t.Keywords) == 0 {
		return fmt.Errorf("template %s needs a title and keywords", t.ID)
	}
	if t.Labels != nil && len(t.Labels) != len(t.Keywords) {
		return fmt.Errorf("template %s has %d labels for %d keywords", t.ID, len(t.Labels), len(t.Keywords))
	}
	seen := map[string]bool{}
	for _, k := range t.Keywords {
		if _, ok := valueRules[keywordType(k)]; !ok {
			return fmt.Errorf("template %s: keyword %q has no known type (thing, number, amount, time, …)", t.ID, k)
		}
		if seen[k] {
			return fmt.Errorf("template %s: keyword %q twice", t.ID, k)
		}
		seen[k] = true
	}
	return nil
}
