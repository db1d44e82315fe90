package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestE2EWebCreditPay: a Hangzhou worker signs the credit pay agreement on
// its page, pays this month's bill with credit pay from the record page
// (no cashier: credited at once), and the result page says when and how
// much will be collected from the card.
func TestE2EWebCreditPay(t *testing.T) {
	t.Parallel()
	e := startClockedApp(t, &shiftClock{})
	b := newBrowser(t, e)
	b.signIn(t, hzPhone)
	me := b.get(t, "/me").want(t, http.StatusOK)
	if !strings.Contains(me.html, `href="/me/credit"`) || !strings.Contains(me.html, `value="credit_pay"`) {
		t.Fatal("the Hangzhou record page neither links credit pay nor offers it")
	}
	pay := me.form(t, "/orders").values("")
	if pay.Get("channel") == "credit_pay" {
		t.Error("credit pay is chosen by default: a person should choose to borrow")
	}
	// Without the agreement, credit pay is refused with the way on.
	pay.Set("channel", "credit_pay")
	if r := b.post(t, "/orders", pay, sameOrigin(e)); r.Status < 400 || !strings.Contains(r.html, "协议") {
		t.Errorf("credit pay without an agreement: %d", r.Status)
	}

	page := b.get(t, "/me/credit").want(t, http.StatusOK)
	b.personal(t, page)
	sign := page.form(t, "/me/credit/agreement").values("")
	if r := b.post(t, "/me/credit/agreement", sign, sameOrigin(e)); r.Status != http.StatusBadRequest {
		t.Errorf("signing without ticking the box: %d, want 400", r.Status)
	}
	sign.Set("agree", "yes")
	if r := b.post(t, "/me/credit/agreement", sign, sameOrigin(e)).want(t, http.StatusSeeOther); r.Header.Get("Location") != "/me/credit?done=signed" {
		t.Fatalf("after signing: %q", r.Header.Get("Location"))
	}
	if p := b.get(t, "/me/credit?done=signed").want(t, http.StatusOK); !strings.Contains(p.html, "已签署信用付协议") || !strings.Contains(p.html, "剩余可用额度") {
		t.Error("the credit page does not show the signed agreement and what is available")
	}

	pay = b.get(t, "/me").want(t, http.StatusOK).form(t, "/orders").values("")
	pay.Set("channel", "credit_pay")
	r := b.post(t, "/orders", pay, sameOrigin(e)).want(t, http.StatusSeeOther)
	loc, _ := url.Parse(r.Header.Get("Location"))
	if !strings.HasPrefix(loc.Path, "/orders/") {
		t.Fatalf("credit pay sent the person to %q, want the result page", r.Header.Get("Location"))
	}
	token, _ := e.login(t, hzPhone)
	e.waitState(t, token, strings.TrimPrefix(loc.Path, "/orders/"), "credited")
	result := b.get(t, loc.Path).want(t, http.StatusOK)
	if !strings.Contains(result.html, "已用社保信用付缴费") || !strings.Contains(result.html, "从社保卡金融账户扣回") {
		t.Error("the result page does not explain the credit: how much, and when it is collected")
	}
	if p := b.get(t, "/me/credit").want(t, http.StatusOK); !strings.Contains(p.html, "待扣款") {
		t.Error("the credit page does not list the credit to be collected")
	}
}
