package browsertest

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp/kb"
)

// A demo person per regional profile (internal/app/demo.go).
var people = []struct {
	profile, phone, region string
	arrears                int // months of arrears the demo person starts with
}{
	{"national", "13800000001", "110000", 0},  // Beijing: plain list, policy beside the amounts
	{"guangdong", "13800000002", "440100", 3}, // Guangzhou: bottom tab bar, arrears shown
	{"jiangsu", "13800000003", "320100", 0},   // Nanjing: step by step, current period only
}

// maxTaps is the promise: a returning person pays this month's
// bills in at most five taps after signing in.
const maxTaps = 5

// TestBrowserFlow pays through the pages in Chromium for each profile, in
// care mode and not, in Chinese and in English, using only the keyboard,
// and audits every page on the way.
func TestBrowserFlow(t *testing.T) {
	browser := startBrowser(t)
	rep := &report{}
	t.Cleanup(func() { rep.log(t) })
	for _, p := range people {
		for _, care := range []bool{false, true} {
			for _, lang := range []string{"zh-CN", "en"} {
				name := fmt.Sprintf("%s-%s-%s", p.profile, map[bool]string{false: "standard", true: "care"}[care], lang)
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					srv := startServer(t)
					f := &flow{name: name, tab: newTab(t, browser, srv), care: care, lang: lang, report: rep,
						profile: p.profile, phone: p.phone, region: p.region, arrears: p.arrears}
					f.run()
				})
			}
		}
	}
}

// flow is one person's way through the pages in one tab.
type flow struct {
	name, profile, phone, region, lang string
	care                               bool
	arrears                            int
	tab                                *tab
	report                             *report
}

func (f *flow) en() bool { return f.lang == "en" }

// say picks the Chinese or English text the page should show.
func (f *flow) say(zh, en string) string {
	if f.en() {
		return en
	}
	return zh
}

// shot saves a screenshot for the README: Chinese pages only.
func (f *flow) shot(step string) {
	if f.lang == "zh-CN" {
		f.tab.screenshot(fmt.Sprintf("%s-%s-%s", f.profile, map[bool]string{false: "standard", true: "care"}[f.care], step))
	}
}

// signIn goes from the home page to "my record" with the keyboard alone:
// the language and care switches, the region, a wrong phone number first,
// then the person's, and the SMS code; every page on the way is audited.
func (f *flow) signIn() {
	tb := f.tab
	t := tb.t
	tb.open("/")
	// The visible switches, by keyboard, one key each.
	if f.en() {
		tb.tabTo(`button[name=lang]`)
		tb.press(kb.Enter, true)
	}
	if f.care {
		tb.tabTo(`button[name=care]`)
		tb.press(kb.Enter, true)
	}
	f.audit("home", true)
	f.shot("1-home")

	// Choose the region with the arrow keys, then start.
	tb.tabTo(`#region`)
	for i := 0; i < 20 && eval[string](tb, `document.activeElement.value`) != f.region; i++ {
		tb.press(kb.ArrowDown, false)
	}
	if got := eval[string](tb, `document.activeElement.value`); got != f.region {
		t.Fatalf("region select is on %s, want %s", got, f.region)
	}
	tb.tabTo(`form[action="/login"] button[type=submit]`)
	tb.press(kb.Enter, true)
	f.audit("login", true)

	// A wrong number first: the error says what to do, and is read aloud.
	tb.tabTo(`#phone`)
	tb.typeText("123")
	tb.press(kb.Enter, true)
	if !strings.Contains(tb.text(), f.say("手机号格式不正确", "not valid")) {
		t.Errorf("bad phone: the page does not say what is wrong:\n%s", tb.text())
	}
	f.audit("login-error", true)
	tb.tabTo(`#phone`)
	tb.typeText(strings.Repeat(kb.Backspace, 3) + f.phone)
	tb.press(kb.Enter, true)
	f.audit("code", true)
	tb.tabTo(`#code`)
	tb.typeText(tb.srv.smsCode(t, f.phone))
	tb.press(kb.Enter, true)
	if p := tb.path(); p != "/me" {
		t.Fatalf("after login the page is %s, want /me", p)
	}
}

