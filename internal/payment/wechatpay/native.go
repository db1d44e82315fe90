package wechatpay

import (
	"context"
	"fmt"
	"net/url"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/native"

	"github.com/shebao-project/shebao/internal/payment"
)

// Native is WeChat Pay's Native (QR code) payment, for people paying on a
// PC: the page shows code_url as a QR code and the person scans it with
// WeChat. It is the same merchant as JSAPI, so query, close, refunds,
// notifications and the trade bill are the JSAPI provider's; only prepay
// differs (no payer openid; a code_url instead of a prepay_id).
// https://pay.weixin.qq.com/doc/v3/merchant/4012791877
type Native struct {
	*Provider
	native    native.NativeApiService
	notifyURL string
}

// NewNative builds the Native provider on p's client. notifyURL receives
// this channel's payment notifications ("" uses p's).
func NewNative(p *Provider, notifyURL string) *Native {
	if notifyURL == "" {
		notifyURL = p.cfg.NotifyURL
	}
	return &Native{Provider: p, native: native.NativeApiService{Client: p.client}, notifyURL: notifyURL}
}

// Prepay implements payment.Provider: the answer carries CodeURL, and in
// demo mode the sandbox cashier page that stands in for scanning it.
func (n *Native) Prepay(ctx context.Context, r payment.PrepayRequest) (*payment.PayParams, error) {
	expire := r.ExpireAt
	resp, _, err := n.native.Prepay(ctx, native.PrepayRequest{
		Appid: core.String(n.cfg.AppID), Mchid: core.String(n.cfg.MchID),
		Description: core.String(r.Description), OutTradeNo: core.String(r.OutTradeNo),
		TimeExpire: &expire, NotifyUrl: core.String(n.notifyURL),
		Amount: &native.Amount{Total: core.Int64(int64(r.AmountFen)), Currency: core.String("CNY")},
	})
	if err != nil {
		if core.IsAPIError(err, "ORDERPAID") {
			return nil, fmt.Errorf("wechatpay: native prepay %s: %w", r.OutTradeNo, payment.ErrAlreadyPaid)
		}
		return nil, fmt.Errorf("wechatpay: native prepay %s: %w", r.OutTradeNo, err)
	}
	pp := &payment.PayParams{CodeURL: deref(resp.CodeUrl)}
	if pp.CodeURL == "" {
		return nil, fmt.Errorf("wechatpay: native prepay %s: answer has no code_url", r.OutTradeNo)
	}
	if n.cfg.CashierURL != "" {
		// The sandbox's code_url is weixin://wxpay/bizpayurl?pr=CODE and its
		// cashier page for CODE is what "scanning" opens.
		if u, err := url.Parse(pp.CodeURL); err == nil && u.Query().Get("pr") != "" {
			pp.CashierURL = n.cfg.CashierURL + url.PathEscape(u.Query().Get("pr"))
		}
	}
	return pp, nil
}

// BillAccount implements payment.BillSharer: Native trades are in the same
// merchant trade bill as JSAPI ones.
func (n *Native) BillAccount() string { return "wechatpay:" + n.cfg.MchID }

// BillAccount implements payment.BillSharer.
func (p *Provider) BillAccount() string { return "wechatpay:" + p.cfg.MchID }

// RequiresOpenID implements payment.PayerAccountRequired: whoever scans
// the code pays, so no openid is needed.
func (n *Native) RequiresOpenID() bool { return false }

var _ payment.Provider = (*Native)(nil)
