package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/shebao-project/shebao/internal/app"
	"github.com/shebao-project/shebao/internal/identity"
)

// TestE2EWebFamilyOffset: the son opens 为家人缴费 from his record page,
// sees his personal account balance and his mother's resident medical bill
// with the family offset offered but not chosen, pays it by the offset, and
// the result page says it was taken from his personal account.
func TestE2EWebFamilyOffset(t *testing.T) {
	t.Parallel()
	e := startApp(t)
	b := newBrowser(t, e)
	b.signIn(t, holderPhone)
	me := b.get(t, "/me").want(t, http.StatusOK)
	if !strings.Contains(me.html, `href="/me/family"`) {
		t.Fatal("the record page does not link 为家人缴费")
	}
	if strings.Contains(me.html, `value="family_offset"`) {
		t.Error("the record page offers the family offset for the person's own bills")
	}
	fam := b.get(t, "/me/family").want(t, http.StatusOK)
	b.personal(t, fam)
	if !strings.Contains(fam.html, "1,286.50") || !strings.Contains(fam.html, `value="family_offset"`) || !strings.Contains(fam.html, "只能抵扣城乡居民医保") {
		t.Fatalf("the family page does not show the balance and offer the offset with its scope:\n%s", fam.html)
	}
	if strings.Contains(fam.html, "黄秀英") {
		t.Error("the family page shows the mother's name unmasked")
	}
	// In English, every element of the offset has its words (no raw keys).
	en := b.do(t, http.MethodGet, "/me/family", nil, http.Header{"Accept-Language": {"en"}}).want(t, http.StatusOK)
	for _, want := range []string{"Pay for your family", "Family offset (from your employee medical personal account)", "resident medical insurance only", "your parent"} {
		if !strings.Contains(en.html, want) {
			t.Errorf("the English family page lacks %q", want)
		}
	}
	if strings.Contains(en.html, "family.") {
		t.Error("the English family page shows a raw message key")
	}
	// The offset's scope is tied to its radio button for screen readers.
	if !strings.Contains(fam.html, `aria-describedby="only-`) {
		t.Error("the offset choice is not described by its scope")
	}
	pay := fam.form(t, "/orders").values("")
	if pay.Get("channel") == "family_offset" || pay.Get("grant") == "" || len(pay["bill"]) != 1 {
		t.Fatalf("family pay form sends %v: want the grant, the bill and a channel other than the offset chosen", pay)
	}
	pay.Set("channel", "family_offset")
	r := b.post(t, "/orders", pay, sameOrigin(e)).want(t, http.StatusSeeOther)
	loc, _ := url.Parse(r.Header.Get("Location"))
	if !strings.HasPrefix(loc.Path, "/orders/") {
		t.Fatalf("the offset sent the person to %q, want the result page", r.Header.Get("Location"))
	}
	token, _ := e.login(t, holderPhone)
	e.waitState(t, token, strings.TrimPrefix(loc.Path, "/orders/"), "credited")
	result := b.get(t, loc.Path).want(t, http.StatusOK)
	if !strings.Contains(result.html, "已从您的职工医保个人账户抵扣") {
		t.Error("the result page does not say the money came from the personal account")
	}
	if fam := b.get(t, "/me/family").want(t, http.StatusOK); !strings.Contains(fam.html, "886.50") {
		t.Error("the family page does not show the balance after the offset (886.50)")
	}
}

// TestE2EWebFamilyGrant: on 为家人缴费 a person asks a family member for a
// grant by their ID number, enters the code the family member received,
// sees their bills with a pay form (no family offset in Chengdu), and
// revokes the grant; a wrong ID number is answered on the page.
func TestE2EWebFamilyGrant(t *testing.T) {
	t.Parallel()
	e := startApp(t)
	b := newBrowser(t, e)
	b.signIn(t, "13800000001") // 张伟, Beijing
	fam := b.get(t, "/me/family").want(t, http.StatusOK)
	if !strings.Contains(fam.html, "还没有有效的家人代缴授权") {
		t.Fatal("the family page of a person without grants does not say so")
	}
	ask := fam.form(t, "/me/family/grants").values("")
	if ask.Get("until") == "" || ask.Get("insurance") != "390" {
		t.Fatalf("grant form sends %v: want a default last month and resident medical ticked", ask)
	}
	ask.Set("relationship", "child")
	check, _ := identity.IDCheckDigit("11010519900101123")
	ask.Set("document_number", "11010519900101123"+string(check))
	if r := b.post(t, "/me/family/grants", ask, sameOrigin(e)); r.Status != http.StatusNotFound || !strings.Contains(r.html, "未找到以该证件参保的人员") {
		t.Errorf("a grant asked of nobody: %d", r.Status)
	}
	ask.Set("document_number", app.DemoIDNumber(3)) // 刘洋, Chengdu, the parent
	if r := b.post(t, "/me/family/grants", ask, sameOrigin(e)).want(t, http.StatusSeeOther); r.Header.Get("Location") != "/me/family?done=requested" {
		t.Fatalf("after asking: %q", r.Header.Get("Location"))
	}
	pending := b.get(t, "/me/family?done=requested").want(t, http.StatusOK)
	consent := pending.form(t, "/me/family/grants/")
	if !strings.HasSuffix(consent.Action, "/consent") {
		t.Fatalf("no consent form for the pending grant, found %s", consent.Action)
	}
	code := consent.values("")
	code.Set("code", e.smsCode(t, "13800000004"))
	if r := b.post(t, consent.Action, code, sameOrigin(e)).want(t, http.StatusSeeOther); r.Header.Get("Location") != "/me/family?done=granted" {
		t.Fatalf("after consenting: %q", r.Header.Get("Location"))
	}
	fam = b.get(t, "/me/family?done=granted").want(t, http.StatusOK)
	pay := fam.form(t, "/orders").values("")
	if pay.Get("grant") == "" || len(pay["bill"]) != 1 || pay.Get("channel") != "wechatpay" || strings.Contains(fam.html, `value="family_offset"`) {
		t.Fatalf("the parent's pay form sends %v (family offset offered: %v)", pay, strings.Contains(fam.html, `value="family_offset"`))
	}
	revoke := fam.form(t, "/me/family/grants/")
	if !strings.HasSuffix(revoke.Action, "/revoke") {
		t.Fatalf("no revoke form, found %s", revoke.Action)
	}
	if r := b.post(t, revoke.Action, revoke.values(""), sameOrigin(e)).want(t, http.StatusSeeOther); r.Header.Get("Location") != "/me/family?done=revoked" {
		t.Fatalf("after revoking: %q", r.Header.Get("Location"))
	}
	if fam := b.get(t, "/me/family?done=revoked").want(t, http.StatusOK); strings.Contains(fam.html, `action="/orders"`) {
		t.Error("the revoked grant still has a pay form")
	}
}
