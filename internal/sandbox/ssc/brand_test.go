package ssc_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/shebao-project/shebao/internal/sandbox/ssc"
)

// The UnionPay route is the same bank side under its own name: its page,
// card numbers and serials say UnionPay, never the social security card.
func TestUnionPayBrand(t *testing.T) {
	e := newBrandEnv(t, ssc.UnionPayBrand())
	link := e.debit("UPB-brand-0001", 12300)
	resp, html := get(t, link)
	if resp.StatusCode != 200 || !strings.Contains(html, "<h1 class=\"title\">银联在线支付</h1>") ||
		!strings.Contains(html, "6222 **** **** ") || !strings.Contains(html, "请输入银联卡的交易密码") || strings.Contains(html, "社保卡") {
		t.Fatalf("UnionPay page: %d\n%s", resp.StatusCode, html)
	}
	resp, html = postForm(t, link, url.Values{"outcome": {"frozen"}})
	if resp.StatusCode != 200 || !strings.Contains(html, "请联系银联") {
		t.Fatalf("final failure page: %d\n%s", resp.StatusCode, html)
	}
	link = e.debit("UPB-brand-0002", 12300)
	if resp, _ = postForm(t, link, url.Values{"outcome": {"success"}, "pin": {"123456"}}); resp.StatusCode != 200 {
		t.Fatalf("pay: %d", resp.StatusCode)
	}
	txn, err := e.p.Query(context.Background(), "UPB-brand-0002")
	if err != nil || txn.TradeState != "SUCCESS" || !strings.HasPrefix(txn.TransactionID, "UPC") {
		t.Fatalf("paid debit: %+v %v", txn, err)
	}
}

func TestCardAccountBrandByDefault(t *testing.T) {
	e := newEnv(t)
	_, html := get(t, e.debit("SSB-brand-0001", 100))
	if !strings.Contains(html, "<h1 class=\"title\">社保卡金融账户</h1>") || !strings.Contains(html, "6217 **** **** ") {
		t.Fatalf("card account page:\n%s", html)
	}
}

func TestIncompleteBrandRefused(t *testing.T) {
	creds, err := ssc.GenerateCredentials(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ssc.NewServer(ssc.Config{Credentials: creds, Brand: ssc.Brand{Name: "银联"}}); err == nil {
		t.Fatal("a brand without a card BIN or serial prefix was accepted")
	}
}
