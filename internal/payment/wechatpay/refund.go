package wechatpay

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/services/refunddomestic"

	"github.com/shebao-project/shebao/internal/payment"
)

// Refund implements payment.Provider: POST /v3/refund/domestic/refunds.
// WeChat Pay treats the same out_refund_no as the same refund, so a retry
// after a lost answer does not refund twice.
func (p *Provider) Refund(ctx context.Context, r payment.RefundRequest) (*payment.RefundStatus, error) {
	req := refunddomestic.CreateRequest{
		OutTradeNo: core.String(r.OutTradeNo), OutRefundNo: core.String(r.OutRefundNo),
		Reason: core.String(r.Reason),
		Amount: &refunddomestic.AmountReq{Refund: core.Int64(int64(r.AmountFen)), Total: core.Int64(int64(r.TotalFen)), Currency: core.String("CNY")},
	}
	if p.cfg.RefundNotifyURL != "" {
		req.NotifyUrl = core.String(p.cfg.RefundNotifyURL)
	}
	resp, _, err := p.refunds.Create(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("wechatpay: refund %s: %w", r.OutRefundNo, err)
	}
	return refundStatus(resp), nil
}

// QueryRefund implements payment.Provider.
func (p *Provider) QueryRefund(ctx context.Context, outRefundNo string) (*payment.RefundStatus, error) {
	resp, _, err := p.refunds.QueryByOutRefundNo(ctx, refunddomestic.QueryByOutRefundNoRequest{OutRefundNo: core.String(outRefundNo)})
	if err != nil {
		if core.IsAPIError(err, "RESOURCE_NOT_EXISTS") {
			return nil, fmt.Errorf("wechatpay: query refund %s: %w: %w", outRefundNo, payment.ErrRefundNotFound, err)
		}
		return nil, fmt.Errorf("wechatpay: query refund %s: %w", outRefundNo, err)
	}
	return refundStatus(resp), nil
}

func refundStatus(r *refunddomestic.Refund) *payment.RefundStatus {
	st := &payment.RefundStatus{OutRefundNo: deref(r.OutRefundNo), RefundID: deref(r.RefundId)}
	if r.Status != nil {
		st.Status = string(*r.Status)
	}
	return st
}

// refundNotice is the decrypted resource of a REFUND.* notification; the
// SDK has no type for it (its field is refund_status, not status).
type refundNotice struct {
	MchID        string `json:"mchid"`
	OutTradeNo   string `json:"out_trade_no"`
	OutRefundNo  string `json:"out_refund_no"`
	RefundID     string `json:"refund_id"`
	RefundStatus string `json:"refund_status"`
}

// ParseRefundNotification implements payment.Provider: verified and
// decrypted by the SDK exactly like a payment notification.
func (p *Provider) ParseRefundNotification(ctx context.Context, r *http.Request) (*payment.RefundStatus, string, error) {
	var n refundNotice
	req, err := p.notify.ParseNotifyRequest(ctx, r, &n)
	if err != nil {
		msg := err.Error()
		if i := strings.Index(msg, ", request:"); i > 0 {
			msg = msg[:i]
		}
		return nil, "", fmt.Errorf("%w: %s", payment.ErrBadNotification, msg)
	}
	if n.MchID != p.cfg.MchID || !strings.HasPrefix(req.EventType, "REFUND.") {
		return nil, "", fmt.Errorf("%w: refund notification %s for mchid %q", payment.ErrBadNotification, req.EventType, n.MchID)
	}
	return &payment.RefundStatus{OutRefundNo: n.OutRefundNo, RefundID: n.RefundID, Status: n.RefundStatus}, req.ID, nil
}
