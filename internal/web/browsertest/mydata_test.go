package browsertest

import (
	"strings"

	"github.com/chromedp/chromedp/kb"
)

// checkMyData asks for deletion on 我的数据 with the keyboard alone: tick the
// confirmation with the space bar, submit with Enter, and read the outcome,
// signed out. It runs last in the flow, since it ends the session.
func (f *flow) checkMyData() {
	tb := f.tab
	tb.open("/me")
	tb.tabTo(`a[href="/me/data"]`)
	tb.press(kb.Enter, true)
	f.audit("mydata", true)
	if !strings.Contains(tb.text(), f.say("依法保留", "Kept by law")) {
		tb.t.Errorf("my data page does not say what is kept:\n%s", tb.text())
	}
	tb.tabTo(`input[name=confirm]`)
	tb.press(" ", false)
	if !eval[bool](tb, `document.querySelector('input[name=confirm]').checked`) {
		tb.t.Fatal("the space bar did not tick the confirmation")
	}
	tb.tabTo(`form[action="/me/data/delete"] button[type=submit]`)
	tb.press(kb.Enter, true)
	tb.waitText(f.say("您已退出登录", "you have been signed out"))
	f.audit("mydata-done", true)
	tb.open("/me")
	if p := tb.path(); p != "/login" {
		tb.t.Errorf("after the deletion /me leads to %s, want /login", p)
	}
}
