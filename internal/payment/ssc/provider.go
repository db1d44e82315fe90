package ssc

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/payment"
)

// beijing is UTC+8, which China has kept without daylight saving since 1991,
// so a fixed zone is exact and needs no tzdata.
var beijing = time.FixedZone("CST", 8*60*60)

// debitRequest is the body of POST /v1/debits.
type debitRequest struct {
	MerchantID  string `json:"merchant_id"`
	OutTradeNo  string `json:"out_trade_no"`
	AmountFen   int64  `json:"amount_fen"`
	Currency    string `json:"currency"`
	HolderRef   string `json:"holder_ref"`
	Description string `json:"description"`
	NotifyURL   string `json:"notify_url"`
	ExpireAt    string `json:"expire_at,omitempty"`
}

// debit is the bank's view of a debit order; the create answer adds the
// token fields.
type debit struct {
	MerchantID    string `json:"merchant_id"`
	OutTradeNo    string `json:"out_trade_no"`
	State         string `json:"state"`
	AmountFen     int64  `json:"amount_fen"`
	HolderRef     string `json:"holder_ref"`
	CardMasked    string `json:"card_masked"`
	BankSerial    string `json:"bank_serial"`
	SuccessTime   string `json:"success_time"`
	FailCode      string `json:"fail_code"`
	PaymentToken  string `json:"payment_token"`
	ConfirmURL    string `json:"confirm_url"`
	TokenExpireAt string `json:"token_expire_at"`
}

// Prepay implements payment.Provider: create (or, with the same request,
// re-read) the debit and hand back the bank's confirmation page.
func (p *Provider) Prepay(ctx context.Context, r payment.PrepayRequest) (*payment.PayParams, error) {
	req := debitRequest{
		MerchantID: p.cfg.MerchantID, OutTradeNo: r.OutTradeNo, AmountFen: int64(r.AmountFen), Currency: "CNY",
		HolderRef: r.OpenID, Description: r.Description, NotifyURL: p.cfg.NotifyURL,
	}
	if !r.ExpireAt.IsZero() {
		req.ExpireAt = r.ExpireAt.In(beijing).Truncate(time.Second).Format(time.RFC3339)
	}
	var d debit
	if err := p.do(ctx, http.MethodPost, "/v1/debits", req, &d); err != nil {
		if IsCode(err, "ORDER_PAID") {
			return nil, fmt.Errorf("ssc: prepay %s: %w", r.OutTradeNo, payment.ErrAlreadyPaid)
		}
		return nil, fmt.Errorf("ssc: prepay %s: %w", r.OutTradeNo, err)
	}
	if d.OutTradeNo != r.OutTradeNo || d.AmountFen != req.AmountFen || d.PaymentToken == "" {
		return nil, fmt.Errorf("ssc: prepay %s: the bank answered for %s, %d fen", r.OutTradeNo, d.OutTradeNo, d.AmountFen)
	}
	// The web page appends ?return=…, so a query here would break it; a
	// non-http(s) URL would be an open door to javascript: and the like.
	u, err := url.Parse(d.ConfirmURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" {
		return nil, fmt.Errorf("ssc: prepay %s: unusable confirm_url %q", r.OutTradeNo, d.ConfirmURL)
	}
	return &payment.PayParams{PrepayID: d.PaymentToken, CashierURL: d.ConfirmURL}, nil
}

// Query implements payment.Provider.
func (p *Provider) Query(ctx context.Context, outTradeNo string) (*payment.ProviderTxn, error) {
	var d debit
	if err := p.do(ctx, http.MethodGet, "/v1/debits/"+url.PathEscape(outTradeNo), nil, &d); err != nil {
		if IsCode(err, "ORDER_NOT_FOUND") {
			return nil, fmt.Errorf("ssc: query %s: %w", outTradeNo, payment.ErrProviderNotFound)
		}
		return nil, fmt.Errorf("ssc: query %s: %w", outTradeNo, err)
	}
	if d.OutTradeNo != outTradeNo {
		return nil, fmt.Errorf("ssc: query %s: the bank answered for %s", outTradeNo, d.OutTradeNo)
	}
	return d.txn()
}

// Close implements payment.Provider.
func (p *Provider) Close(ctx context.Context, outTradeNo string) error {
	var d debit
	err := p.do(ctx, http.MethodPost, "/v1/debits/"+url.PathEscape(outTradeNo)+"/close",
		struct {
			MerchantID string `json:"merchant_id"`
		}{p.cfg.MerchantID}, &d)
	switch {
	case err == nil:
		return nil
	case IsCode(err, "ORDER_PAID"):
		return fmt.Errorf("ssc: close %s: %w", outTradeNo, payment.ErrAlreadyPaid)
	case IsCode(err, "ORDER_NOT_FOUND"):
		return fmt.Errorf("ssc: close %s: %w", outTradeNo, payment.ErrProviderNotFound)
	}
	return fmt.Errorf("ssc: close %s: %w", outTradeNo, err)
}

// txn maps a debit onto the shared view. The states are WeChat's names on
// purpose (NOTPAY, SUCCESS, CLOSED, REFUND, PAYERROR), so the order logic
// needs no per-channel cases; AppID has no counterpart here.
func (d *debit) txn() (*payment.ProviderTxn, error) {
	t := &payment.ProviderTxn{
		OutTradeNo: d.OutTradeNo, TransactionID: d.BankSerial, TradeState: d.State,
		AmountFen: money.Fen(d.AmountFen), MchID: d.MerchantID, PayerOpenID: d.HolderRef,
	}
	if d.SuccessTime != "" {
		at, err := time.Parse(time.RFC3339, d.SuccessTime)
		if err != nil {
			return nil, fmt.Errorf("ssc: success_time %q: %w", d.SuccessTime, err)
		}
		t.SuccessTime = at
	}
	return t, nil
}

var _ payment.Provider = (*Provider)(nil)