func (f *flow) run() {
	tb := f.tab
	t := tb.t
	f.signIn()

	if f.arrears > 0 {
		f.checkGaps(f.arrears)
		tb.open("/me")
	}
	f.audit("record", true)
	f.shot("2-record")
	f.checkProfile()

	// Pay: count every key that acts, from the record page to the result.
	taps := 0
	if f.profile == "jiangsu" {
		tb.tabTo(`a[href="/me?step=pay"]`)
		tb.press(kb.Enter, true)
		taps++
		f.audit("record-pay", true)
	}
	tb.tabTo(`form[action="/orders"] button[type=submit]`)
	tb.press(kb.Enter, true)
	taps++
	if !strings.HasPrefix(tb.path(), "/sandbox/wechatpay/cashier/") {
		t.Fatalf("the pay button led to %s, want the sandbox cashier", tb.path())
	}
	f.audit("cashier", false)
	f.shot("3-cashier")
	tb.tabTo(`button[value=success]`)
	tb.press(kb.Enter, true)
	taps++
	tb.waitText(f.say("缴费成功", "Payment successful"))
	if taps > maxTaps {
		t.Errorf("paying took %d taps after login, want at most %d", taps, maxTaps)
	}
	f.report.taps(f.name, taps)
	f.audit("result", true)
	f.shot("4-result")

	tb.tabTo(`main a[href^="/vouchers/"]`)
	tb.press(kb.Enter, true)
	f.audit("voucher", true)
	f.shot("5-voucher")
	f.checkPrint()
	verify := eval[string](tb, `document.querySelector('a[href*="/verify/"]').getAttribute('href')`)

	tb.tabTo(`a[href="/me/history"]`)
	tb.press(kb.Enter, true)
	f.audit("history", true)
	f.checkGaps(0)

	tb.tabTo(`a[href="/vouchers"]`)
	tb.press(kb.Enter, true)
	f.audit("wallet", true)
	if n := eval[int](tb, `document.querySelectorAll('main a[href^="/vouchers/"]').length`); n != 3 {
		t.Errorf("wallet lists %d vouchers, want 3", n)
	}

	tb.open("/me/base")
	f.audit("base", true)
	tb.open("/me")
	if !strings.Contains(tb.text(), f.say("您当前没有应缴账单", "no bills due")) {
		t.Errorf("/me after paying still lists bills:\n%s", tb.text())
	}
	tb.open(strings.TrimPrefix(verify, tb.srv.URL))
	f.audit("verify", true)
	if !strings.Contains(tb.text(), f.say("凭证真实有效", "genuine")) {
		t.Errorf("verify page does not say the receipt is genuine:\n%s", tb.text())
	}
	tb.open("/no-such-page")
	f.audit("error", true)

	if f.care {
		f.checkMute()
	}
	f.checkMyData()
}

// checkGaps opens the history and checks how many months it marks as gaps.
func (f *flow) checkGaps(want int) {
	tb := f.tab
	if tb.path() != "/me/history" {
		tb.open("/me/history")
		f.audit("history-before", true)
	}
	if got := eval[int](tb, `document.querySelectorAll('.months .gap').length`); got != want {
		tb.t.Errorf("history marks %d months as gaps, want %d", got, want)
	}
}

// checkProfile checks the record page is laid out as the profile says.
func (f *flow) checkProfile() {
	tb := f.tab
	has := func(sel string) bool { return eval[bool](tb, fmt.Sprintf(`!!document.querySelector(%q)`, sel)) }
	switch f.profile {
	case "guangdong":
		if !has(`nav.tabs`) || has(`nav.menu`) {
			tb.t.Errorf("guangdong profile: want the bottom tab bar and no top menu")
		}
		if n := eval[int](tb, `document.querySelectorAll('.pay input[name=bill]').length`); n != 1+f.arrears {
			tb.t.Errorf("guangdong profile lists %d bills, want this month and %d months of arrears", n, f.arrears)
		}
	case "jiangsu":
		if !has(`ol.progress [aria-current=step]`) || has(`form[action="/orders"]`) {
			tb.t.Errorf("jiangsu profile: want a progress indicator and the pay form on the next step")
		}
	case "national":
		if !has(`.why`) || !has(`nav.menu`) {
			tb.t.Errorf("national profile: want the policy explanation beside the amounts and the top menu")
		}
	}
}

// checkPrint checks the print stylesheet shows the voucher alone.
func (f *flow) checkPrint() {
	tb := f.tab
	ok := eval[bool](tb, `(() => {
  for (const sheet of document.styleSheets) for (const rule of sheet.cssRules)
    if (rule.media && rule.media.mediaText === 'print' && rule.cssText.includes('.top')) return true;
  return false;
})()`)
	if !ok {
		tb.t.Errorf("voucher page has no print stylesheet hiding the header")
	}
}

// checkMute turns the voice off with the visible switch: nothing is said.
func (f *flow) checkMute() {
	tb := f.tab
	tb.open("/vouchers")
	tb.tabTo(`button[name=voice]`)
	tb.press(kb.Enter, true)
	if said := eval[[]utterance](tb, `window.__spoken || []`); len(said) > 0 {
		tb.t.Errorf("muted, the page still said %v", said)
	}
	tb.tabTo(`button[name=voice]`)
	tb.press(kb.Enter, true)
	if said := eval[[]utterance](tb, `window.__spoken || []`); len(said) == 0 {
		tb.t.Errorf("unmuted, the page said nothing")
	}
}

// report collects what the flows measured, for the log.
type report struct {
	mu      sync.Mutex
	weights []string
	axes    int
	known   int // in the sandbox cashier, reported to its owners
	pages   int
	tapsBy  []string
	voices  []string
}

func (r *report) weight(where string, raw, gz int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.weights = append(r.weights, fmt.Sprintf("%-58s html %6d B, page+assets gzip %6d B", where, raw, gz))
}

func (r *report) axe(where string, violations, known int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pages++
	r.axes += violations
	r.known += known
}

func (r *report) taps(flow string, n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tapsBy = append(r.tapsBy, fmt.Sprintf("%s: %d", flow, n))
}

func (r *report) spoken(where string, said []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.voices = append(r.voices, where+": "+strings.Join(said, " | "))
}

func (r *report) log(t *testing.T) {
	r.mu.Lock()
	defer r.mu.Unlock()
	sort.Strings(r.weights)
	sort.Strings(r.voices)
	sort.Strings(r.tapsBy)
	t.Logf("axe-core: %d pages audited, %d violations (and %d known in the sandbox cashier)", r.pages, r.axes, r.known)
	t.Logf("taps from the record page to the result: %s", strings.Join(r.tapsBy, ", "))
	for _, w := range r.weights {
		t.Log(w)
	}
	for _, v := range r.voices {
		t.Log("spoken: " + v)
	}
}
