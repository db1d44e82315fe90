package wechatpay_test

import (
	"net/http"
	"strings"
	"testing"
)

type paymentAnswer struct {
	ErrMsg     string `json:"errMsg"`
	ErrMsgJS   string `json:"err_msg"`
	TradeState string `json:"trade_state"`
	AmountFen  int64  `json:"amount_fen"`
}

// The parameters the SDK signs for wx.requestPayment are accepted only as
// signed: any changed field is refused before the payer sees a sheet.
func TestRequestPayment(t *testing.T) {
	e := newEnv(t, withoutRun())
	resp := e.prepay("SB-RP-1", 12345, "https://merchant.example/notify")
	params := map[string]string{"appId": *resp.Appid, "timeStamp": *resp.TimeStamp, "nonceStr": *resp.NonceStr,
		"package": *resp.Package, "signType": *resp.SignType, "paySign": *resp.PaySign}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for a, b := range params {
			m[a] = b
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for name, tc := range map[string]struct {
		in     map[string]string
		status int
		msg    string
	}{
		"preview":                   {with("outcome", ""), http.StatusOK, ""},
		"tampered nonce":            {with("nonceStr", "x"+params["nonceStr"]), http.StatusBadRequest, "requestPayment:fail invalid paySign"},
		"tampered time":             {with("timeStamp", "1"), http.StatusBadRequest, "requestPayment:fail invalid paySign"},
		"unknown prepay":            {with("package", "prepay_id=wx00"), http.StatusBadRequest, "requestPayment:fail prepay_id not found or expired"},
		"other app":                 {with("appId", "wx0000000000000000"), http.StatusBadRequest, "requestPayment:fail appId does not match the order"},
		"bad sign type":             {with("signType", "MD5"), http.StatusBadRequest, "requestPayment:fail invalid paySign"},
		"cancel":                    {with("outcome", "cancel"), http.StatusOK, "requestPayment:fail cancel"},
		"no appId, unknown outcome": {with("appId", "", "outcome", "bogus"), http.StatusBadRequest, "requestPayment:fail 参数错误"},
	} {
		t.Run(name, func(t *testing.T) {
			var a paymentAnswer
			status := e.control("POST", "/control/request-payment", tc.in, &a)
			if status != tc.status || !strings.HasPrefix(a.ErrMsg, tc.msg) {
				t.Fatalf("got %d %+v, want %d %q", status, a, tc.status, tc.msg)
			}
			if name == "preview" && a.AmountFen != 12345 {
				t.Errorf("preview amount %d, want 12345", a.AmountFen)
			}
		})
	}
	var a paymentAnswer
	if status := e.control("POST", "/control/request-payment", with("outcome", "success"), &a); status != http.StatusOK ||
		a.ErrMsg != "requestPayment:ok" || a.ErrMsgJS != "get_brand_wcpay_request:ok" || a.TradeState != "SUCCESS" {
		t.Fatalf("pay: %d %+v", status, a)
	}
	// Paying again is idempotent: the order is paid once.
	if status := e.control("POST", "/control/request-payment", with("outcome", "success"), &a); status != http.StatusOK || a.TradeState != "SUCCESS" {
		t.Fatalf("pay again: %d %+v", status, a)
	}
}

func TestJSBridgeScript(t *testing.T) {
	e := newEnv(t, withoutRun())
	resp, err := http.Get(e.ts.URL + e.prefix + "/jsbridge.js")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Fatalf("jsbridge.js: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}
