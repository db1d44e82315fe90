package browsertest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp/kb"
)

// TestBrowserFamilyAndCredit takes the payment pages the main flow does not
// reach through Chromium, with the keyboard alone, auditing each page: 为家人缴费
// with the family offset (陈建国 pays his mother's resident medical premium
// from his medical personal account) and credit pay (周敏 signs the
// agreement and pays this month's pension by credit). Care mode in Chinese
// and the standard pages in English: the two ends the main flow also
// covers.
func TestBrowserFamilyAndCredit(t *testing.T) {
	browser := startBrowser(t)
	rep := &report{}
	t.Cleanup(func() { rep.log(t) })
	for _, v := range []struct {
		care bool
		lang string
	}{{true, "zh-CN"}, {false, "en"}} {
		mode := map[bool]string{false: "standard", true: "care"}[v.care]
		for _, c := range []struct {
			name, profile, phone, region string
			check                        func(*flow)
		}{
			{"family", "guangdong", "13800000005", "440100", (*flow).checkFamilyOffset},
			{"credit", "national", "13800000007", "330100", (*flow).checkCreditPay},
		} {
			name := fmt.Sprintf("%s-%s-%s", c.name, mode, v.lang)
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				f := &flow{name: name, tab: newTab(t, browser, startServer(t)), care: v.care, lang: v.lang, report: rep,
					profile: c.profile, phone: c.phone, region: c.region}
				f.signIn()
				c.check(f)
			})
		}
	}
}

// checkFamilyOffset pays the mother's resident medical bill by family
// offset from 为家人缴费: the offset is offered but not chosen, and the
// result says where the money came from.
func (f *flow) checkFamilyOffset() {
	tb := f.tab
	tb.tabTo(`a[href="/me/family"]`)
	tb.press(kb.Enter, true)
	f.audit("family", true)
	if !strings.Contains(tb.text(), f.say("家庭共济", "Family offset")) {
		tb.t.Fatalf("the family page does not offer the family offset:\n%s", tb.text())
	}
	if eval[bool](tb, `document.querySelector('input[value=family_offset]').checked`) {
		tb.t.Error("the family offset is chosen before the person chose it")
	}
	f.chooseChannel("family_offset")
	tb.tabTo(`form[action="/orders"] button[type=submit]`)
	tb.press(kb.Enter, true)
	tb.waitText(f.say("缴费成功", "Payment successful"))
	f.audit("family-result", true)
	if !strings.Contains(tb.text(), f.say("职工医保个人账户", "employee medical personal account")) {
		tb.t.Errorf("the result does not say the money came from the personal account:\n%s", tb.text())
	}
}

// checkCreditPay signs the credit pay agreement and pays this month's
// pension by credit: credit pay is offered but not chosen, and the result
// says when the money will be collected.
func (f *flow) checkCreditPay() {
	tb := f.tab
	tb.tabTo(`a[href="/me/credit"]`)
	tb.press(kb.Enter, true)
	f.audit("credit", true)
	tb.tabTo(`input[name=agree]`)
	tb.press(" ", false)
	tb.tabTo(`form[action="/me/credit/agreement"] button[type=submit]`)
	tb.press(kb.Enter, true)
	tb.waitText(f.say("已签署信用付协议", "Agreement signed"))
	f.audit("credit-signed", true)

	tb.open("/me")
	if eval[bool](tb, `document.querySelector('input[value=credit_pay]').checked`) {
		tb.t.Error("credit pay is chosen before the person chose it")
	}
	f.chooseChannel("credit_pay")
	tb.tabTo(`form[action="/orders"] button[type=submit]`)
	tb.press(kb.Enter, true)
	tb.waitText(f.say("缴费成功", "Payment successful"))
	f.audit("credit-result", true)
	if !strings.Contains(tb.text(), f.say("从社保卡金融账户扣回", "will be collected from your social security card account")) {
		tb.t.Errorf("the result does not say when the credit is collected:\n%s", tb.text())
	}
}

// chooseChannel picks a payment channel as a keyboard user does: Tab
// reaches the radio group once (on its chosen channel), the arrow keys move
// the choice within it.
func (f *flow) chooseChannel(code string) {
	tb := f.tab
	tb.tabTo(`form[action="/orders"] input[name=channel]`)
	for i := 0; i < 8 && eval[string](tb, `document.activeElement.value`) != code; i++ {
		tb.press(kb.ArrowDown, false)
	}
	if !eval[bool](tb, fmt.Sprintf(`document.querySelector('input[value=%s]').checked`, code)) {
		tb.t.Fatalf("the arrow keys did not choose %s", code)
	}
}
