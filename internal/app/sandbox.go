package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"

	"github.com/shebao-project/shebao/internal/coresys"
	"github.com/shebao-project/shebao/internal/payment/wechatpay"
	coresandbox "github.com/shebao-project/shebao/internal/sandbox/coresys"
	"github.com/shebao-project/shebao/internal/sandbox/sms"
	wxsandbox "github.com/shebao-project/shebao/internal/sandbox/wechatpay"
)

// Where the sandboxes are mounted in demo mode.
const (
	wechatPrefix = "/sandbox/wechatpay"
	corePrefix   = "/sandbox/core"
	smsPath      = "/sandbox/sms"
)

// sandbox is the outside world in demo mode: WeChat Pay, the SMS gateway and
// the agency's core system, each speaking its real protocol over HTTP.
type sandbox struct {
	dir    string
	wechat *wxsandbox.Server
	sms    *sms.Outbox
	core   *coresandbox.Server
}

func newSandbox(ctx context.Context, dataDir, publicURL string, o Options, log *slog.Logger) (*sandbox, error) {
	dir := filepath.Join(dataDir, "sandbox")
	creds, err := wxsandbox.LoadOrCreate(dir, publicURL+wechatPrefix, o.Random, o.Now())
	if err != nil {
		return nil, fmt.Errorf("app: sandbox merchant: %w", err)
	}
	wx, err := wxsandbox.NewServer(wxsandbox.Config{
		Credentials: creds, MountPrefix: wechatPrefix, Now: o.Now, Logger: log.With("component", "sandbox.wechatpay"),
		HTTPClient: &http.Client{Timeout: 5 * time.Second}, NotifySchedule: o.NotifySchedule,
		AllowHTTPNotify: true, Random: o.Random,
	})
	if err != nil {
		return nil, fmt.Errorf("app: wechat pay sandbox: %w", err)
	}
	return &sandbox{dir: dir, wechat: wx, sms: sms.NewOutbox(o.Now), core: coresandbox.New(corePrefix, o.Now)}, nil
}

// provider builds the WeChat Pay provider from merchant.json exactly as a
// deployment would from the files WeChat Pay issues, so demo mode exercises
// the same loading path.
func (s *sandbox) provider(ctx context.Context, publicURL string) (*wechatpay.Provider, error) {
	mc, err := wxsandbox.ReadMerchantConfig(filepath.Join(s.dir, "merchant.json"))
	if err != nil {
		return nil, err
	}
	keys, err := mc.LoadKeys()
	if err != nil {
		return nil, err
	}
	return wechatpay.New(ctx, wechatpay.Config{
		MchID: mc.MchID, AppID: mc.AppID, MerchantSerial: mc.MerchantSerial, MerchantKey: keys.MerchantKey,
		PublicKeyID: mc.WechatPayPublicKeyID, PublicKey: keys.WechatPayPublicKey, APIv3Key: mc.APIv3Key,
		BaseURL: mc.BaseURL, NotifyURL: publicURL + "/api/v1/payments/wechatpay/notify",
		RefundNotifyURL: publicURL + "/api/v1/payments/wechatpay/refund-notify",
		CashierURL:      publicURL + wechatPrefix + "/cashier/",
	})
}

func (s *sandbox) coreClient(publicURL string) *coresys.Client {
	return &coresys.Client{BaseURL: publicURL + corePrefix, HTTP: &http.Client{Timeout: 10 * time.Second}}
}

func (s *sandbox) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(wechatPrefix+"/", s.wechat)
	mux.Handle(corePrefix+"/", s.core)
	mux.Handle("GET "+smsPath, s.sms)
	return mux
}

func (s *sandbox) run(ctx context.Context) { s.wechat.Run(ctx) }
