package wechatpay_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/jsapi"
)

func TestPrepayQueryPayNotify(t *testing.T) {
	e := newEnv(t)
	rc := newReceiver(t)
	ctx := context.Background()

	resp := e.prepay("SB2025070100001", 1454, rc.url())
	if !regexp.MustCompile(`^wx\d{14}[0-9a-f]{20}$`).MatchString(*resp.PrepayId) {
		t.Errorf("prepay_id %q does not look like WeChat's", *resp.PrepayId)
	}
	// paySign: SHA256withRSA by the merchant key over appId, timeStamp,
	// nonceStr, package, each line ending in \n.
	msg := *resp.Appid + "\n" + *resp.TimeStamp + "\n" + *resp.NonceStr + "\n" + *resp.Package + "\n"
	sig, _ := base64.StdEncoding.DecodeString(*resp.PaySign)
	sum := sha256.Sum256([]byte(msg))
	if err := rsa.VerifyPKCS1v15(&creds.MerchantKey.PublicKey, crypto.SHA256, sum[:], sig); err != nil {
		t.Fatalf("paySign does not verify: %v", err)
	}
	if *resp.Package != "prepay_id="+*resp.PrepayId || *resp.SignType != "RSA" {
		t.Errorf("package %q signType %q", *resp.Package, *resp.SignType)
	}

	txn, _, err := e.jsapi.QueryOrderByOutTradeNo(ctx, jsapi.QueryOrderByOutTradeNoRequest{
		OutTradeNo: core.String("SB2025070100001"), Mchid: core.String(creds.MchID)})
	if err != nil {
		t.Fatalf("query: %v", err)
	}
	if *txn.TradeState != "NOTPAY" || *txn.TradeStateDesc != "订单未支付" || txn.TransactionId != nil || *txn.Amount.Total != 1454 {
		t.Errorf("unpaid order: %s", txn)
	}

	if status, res := e.cashier(*resp.PrepayId, "success"); status != 200 || res.TradeState != "SUCCESS" || res.OutTradeNo != "SB2025070100001" {
		t.Fatalf("cashier: %d %+v", status, res)
	}
	txn, _, err = e.jsapi.QueryOrderByOutTradeNo(ctx, jsapi.QueryOrderByOutTradeNoRequest{
		OutTradeNo: core.String("SB2025070100001"), Mchid: core.String(creds.MchID)})
	if err != nil {
		t.Fatalf("query: %v", err)
	}
	if *txn.TradeState != "SUCCESS" || *txn.TradeStateDesc != "支付成功" || *txn.TradeType != "JSAPI" ||
		*txn.Amount.PayerTotal != 1454 || *txn.BankType != "OTHERS" || *txn.Attach != "bill-42" ||
		*txn.Payer.Openid != "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" {
		t.Errorf("paid order: %s", txn)
	}
	if !regexp.MustCompile(`^\d{28}$`).MatchString(*txn.TransactionId) {
		t.Errorf("transaction_id %q is not 28 digits", *txn.TransactionId)
	}
	if st, err := time.Parse(time.RFC3339, *txn.SuccessTime); err != nil || st.Format("-07:00") != "+08:00" {
		t.Errorf("success_time %q: %v", *txn.SuccessTime, err)
	}
	byID, _, err := e.jsapi.QueryOrderById(ctx, jsapi.QueryOrderByIdRequest{TransactionId: txn.TransactionId, Mchid: core.String(creds.MchID)})
	if err != nil || *byID.OutTradeNo != "SB2025070100001" {
		t.Fatalf("query by id: %v %v", byID, err)
	}

	n := rc.next(t)
	if n.req.EventType != "TRANSACTION.SUCCESS" || n.req.Summary != "支付成功" || n.req.ResourceType != "encrypt-resource" {
		t.Errorf("envelope: %+v", n.req)
	}
	r := n.req.Resource
	if r.Algorithm != "AEAD_AES_256_GCM" || r.OriginalType != "transaction" || r.AssociatedData != "transaction" || len(r.Nonce) != 12 {
		t.Errorf("resource: %+v", r)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(n.req.ID) {
		t.Errorf("notification id %q is not UUID-like", n.req.ID)
	}
	if n.content["trade_state"] != "SUCCESS" || n.content["transaction_id"] != *txn.TransactionId || n.content["out_trade_no"] != "SB2025070100001" {
		t.Errorf("plaintext: %v", n.content)
	}
	rc.none(t)
}

func TestPrepayRepeatReuseAndPaid(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	first := e.prepay("SB-repeat-1", 100, "https://merchant.example/notify")
	again := e.prepay("SB-repeat-1", 100, "https://merchant.example/notify")
	if *again.PrepayId != *first.PrepayId {
		t.Errorf("identical repeat got prepay_id %s, want the current %s", *again.PrepayId, *first.PrepayId)
	}
	_, _, err := e.jsapi.Prepay(ctx, prepayRequest("SB-repeat-1", 200, "https://merchant.example/notify"))
	apiError(t, err, http.StatusForbidden, "OUT_TRADE_NO_USED")

	if status, _ := e.cashier(*first.PrepayId, "success"); status != 200 {
		t.Fatalf("cashier: %d", status)
	}
	_, _, err = e.jsapi.Prepay(ctx, prepayRequest("SB-repeat-1", 100, "https://merchant.example/notify"))
	ae := apiError(t, err, http.StatusBadRequest, "ORDERPAID")
	if ae.Message != "订单已支付" {
		t.Errorf("message %q", ae.Message)
	}
	_, err = e.jsapi.CloseOrder(ctx, jsapi.CloseOrderRequest{OutTradeNo: core.String("SB-repeat-1"), Mchid: core.String(creds.MchID)})
	apiError(t, err, http.StatusBadRequest, "ORDERPAID")
}

func TestCloseOrder(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	p := e.prepay("SB-close-1", 100, "https://merchant.example/notify")
	result, err := e.jsapi.CloseOrder(ctx, jsapi.CloseOrderRequest{OutTradeNo: core.String("SB-close-1"), Mchid: core.String(creds.MchID)})
	if err != nil {
		t.Fatalf("close: %v", err) // the SDK has verified the 204's signature over the empty body
	}
	if result.Response.StatusCode != http.StatusNoContent || result.Response.Header.Get("Wechatpay-Serial") != creds.PublicKeyID {
		t.Errorf("close answered %d serial %q", result.Response.StatusCode, result.Response.Header.Get("Wechatpay-Serial"))
	}
	txn, _, err := e.jsapi.QueryOrderByOutTradeNo(ctx, jsapi.QueryOrderByOutTradeNoRequest{OutTradeNo: core.String("SB-close-1"), Mchid: core.String(creds.MchID)})
	if err != nil || *txn.TradeState != "CLOSED" {
		t.Fatalf("after close: %v %v", txn, err)
	}
	_, _, err = e.jsapi.Prepay(ctx, prepayRequest("SB-close-1", 100, "https://merchant.example/notify"))
	apiError(t, err, http.StatusBadRequest, "ORDER_CLOSED")
	if status, res := e.cashier(*p.PrepayId, "success"); status != http.StatusBadRequest || res.Code != "ORDER_CLOSED" {
		t.Errorf("paying a closed order: %d %+v", status, res)
	}
	if _, err := e.jsapi.CloseOrder(ctx, jsapi.CloseOrderRequest{OutTradeNo: core.String("SB-close-1"), Mchid: core.String(creds.MchID)}); err != nil {
		t.Errorf("closing twice: %v", err)
	}
}

func TestQueryUnknownOrder(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, _, err := e.jsapi.QueryOrderByOutTradeNo(ctx, jsapi.QueryOrderByOutTradeNoRequest{OutTradeNo: core.String("SB-nothing"), Mchid: core.String(creds.MchID)})
	apiError(t, err, http.StatusNotFound, "ORDER_NOT_EXIST")
	_, _, err = e.jsapi.QueryOrderById(ctx, jsapi.QueryOrderByIdRequest{TransactionId: core.String("4200000000202501010000000000"), Mchid: core.String(creds.MchID)})
	apiError(t, err, http.StatusNotFound, "ORDER_NOT_EXIST")
	_, _, err = e.jsapi.QueryOrderByOutTradeNo(ctx, jsapi.QueryOrderByOutTradeNoRequest{OutTradeNo: core.String("SB-nothing"), Mchid: core.String("1900000001")})
	apiError(t, err, http.StatusBadRequest, "MCH_NOT_EXISTS")
}

func TestNativePrepay(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	body := map[string]any{
		"appid": creds.AppID, "mchid": creds.MchID, "description": "灵活就业养老保险", "out_trade_no": "SB-native-1",
		"notify_url": "https://merchant.example/notify", "amount": map[string]any{"total": 300, "currency": "CNY"},
	}
	res, err := e.client.Post(ctx, wechatHost+"/v3/pay/transactions/native", body)
	if err != nil {
		t.Fatalf("native prepay: %v", err)
	}
	var out struct {
		CodeURL string `json:"code_url"`
	}
	if err := decodeJSON(res.Response, &out); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`^weixin://wxpay/bizpayurl\?pr=([0-9A-Za-z]{9})$`).FindStringSubmatch(out.CodeURL)
	if m == nil {
		t.Fatalf("code_url %q", out.CodeURL)
	}
	if status, res := e.cashier(m[1], "success"); status != 200 || res.TradeState != "SUCCESS" {
		t.Fatalf("cashier by code: %d %+v", status, res)
	}
	txn, _, err := e.jsapi.QueryOrderByOutTradeNo(ctx, jsapi.QueryOrderByOutTradeNoRequest{OutTradeNo: core.String("SB-native-1"), Mchid: core.String(creds.MchID)})
	if err != nil || *txn.TradeType != "NATIVE" || txn.Payer != nil {
		t.Fatalf("native order: %v %v", txn, err)
	}
}
