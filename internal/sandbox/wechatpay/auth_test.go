package wechatpay_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/jsapi"

	"github.com/shebao-project/shebao/internal/sandbox/wechatpay"
)

func queryReq(outTradeNo string) jsapi.QueryOrderByOutTradeNoRequest {
	return jsapi.QueryOrderByOutTradeNoRequest{OutTradeNo: core.String(outTradeNo), Mchid: core.String(creds.MchID)}
}

func TestWrongKeyIsSignError(t *testing.T) {
	e := newEnv(t)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	svc := jsapi.JsapiApiService{Client: e.newClient(other, creds.MerchantSerial)}
	_, _, err = svc.QueryOrderByOutTradeNo(context.Background(), queryReq("SB-anything"))
	ae := apiError(t, err, http.StatusUnauthorized, "SIGN_ERROR")
	detail, _ := ae.Detail.(map[string]any)
	info, _ := detail["sign_information"].(map[string]any)
	if detail["field"] != "signature" || info["url"] != "/v3/pay/transactions/out-trade-no/SB-anything?mchid="+creds.MchID || info["method"] != "GET" {
		t.Errorf("detail %v", ae.Detail)
	}

	svc = jsapi.JsapiApiService{Client: e.newClient(creds.MerchantKey, "0123456789ABCDEF")}
	_, _, err = svc.QueryOrderByOutTradeNo(context.Background(), queryReq("SB-anything"))
	apiError(t, err, http.StatusUnauthorized, "SIGN_ERROR")
}

func TestStaleTimestampIsSignError(t *testing.T) {
	e := newEnv(t)
	e.clock.Advance(10 * time.Minute) // the client's timestamps now look 10 minutes old
	_, _, err := e.jsapi.QueryOrderByOutTradeNo(context.Background(), queryReq("SB-anything"))
	ae := apiError(t, err, http.StatusUnauthorized, "SIGN_ERROR")
	if !strings.Contains(ae.Message, "5分钟") {
		t.Errorf("message %q", ae.Message)
	}
}

// signedRequest signs by hand, with the Authorization pairs in an order the
// SDK never uses, to show the sandbox parses them order-independently.
func signedRequest(t *testing.T, e *env, method, uri string, body []byte, ts int64) *http.Request {
	t.Helper()
	nonce := "n0nceN0nceN0nceN0nceN0nceN0nce12"
	msg := fmt.Sprintf("%s\n%s\n%d\n%s\n%s\n", method, uri, ts, nonce, body)
	sum := sha256.Sum256([]byte(msg))
	sig, err := rsa.SignPKCS1v15(nil, creds.MerchantKey, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(method, e.ts.URL+e.prefix+uri, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", fmt.Sprintf(`WECHATPAY2-SHA256-RSA2048 signature="%s", serial_no="%s",timestamp="%d",mchid="%s",nonce_str="%s"`,
		base64.StdEncoding.EncodeToString(sig), creds.MerchantSerial, ts, creds.MchID, nonce))
	return req
}

func TestAuthorizationParsing(t *testing.T) {
	e := newEnv(t)
	e.prepay("SB-auth-1", 100, "https://merchant.example/notify")
	now := time.Now().Unix()
	cases := []struct {
		name   string
		mutate func(*http.Request)
		status int
	}{
		{"pairs in any order", func(*http.Request) {}, http.StatusOK},
		{"missing header", func(r *http.Request) { r.Header.Del("Authorization") }, http.StatusUnauthorized},
		{"wrong schema", func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "WECHATPAY2-SHA256-RSA2048", "WECHATPAY2-SM2-WITH-SM3", 1))
		}, http.StatusUnauthorized},
		{"other mchid", func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), creds.MchID, "1900000001", 1))
		}, http.StatusUnauthorized},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := signedRequest(t, e, "GET", "/v3/pay/transactions/out-trade-no/SB-auth-1?mchid="+creds.MchID, nil, now)
			c.mutate(req)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body map[string]any
			_ = json.NewDecoder(resp.Body).Decode(&body)
			if resp.StatusCode != c.status || (c.status == 401 && body["code"] != "SIGN_ERROR") {
				t.Errorf("got %d %v", resp.StatusCode, body)
			}
			if resp.Header.Get("Wechatpay-Signature") == "" || resp.Header.Get("Request-ID") == "" {
				t.Errorf("response not signed: %v", resp.Header)
			}
		})
	}
	// The body is part of the message: the same signature over other bytes fails.
	req := signedRequest(t, e, "POST", "/v3/pay/transactions/out-trade-no/SB-auth-1/close", []byte(`{"mchid":"`+creds.MchID+`"}`), now)
	req.Body = http.NoBody
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("tampered body: %d", resp.StatusCode)
	}
}

// TestStandalone serves /v3/… at the root, as a separate sandbox process would.
func TestStandalone(t *testing.T) {
	e := newEnv(t, withConfig(func(c *wechatpay.Config) { c.MountPrefix = "" }))
	e.pay("SB-standalone", 100, "https://merchant.example/notify")
	txn, _, err := e.jsapi.QueryOrderByOutTradeNo(context.Background(), queryReq("SB-standalone"))
	if err != nil || *txn.TradeState != "SUCCESS" {
		t.Fatalf("%v %v", txn, err)
	}
}

func TestNewServerRejectsBadConfig(t *testing.T) {
	for name, cfg := range map[string]wechatpay.Config{
		"no credentials":   {},
		"trailing slash":   {Credentials: creds, MountPrefix: "/sandbox/"},
		"no leading slash": {Credentials: creds, MountPrefix: "sandbox"},
		"zero interval":    {Credentials: creds, NotifySchedule: []time.Duration{0}},
	} {
		if _, err := wechatpay.NewServer(cfg); err == nil {
			t.Errorf("%s: NewServer accepted it", name)
		}
	}
}
