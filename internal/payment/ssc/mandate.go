package ssc

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/shebao-project/shebao/internal/payment"
)

// Channel implements payment.Collector: repayments collected by mandated
// debit are card account money, cleared with the channel's other payments.
func (p *Provider) Channel() string { return p.cfg.Channel }

type mandateRequest struct {
	MerchantID   string `json:"merchant_id"`
	MandateRef   string `json:"mandate_ref"`
	HolderRef    string `json:"holder_ref"`
	MaxAmountFen int64  `json:"max_amount_fen"`
}

type mandateAnswer struct {
	MandateRef string `json:"mandate_ref"`
	State      string `json:"state"`
}

// Mandate implements payment.Collector: POST /v1/mandates.
func (p *Provider) Mandate(ctx context.Context, m payment.MandateRequest) error {
	var a mandateAnswer
	req := mandateRequest{MerchantID: p.cfg.MerchantID, MandateRef: m.Ref, HolderRef: m.HolderRef, MaxAmountFen: int64(m.MaxFen)}
	if err := p.do(ctx, http.MethodPost, "/v1/mandates", req, &a); err != nil {
		return fmt.Errorf("ssc: mandate %s: %w", m.Ref, err)
	}
	if a.MandateRef != m.Ref || a.State != "ACTIVE" {
		return fmt.Errorf("ssc: mandate %s: the bank answered %s in state %q", m.Ref, a.MandateRef, a.State)
	}
	return nil
}

type mandatedDebitRequest struct {
	MerchantID  string `json:"merchant_id"`
	OutTradeNo  string `json:"out_trade_no"`
	MandateRef  string `json:"mandate_ref"`
	AmountFen   int64  `json:"amount_fen"`
	Currency    string `json:"currency"`
	HolderRef   string `json:"holder_ref"`
	Description string `json:"description"`
}

// Collect implements payment.Collector: POST /v1/mandated-debits, whose
// answer is final. A refusal the bank states (PAYERROR) is a result; a
// missing mandate too, since retrying cannot fix it; anything unverified
// or unexpected is an error, so the caller asks again with the same number.
func (p *Provider) Collect(ctx context.Context, r payment.CollectRequest) (*payment.CollectResult, error) {
	req := mandatedDebitRequest{MerchantID: p.cfg.MerchantID, OutTradeNo: r.OutTradeNo, MandateRef: r.MandateRef,
		AmountFen: int64(r.AmountFen), Currency: "CNY", HolderRef: r.HolderRef, Description: truncate(r.Description, 127)}
	var d debit
	if err := p.do(ctx, http.MethodPost, "/v1/mandated-debits", req, &d); err != nil {
		if IsCode(err, "MANDATE_NOT_FOUND") {
			return &payment.CollectResult{FailCode: "MANDATE_NOT_FOUND"}, nil
		}
		return nil, fmt.Errorf("ssc: collect %s: %w", r.OutTradeNo, err)
	}
	if d.OutTradeNo != r.OutTradeNo || d.AmountFen != req.AmountFen {
		return nil, fmt.Errorf("ssc: collect %s: the bank answered for %s, %d fen", r.OutTradeNo, d.OutTradeNo, d.AmountFen)
	}
	switch d.State {
	case "SUCCESS":
		at, err := time.Parse(time.RFC3339, d.SuccessTime)
		if err != nil {
			return nil, fmt.Errorf("ssc: collect %s: success_time %q: %w", r.OutTradeNo, d.SuccessTime, err)
		}
		return &payment.CollectResult{Paid: true, TransactionID: d.BankSerial, At: at}, nil
	case "PAYERROR":
		return &payment.CollectResult{FailCode: d.FailCode}, nil
	}
	return nil, fmt.Errorf("ssc: collect %s: unexpected state %q", r.OutTradeNo, d.State)
}

// truncate cuts s to n characters (runes), for the bank's description limit.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

var _ payment.Collector = (*Provider)(nil)
