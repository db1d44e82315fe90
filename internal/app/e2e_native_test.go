package app_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/payment"
)

// TestE2ENativePayment pays on a PC: the order answers with WeChat's
// code_url, the result page shows it as a QR code and follows the order,
// and the sandbox "scans" it (its cashier for the code) to pay. The day's
// trade bill then reconciles JSAPI and Native payments together.
func TestE2ENativePayment(t *testing.T) {
	e := startApp(t)
	token, _ := e.login(t, "13800000001")
	bs := e.bills(t, token)

	var o order
	var raw struct {
		Pay struct {
			CodeURL    string `json:"code_url"`
			CashierURL string `json:"cashier_url"`
		} `json:"pay"`
	}
	r := e.call(t, http.MethodPost, "/api/v1/orders", token, keyHeader("native-1"),
		map[string]any{"bill_ids": ids(bs[:1]), "channel": "wechatpay_native"}).want(t, http.StatusCreated)
	r.json(t, &o)
	r.json(t, &raw)
	code, ok := strings.CutPrefix(raw.Pay.CodeURL, "weixin://wxpay/bizpayurl?pr=")
	if !ok || code == "" || o.Pay.PrepayID != "" || o.Pay.PaySign != "" {
		t.Fatalf("native order pay %+v (code_url %q), want a weixin:// code_url and no JSAPI parameters", o.Pay, raw.Pay.CodeURL)
	}
	if !strings.HasSuffix(raw.Pay.CashierURL, "/sandbox/wechatpay/cashier/"+code) {
		t.Errorf("cashier_url %q does not open the sandbox cashier for code %s", raw.Pay.CashierURL, code)
	}

	// The PC page: a QR code of code_url, the sandbox's "scan" link, and it follows the order.
	b := newBrowser(t, e)
	b.signIn(t, "13800000001")
	pg := b.get(t, "/orders/"+o.ID).want(t, http.StatusOK)
	for _, want := range []string{"<svg", "微信扫码支付二维码", "请用手机微信扫一扫", `data-pending="true"`, "/sandbox/wechatpay/cashier/" + code} {
		if !strings.Contains(pg.html, want) {
			t.Errorf("native order page lacks %q", want)
		}
	}
	// Inside WeChat the same region offers no QR channel: the person pays in place.
	inWeChat := http.Header{"Sec-Fetch-Site": {"same-origin"}, "User-Agent": {"Mozilla/5.0 (Linux; Android 14) MicroMessenger/8.0.50"}}
	if me := b.do(t, http.MethodGet, "/me", nil, inWeChat).want(t, http.StatusOK); strings.Contains(me.html, `value="wechatpay_native"`) {
		t.Error("the record page offers QR payment inside WeChat")
	}
	if me := b.get(t, "/me"); !strings.Contains(me.html, `value="wechatpay_native"`) {
		t.Error("the record page does not offer QR payment on a PC")
	}

	if got := e.cashier(t, code, "success"); got != "success" {
		t.Fatalf("scan and pay: outcome %q", got)
	}
	e.waitState(t, token, o.ID, "credited")
	if vs := e.vouchers(t, token, o.ID); len(vs) != 3 {
		t.Errorf("%d vouchers for the native order, want 3", len(vs))
	}

	// A JSAPI payment the same day: one bill, both channels, no differences.
	j := e.order(t, token, "jsapi-1", ids(bs[1:2]))
	e.payOrder(t, token, j)
	today := time.Now().In(payment.Beijing()).Format("2006-01-02")
	for _, ch := range []string{"wechatpay", "wechatpay_native"} {
		diffs, err := e.run.App.Payments.Reconcile(t.Context(), ch, today)
		if err != nil || len(diffs) != 0 {
			t.Errorf("reconcile %s: %v, differences %+v; want none", ch, err, diffs)
		}
	}
}
