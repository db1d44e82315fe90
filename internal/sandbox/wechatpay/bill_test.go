package wechatpay_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/core/option"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/jsapi"
	"github.com/wechatpay-apiv3/wechatpay-go/services/refunddomestic"
)

type billApply struct {
	HashType    string `json:"hash_type"`
	HashValue   string `json:"hash_value"`
	DownloadURL string `json:"download_url"`
}

func (e *env) applyBill(query string) billApply {
	e.t.Helper()
	res, err := e.client.Get(context.Background(), wechatHost+"/v3/bill/tradebill?"+query)
	if err != nil {
		e.t.Fatalf("apply bill %s: %v", query, err)
	}
	var b billApply
	if err := decodeJSON(res.Response, &b); err != nil {
		e.t.Fatal(err)
	}
	return b
}

// downloadBill follows download_url with a client built WithoutValidator,
// as the SDK's FAQ prescribes: the file response is not signed.
func (e *env) downloadBill(link string, hc *http.Client) []byte {
	e.t.Helper()
	raw, err := core.NewClient(context.Background(),
		option.WithMerchantCredential(creds.MchID, creds.MerchantSerial, creds.MerchantKey),
		option.WithoutValidator(), option.WithHTTPClient(hc))
	if err != nil {
		e.t.Fatal(err)
	}
	res, err := raw.Get(context.Background(), link)
	if err != nil {
		e.t.Fatalf("download %s: %v", link, err)
	}
	defer res.Response.Body.Close()
	data, err := io.ReadAll(res.Response.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return data
}

func TestTradeBill(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.pay("SB-bill-1", 1454, "https://merchant.example/notify")
	e.pay("SB-bill-2", 33, "https://merchant.example/notify")
	if _, _, err := e.refunds.Create(ctx, refundRequest("SB-bill-1", "RF-bill-1", 454, 1454, "")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "refund success", func() bool {
		rf, _, err := e.refunds.QueryByOutRefundNo(ctx, refunddomestic.QueryByOutRefundNoRequest{OutRefundNo: core.String("RF-bill-1")})
		return err == nil && *rf.Status == refunddomestic.STATUS_SUCCESS
	})
	txn, _, _ := e.jsapi.QueryOrderByOutTradeNo(ctx, jsapi.QueryOrderByOutTradeNoRequest{OutTradeNo: core.String("SB-bill-1"), Mchid: core.String(creds.MchID)})
	paidAt, _ := time.Parse(time.RFC3339, *txn.SuccessTime)
	day := paidAt.Format("2006-01-02") // success_time is +08:00: the Shanghai day

	apply := e.applyBill("bill_date=" + day + "&bill_type=ALL")
	if apply.HashType != "SHA1" || !strings.HasPrefix(apply.DownloadURL, e.ts.URL+mount+"/v3/billdownload/file?token=") {
		t.Fatalf("apply: %+v", apply)
	}
	// The adapter's transport prefixes the already-prefixed path once more;
	// the sandbox routes that and verifies the URI the client signed.
	data := e.downloadBill(apply.DownloadURL, e.httpClient())
	sum := sha1.Sum(data)
	if hex.EncodeToString(sum[:]) != apply.HashValue {
		t.Fatalf("SHA-1 %x, apply said %s", sum, apply.HashValue)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\r\n"), "\r\n")
	if len(lines) != 6 {
		t.Fatalf("want header, 3 rows, summary header, summary; got %d lines:\n%s", len(lines), data)
	}
	if !strings.HasPrefix(lines[0], "交易时间,公众账号ID,商户号,特约商户号,") || !strings.HasSuffix(lines[0], ",费率备注") {
		t.Errorf("header %q", lines[0])
	}
	cols := strings.Split(lines[0], ",")
	row := fieldsByName(t, cols, lines[1])
	if row["商户订单号"] != "SB-bill-1" || row["交易状态"] != "SUCCESS" || row["应结订单金额"] != "14.54" ||
		row["手续费"] != "0.09000" || row["费率"] != "0.60%" || row["微信订单号"] != *txn.TransactionId || row["特约商户号"] != "0" {
		t.Errorf("payment row: %v", row)
	}
	if rf := fieldsByName(t, cols, lines[3]); rf["交易状态"] != "REFUND" || rf["退款金额"] != "4.54" || rf["商户退款单号"] != "RF-bill-1" || rf["手续费"] != "-0.03000" {
		t.Errorf("refund row: %v", rf)
	}
	if lines[4] != "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额" ||
		lines[5] != "`3,`14.87,`4.54,`0.00,`0.06000,`14.87,`4.54" {
		t.Errorf("summary:\n%s\n%s", lines[4], lines[5])
	}

	// A validating client cannot read the unsigned file, as with WeChat.
	if _, err := e.client.Get(ctx, apply.DownloadURL); err == nil || !strings.Contains(err.Error(), "Wechatpay-Serial") {
		t.Errorf("validating download: %v", err)
	}
	// A client calling the sandbox URL directly (no rewriting) works too.
	direct := e.downloadBill(e.applyBill("bill_date="+day+"&bill_type=SUCCESS").DownloadURL, &http.Client{})
	if n := strings.Count(string(direct), "\r\n"); n != 5 {
		t.Errorf("SUCCESS bill has %d lines:\n%s", n, direct)
	}
	gz := e.applyBill("bill_date=" + day + "&bill_type=REFUND&tar_type=GZIP")
	zr, err := gzip.NewReader(bytes.NewReader(e.downloadBill(gz.DownloadURL, e.httpClient())))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if sum := sha1.Sum(plain); hex.EncodeToString(sum[:]) != gz.HashValue || !strings.Contains(string(plain), "退款申请时间,退款成功时间") {
		t.Errorf("gzip REFUND bill (hash %x vs %s):\n%s", sum, gz.HashValue, plain)
	}

	_, err = e.client.Get(ctx, wechatHost+"/v3/bill/tradebill?bill_date="+paidAt.AddDate(0, 0, -1).Format("2006-01-02"))
	apiError(t, err, http.StatusBadRequest, "NO_STATEMENT_EXIST")
	_, err = e.client.Get(ctx, wechatHost+"/v3/bill/tradebill?bill_date=20250101")
	apiError(t, err, http.StatusBadRequest, "INVALID_REQUEST")
}

func fieldsByName(t *testing.T, header []string, line string) map[string]string {
	t.Helper()
	vals := strings.Split(line, ",")
	if len(vals) != len(header) {
		t.Fatalf("row has %d fields, header %d: %q", len(vals), len(header), line)
	}
	m := map[string]string{}
	for i, v := range vals {
		if !strings.HasPrefix(v, "`") {
			t.Fatalf("field %s lacks the backtick: %q", header[i], v)
		}
		m[header[i]] = v[1:]
	}
	return m
}
