// Package wechatpay is the WeChat Pay API v3 provider, built on the official
// Go SDK (github.com/wechatpay-apiv3/wechatpay-go): JSAPI/mini-program prepay
// with the wx.requestPayment parameters, query, close, and verified,
// decrypted notifications. The same code talks to WeChat Pay and to shebao's
// sandbox; only the base URL differs.
package wechatpay

import (
	"context"
	"crypto/rsa"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/verifiers"
	"github.com/wechatpay-apiv3/wechatpay-go/core/notify"
	"github.com/wechatpay-apiv3/wechatpay-go/core/option"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/jsapi"
	"github.com/wechatpay-apiv3/wechatpay-go/services/refunddomestic"

	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/payment"
)

// Config is a merchant's WeChat Pay configuration (public-key mode, what new
// merchants are issued).
type Config struct {
	MchID string
	// AppID is the official account's app id (JSAPI in WeChat's browser);
	// MiniProgramAppID the mini-program's. Both are bound to the merchant.
	AppID            string
	MiniProgramAppID string
	MerchantSerial   string
	MerchantKey      *rsa.PrivateKey
	PublicKeyID      string         // PUB_KEY_ID_…
	PublicKey        *rsa.PublicKey // the WeChat Pay public key
	APIv3Key         string
	// BaseURL is where /v3/... is served: "" means WeChat Pay itself
	// (https://api.mch.weixin.qq.com); the sandbox gives its own.
	BaseURL string
	// NotifyURL receives payment notifications (https, no query string).
	NotifyURL string
	// RefundNotifyURL receives refund notifications; "" leaves it to polling.
	RefundNotifyURL string
	// CashierURL, in demo mode, is the sandbox cashier page prefix; the
	// prepay_id is appended.
	CashierURL string
	HTTPClient *http.Client // optional; a 10 s timeout client by default
}

// Provider implements payment.Provider for WeChat Pay.
type Provider struct {
	cfg      Config
	client   *core.Client
	download *core.Client // no validator: bill files are not signed
	jsapi    jsapi.JsapiApiService
	refunds  refunddomestic.RefundsApiService
	notify   *notify.Handler
}

