package wechatpay

import (
	"context"
	"crypto/sha1"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"

	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/payment"
)

// TradeBill implements payment.Provider: apply for the day's trade bill
// (GET /v3/bill/tradebill, signed answer), download it (the file is not
// signed, so a client without a validator fetches it, as the SDK's FAQ
// says) and check its SHA-1 before parsing. date is YYYY-MM-DD in Beijing time.
func (p *Provider) TradeBill(ctx context.Context, date string) ([]payment.BillRow, error) {
	res, err := p.client.Get(ctx, "https://api.mch.weixin.qq.com/v3/bill/tradebill?bill_type=ALL&bill_date="+url.QueryEscape(date))
	if err != nil {
		if core.IsAPIError(err, "NO_STATEMENT_EXIST") {
			return nil, nil // no trade that day
		}
		return nil, fmt.Errorf("wechatpay: apply trade bill %s: %w", date, err)
	}
	defer res.Response.Body.Close()
	var apply struct {
		HashType    string `json:"hash_type"`
		HashValue   string `json:"hash_value"`
		DownloadURL string `json:"download_url"`
	}
	if err := json.NewDecoder(res.Response.Body).Decode(&apply); err != nil {
		return nil, fmt.Errorf("wechatpay: trade bill answer: %w", err)
	}
	dl, err := p.download.Get(ctx, apply.DownloadURL)
	if err != nil {
		return nil, fmt.Errorf("wechatpay: download trade bill %s: %w", date, err)
	}
	defer dl.Response.Body.Close()
	body, err := io.ReadAll(io.LimitReader(dl.Response.Body, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("wechatpay: read trade bill: %w", err)
	}
	sum := sha1.Sum(body)
	if !strings.EqualFold(apply.HashType, "SHA1") || !strings.EqualFold(hex.EncodeToString(sum[:]), apply.HashValue) {
		return nil, fmt.Errorf("wechatpay: trade bill %s: %s hash does not match", date, apply.HashType)
	}
	return parseTradeBill(body)
}

// parseTradeBill reads WeChat's CSV trade bill: a header row, detail rows
// whose fields start with a backtick, then a summary header and row. Columns
// are found by name, because WeChat may reorder them.
func parseTradeBill(body []byte) ([]payment.BillRow, error) {
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(body), "\ufeff")))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("wechatpay: trade bill header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(h)] = i
	}
	for _, need := range []string{"交易时间", "微信订单号", "商户订单号", "交易状态", "应结订单金额", "商户退款单号", "退款金额"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("wechatpay: trade bill has no column %s", need)
		}
	}
	var out []payment.BillRow
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("wechatpay: trade bill row: %w", err)
		}
		if len(rec) > 0 && strings.TrimSpace(rec[0]) == "总交易单数" {
			return out, nil // the summary follows
		}
		row, err := billRow(rec, col)
		if err != nil {
			return nil, err
		}
		out = append(out, row)
	}
}

func billRow(rec []string, col map[string]int) (payment.BillRow, error) {
	get := func(name string) string {
		i := col[name]
		if i >= len(rec) {
			return ""
		}
		return strings.TrimPrefix(strings.TrimSpace(rec[i]), "`")
	}
	at, err := time.ParseInLocation("2006-01-02 15:04:05", get("交易时间"), time.FixedZone("CST", 8*3600))
	if err != nil {
		return payment.BillRow{}, fmt.Errorf("wechatpay: trade bill time %q: %w", get("交易时间"), err)
	}
	row := payment.BillRow{At: at, TransactionID: get("微信订单号"), OutTradeNo: get("商户订单号"), State: get("交易状态")}
	// Payment rows carry "0" in the refund number columns (see the example
	// row in WeChat's bill format documentation).
	if v := get("商户退款单号"); v != "0" {
		row.OutRefundNo = v
	}
	if row.AmountFen, err = money.ParseYuan(get("应结订单金额")); err != nil {
		return row, fmt.Errorf("wechatpay: trade bill amount: %w", err)
	}
	if v := get("退款金额"); v != "" {
		if row.RefundFen, err = money.ParseYuan(v); err != nil {
			return row, fmt.Errorf("wechatpay: trade bill refund: %w", err)
		}
	}
	return row, nil
}
