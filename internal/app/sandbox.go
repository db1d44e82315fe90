package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"

	"github.com/shebao-project/shebao/internal/coresys"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/liveness"
	"github.com/shebao-project/shebao/internal/payment/wechatpay"
	coresandbox "github.com/shebao-project/shebao/internal/sandbox/coresys"
	facesandbox "github.com/shebao-project/shebao/internal/sandbox/face"
	"github.com/shebao-project/shebao/internal/sandbox/sms"
	wxsandbox "github.com/shebao-project/shebao/internal/sandbox/wechatpay"
)

// Where the sandboxes are mounted, in the platform (demo mode) or alone.
const (
	wechatPrefix = "/sandbox/wechatpay"
	corePrefix   = "/sandbox/core"
	smsPath      = "/sandbox/sms"
	facePrefix   = "/sandbox/face"
)

// sandbox is the outside world for demos and tests: WeChat Pay, the SMS
// gateway and the agency's core system, each speaking its protocol over HTTP.
type sandbox struct {
	dir    string
	wechat *wxsandbox.Server
	sms    *sms.Outbox
	core   *coresandbox.Server
	face   *facesandbox.Server
}

// newSandbox builds the sandbox served at baseURL, keeping its merchant
// credentials under dataDir/sandbox (created on first use).
func newSandbox(dataDir, baseURL string, o Options, log *slog.Logger) (*sandbox, error) {
	dir := filepath.Join(dataDir, "sandbox")
	creds, err := wxsandbox.LoadOrCreate(dir, baseURL+wechatPrefix, o.Random, o.Now())
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
	return &sandbox{dir: dir, wechat: wx, sms: sms.NewOutbox(o.Now), core: coresandbox.New(corePrefix, o.Now),
		face: facesandbox.New(facePrefix, o.Now)}, nil
}

func (s *sandbox) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(wechatPrefix+"/", s.wechat)
	mux.Handle(corePrefix+"/", s.core)
	mux.Handle(smsPath, s.sms)
	mux.Handle(facePrefix+"/", s.face)
	return mux
}

func (s *sandbox) run(ctx context.Context) { s.wechat.Run(ctx) }

// outside is how the platform reaches the outside world: a sandbox in this
// process, or one running apart (`shebao sandbox`, --sandbox-url) that
// survives the platform being killed, as WeChat Pay would.
type outside struct {
	local       *sandbox // nil when the sandbox runs apart
	baseURL     string   // where the sandbox is served
	merchantDir string   // where its merchant.json is
	sms         identity.SMSSender
}

func newOutside(cfg sandboxConfig, publicURL string, o Options, log *slog.Logger) (*outside, error) {
	if cfg.url == "" {
		sb, err := newSandbox(cfg.dataDir, publicURL, o, log)
		if err != nil {
			return nil, err
		}
		return &outside{local: sb, baseURL: publicURL, merchantDir: sb.dir, sms: sb.sms}, nil
	}
	return &outside{baseURL: cfg.url, merchantDir: filepath.Join(cfg.dataDir, "sandbox"),
		sms: &sms.Client{URL: cfg.url + smsPath, HTTP: &http.Client{Timeout: 5 * time.Second}}}, nil
}

type sandboxConfig struct{ url, dataDir string }

// provider builds the WeChat Pay provider from merchant.json exactly as a
// deployment would from the files WeChat Pay issues, so demo mode exercises
// the same loading path.
func (x *outside) provider(ctx context.Context, publicURL string) (*wechatpay.Provider, error) {
	mc, err := wxsandbox.ReadMerchantConfig(filepath.Join(x.merchantDir, "merchant.json"))
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
		CashierURL:      x.baseURL + wechatPrefix + "/cashier/",
	})
}

func (x *outside) faceClient() *liveness.Client {
	return &liveness.Client{BaseURL: x.baseURL + facePrefix, HTTP: &http.Client{Timeout: 10 * time.Second}}
}

func (x *outside) coreClient() *coresys.Client {
	return &coresys.Client{BaseURL: x.baseURL + corePrefix, HTTP: &http.Client{Timeout: 10 * time.Second}}
}
