package app_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/payment"
)

// TestE2EUnionPayRoute pays Beijing bills by the national profile's
// UnionPay route: an acquirer speaking the card account's protocol with
// its own keys and sandbox. The page lists it after WeChat Pay, which stays
// the one chosen; the acquirer's page takes the PIN, its signed
// notification credits the order, its statement reconciles, and a payment
// refused at its page leaves the bills payable again at once.
func TestE2EUnionPayRoute(t *testing.T) {
	t.Parallel()
	e := startApp(t)
	b := newBrowser(t, e)
	b.signIn(t, "13800000001")
	record := b.get(t, "/me").want(t, http.StatusOK)
	pay := record.form(t, "/orders").values("")
	if pay.Get("channel") != "wechatpay" || !strings.Contains(record.html, `value="unionpay"`) || !strings.Contains(record.html, "银联") {
		t.Fatalf("Beijing record page: channel %q chosen, UnionPay offered %v", pay.Get("channel"), strings.Contains(record.html, `value="unionpay"`))
	}

	token, _ := e.login(t, "13800000001")
	bs := e.bills(t, token)
	var o struct {
		ID      string `json:"id"`
		Channel string `json:"channel"`
		Pay     struct {
			CashierURL string `json:"cashier_url"`
		} `json:"pay"`
	}
	// Refused at the acquirer's page (a frozen card): nothing is paid and
	// the same bills can be ordered again straight away.
	e.call(t, "POST", "/api/v1/orders", token, keyHeader("up-frozen"), map[string]any{"bill_ids": ids(bs), "channel": "unionpay"}).
		want(t, http.StatusCreated).json(t, &o)
	if o.Channel != "unionpay" || !strings.HasPrefix(o.Pay.CashierURL, e.URL+"/sandbox/unionpay/") {
		t.Fatalf("UnionPay order has no acquirer page: %+v", o)
	}
	e.raw(t, "POST", strings.TrimPrefix(o.Pay.CashierURL, e.URL), nil, map[string]string{"outcome": "frozen"}).want(t, 200)
	refused := o.ID

	e.call(t, "POST", "/api/v1/orders", token, keyHeader("up-paid"), map[string]any{"bill_ids": ids(bs), "channel": "unionpay"}).
		want(t, http.StatusCreated).json(t, &o)
	if o.ID == refused {
		t.Fatal("a new attempt after a refused card returned the refused order")
	}
	e.raw(t, "POST", strings.TrimPrefix(o.Pay.CashierURL, e.URL), nil, map[string]string{"outcome": "success", "pin": "123456"}).want(t, 200)
	got := e.waitState(t, token, o.ID, "credited")
	if len(e.vouchers(t, token, got.ID)) != 3 {
		t.Fatal("credited without three vouchers")
	}
	if page := b.get(t, "/orders/"+refused+"?cashier=frozen").want(t, http.StatusOK); !strings.Contains(page.html, "银行卡已挂失或冻结") || strings.Contains(page.html, "社保卡已挂失") {
		t.Error("the refused UnionPay order's page does not explain the frozen card as a bank card")
	}

	today := time.Now().In(payment.Beijing()).Format("2006-01-02")
	if diffs, err := e.run.App.Payments.Reconcile(t.Context(), "unionpay", today); err != nil || len(diffs) != 0 {
		t.Errorf("reconcile unionpay: %v, differences %+v; want none", err, diffs)
	}
}