// New builds the SDK client. It does not call WeChat Pay.
func New(ctx context.Context, cfg Config) (*Provider, error) {
	if len(cfg.APIv3Key) != 32 {
		return nil, fmt.Errorf("wechatpay: APIv3 key must be 32 bytes, got %d", len(cfg.APIv3Key))
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.BaseURL != "" {
		target, err := url.Parse(cfg.BaseURL)
		if err != nil || target.Host == "" {
			return nil, fmt.Errorf("wechatpay: base URL %q: %v", cfg.BaseURL, err)
		}
		base := hc.Transport
		if base == nil {
			base = http.DefaultTransport
		}
		c := *hc
		c.Transport = rewrite{target: target, base: base}
		hc = &c
	}
	client, err := core.NewClient(ctx,
		option.WithWechatPayPublicKeyAuthCipher(cfg.MchID, cfg.MerchantSerial, cfg.MerchantKey, cfg.PublicKeyID, cfg.PublicKey),
		option.WithHTTPClient(hc))
	if err != nil {
		return nil, fmt.Errorf("wechatpay: client: %w", err)
	}
	download, err := core.NewClient(ctx,
		option.WithMerchantCredential(cfg.MchID, cfg.MerchantSerial, cfg.MerchantKey),
		option.WithoutValidator(), option.WithHTTPClient(hc))
	if err != nil {
		return nil, fmt.Errorf("wechatpay: download client: %w", err)
	}
	h, err := notify.NewRSANotifyHandler(cfg.APIv3Key, verifiers.NewSHA256WithRSAPubkeyVerifier(cfg.PublicKeyID, *cfg.PublicKey))
	if err != nil {
		return nil, fmt.Errorf("wechatpay: notify handler: %w", err)
	}
	return &Provider{cfg: cfg, client: client, download: download, jsapi: jsapi.JsapiApiService{Client: client},
		refunds: refunddomestic.RefundsApiService{Client: client}, notify: h}, nil
}

// rewrite sends the SDK's requests, which always name WeChat Pay's host, to
// another base URL. The request signature covers only the path and query as
// WeChat Pay sees them, computed before the transport runs, so it stays valid.
type rewrite struct {
	target *url.URL
	base   http.RoundTripper
}

func (t rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	r2.URL.Scheme, r2.URL.Host, r2.Host = t.target.Scheme, t.target.Host, ""
	prefix := strings.TrimSuffix(t.target.Path, "/")
	if prefix != "" && !strings.HasPrefix(r2.URL.Path, prefix+"/") {
		r2.URL.Path = prefix + r2.URL.Path
		if r2.URL.RawPath != "" {
			r2.URL.RawPath = prefix + r2.URL.RawPath
		}
	}
	return t.base.RoundTrip(r2)
}

// Prepay implements payment.Provider.
func (p *Provider) Prepay(ctx context.Context, r payment.PrepayRequest) (*payment.PayParams, error) {
	expire := r.ExpireAt
	appID := p.cfg.AppID
	if r.App == identity.AppMiniProgram {
		if appID = p.cfg.MiniProgramAppID; appID == "" {
			return nil, fmt.Errorf("wechatpay: prepay %s: no mini-program app id configured", r.OutTradeNo)
		}
	}
	resp, _, err := p.jsapi.PrepayWithRequestPayment(ctx, jsapi.PrepayRequest{
		Appid: core.String(appID), Mchid: core.String(p.cfg.MchID),
		Description: core.String(r.Description), OutTradeNo: core.String(r.OutTradeNo),
		TimeExpire: &expire, NotifyUrl: core.String(p.cfg.NotifyURL),
		Amount: &jsapi.Amount{Total: core.Int64(int64(r.AmountFen)), Currency: core.String("CNY")},
		Payer:  &jsapi.Payer{Openid: core.String(r.OpenID)},
	})
	if err != nil {
		if core.IsAPIError(err, "ORDERPAID") {
			return nil, fmt.Errorf("wechatpay: prepay %s: %w", r.OutTradeNo, payment.ErrAlreadyPaid)
		}
		return nil, fmt.Errorf("wechatpay: prepay %s: %w", r.OutTradeNo, err)
	}
	pp := &payment.PayParams{
		PrepayID: deref(resp.PrepayId), AppID: deref(resp.Appid), TimeStamp: deref(resp.TimeStamp),
		NonceStr: deref(resp.NonceStr), Package: deref(resp.Package), SignType: deref(resp.SignType), PaySign: deref(resp.PaySign),
	}
	if p.cfg.CashierURL != "" {
		pp.CashierURL = p.cfg.CashierURL + url.PathEscape(pp.PrepayID)
	}
	return pp, nil
}

// Query implements payment.Provider.
func (p *Provider) Query(ctx context.Context, outTradeNo string) (*payment.ProviderTxn, error) {
	t, _, err := p.jsapi.QueryOrderByOutTradeNo(ctx, jsapi.QueryOrderByOutTradeNoRequest{
		OutTradeNo: core.String(outTradeNo), Mchid: core.String(p.cfg.MchID),
	})
	if err != nil {
		if core.IsAPIError(err, "ORDER_NOT_EXIST") || core.IsAPIError(err, "ORDERNOTEXIST") {
			return nil, fmt.Errorf("wechatpay: query %s: %w", outTradeNo, payment.ErrProviderNotFound)
		}
		return nil, fmt.Errorf("wechatpay: query %s: %w", outTradeNo, err)
	}
	return txn(t)
}

// Close implements payment.Provider.
func (p *Provider) Close(ctx context.Context, outTradeNo string) error {
	_, err := p.jsapi.CloseOrder(ctx, jsapi.CloseOrderRequest{OutTradeNo: core.String(outTradeNo), Mchid: core.String(p.cfg.MchID)})
	switch {
	case err == nil:
		return nil
	case core.IsAPIError(err, "ORDERPAID"):
		return fmt.Errorf("wechatpay: close %s: %w", outTradeNo, payment.ErrAlreadyPaid)
	case core.IsAPIError(err, "ORDER_NOT_EXIST"), core.IsAPIError(err, "ORDERNOTEXIST"):
		return fmt.Errorf("wechatpay: close %s: %w", outTradeNo, payment.ErrProviderNotFound)
	}
	return fmt.Errorf("wechatpay: close %s: %w", outTradeNo, err)
}

// ParseNotification implements payment.Provider: the SDK checks the
// signature, the serial and the 5-minute window, then decrypts.
func (p *Provider) ParseNotification(ctx context.Context, r *http.Request) (*payment.Notification, error) {
	var t payments.Transaction
	req, err := p.notify.ParseNotifyRequest(ctx, r, &t)
	if err != nil {
		// The SDK's error text quotes the whole request; keep only its gist.
		msg := err.Error()
		if i := strings.Index(msg, ", request:"); i > 0 {
			msg = msg[:i]
		}
		return nil, fmt.Errorf("%w: %s", payment.ErrBadNotification, msg)
	}
	pt, err := txn(&t)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", payment.ErrBadNotification, err)
	}
	if pt.MchID != p.cfg.MchID || (pt.AppID != p.cfg.AppID && (pt.AppID != p.cfg.MiniProgramAppID || pt.AppID == "")) {
		return nil, fmt.Errorf("%w: notification for mchid %q appid %q", payment.ErrBadNotification, pt.MchID, pt.AppID)
	}
	return &payment.Notification{ID: req.ID, EventType: req.EventType, Txn: *pt}, nil
}

func txn(t *payments.Transaction) (*payment.ProviderTxn, error) {
	out := &payment.ProviderTxn{
		OutTradeNo: deref(t.OutTradeNo), TransactionID: deref(t.TransactionId), TradeState: deref(t.TradeState),
		MchID: deref(t.Mchid), AppID: deref(t.Appid),
	}
	if t.Amount != nil && t.Amount.Total != nil {
		out.AmountFen = money.Fen(*t.Amount.Total)
	}
	if t.Payer != nil {
		out.PayerOpenID = deref(t.Payer.Openid)
	}
	if s := deref(t.SuccessTime); s != "" {
		at, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return nil, fmt.Errorf("wechatpay: success_time %q: %w", s, err)
		}
		out.SuccessTime = at
	}
	return out, nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// RequiresOpenID implements payment.PayerAccountRequired: JSAPI payment
// names the payer by openid.
func (p *Provider) RequiresOpenID() bool { return true }

var _ payment.Provider = (*Provider)(nil)
