package ssc

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/shebao-project/shebao/internal/payment"
)

// refundRequest is the body of POST /v1/refunds.
type refundRequest struct {
	MerchantID  string `json:"merchant_id"`
	OutTradeNo  string `json:"out_trade_no"`
	OutRefundNo string `json:"out_refund_no"`
	AmountFen   int64  `json:"amount_fen"`
	TotalFen    int64  `json:"total_fen"`
	Reason      string `json:"reason"`
	NotifyURL   string `json:"notify_url,omitempty"`
}

// refund is the bank's view of a refund.
type refund struct {
	MerchantID  string `json:"merchant_id"`
	OutTradeNo  string `json:"out_trade_no"`
	OutRefundNo string `json:"out_refund_no"`
	RefundID    string `json:"refund_id"`
	State       string `json:"state"`
	AmountFen   int64  `json:"amount_fen"`
}

func (r *refund) status() *payment.RefundStatus {
	return &payment.RefundStatus{OutRefundNo: r.OutRefundNo, RefundID: r.RefundID, Status: r.State}
}

// Refund implements payment.Provider. The bank treats the same out_refund_no
// with the same request as the same refund, so a retry after a lost answer
// does not pay back twice; it refuses the same number with another request.
func (p *Provider) Refund(ctx context.Context, r payment.RefundRequest) (*payment.RefundStatus, error) {
	req := refundRequest{
		MerchantID: p.cfg.MerchantID, OutTradeNo: r.OutTradeNo, OutRefundNo: r.OutRefundNo,
		AmountFen: int64(r.AmountFen), TotalFen: int64(r.TotalFen), Reason: r.Reason, NotifyURL: p.cfg.RefundNotifyURL,
	}
	var rf refund
	if err := p.do(ctx, http.MethodPost, "/v1/refunds", req, &rf); err != nil {
		return nil, fmt.Errorf("ssc: refund %s: %w", r.OutRefundNo, err)
	}
	if rf.OutRefundNo != r.OutRefundNo {
		return nil, fmt.Errorf("ssc: refund %s: the bank answered for %s", r.OutRefundNo, rf.OutRefundNo)
	}
	return rf.status(), nil
}

// QueryRefund implements payment.Provider.
func (p *Provider) QueryRefund(ctx context.Context, outRefundNo string) (*payment.RefundStatus, error) {
	var rf refund
	if err := p.do(ctx, http.MethodGet, "/v1/refunds/"+url.PathEscape(outRefundNo), nil, &rf); err != nil {
		if IsCode(err, "REFUND_NOT_FOUND") {
			return nil, fmt.Errorf("ssc: query refund %s: %w: %w", outRefundNo, payment.ErrRefundNotFound, err)
		}
		return nil, fmt.Errorf("ssc: query refund %s: %w", outRefundNo, err)
	}
	if rf.OutRefundNo != outRefundNo {
		return nil, fmt.Errorf("ssc: query refund %s: the bank answered for %s", outRefundNo, rf.OutRefundNo)
	}
	return rf.status(), nil
}
