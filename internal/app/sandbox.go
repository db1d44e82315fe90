package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/shebao-project/shebao/internal/coresys"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/liveness"
	"github.com/shebao-project/shebao/internal/payment/ssc"
	"github.com/shebao-project/shebao/internal/payment/wechatpay"
	coresandbox "github.com/shebao-project/shebao/internal/sandbox/coresys"
	facesandbox "github.com/shebao-project/shebao/internal/sandbox/face"
	"github.com/shebao-project/shebao/internal/sandbox/sms"
	sscsandbox "github.com/shebao-project/shebao/internal/sandbox/ssc"
	wxsandbox "github.com/shebao-project/shebao/internal/sandbox/wechatpay"
	"github.com/shebao-project/shebao/internal/sandbox/wxplatform"
)

// Where the sandboxes are mounted, in the platform (demo mode) or alone.
const (
	wechatPrefix = "/sandbox/wechatpay"
	corePrefix   = "/sandbox/core"
	smsPath      = "/sandbox/sms"
	facePrefix   = "/sandbox/face"
	sscPrefix    = "/sandbox/ssc"
)

// sandbox is the outside world for demos and tests: WeChat Pay, the SMS
// gateway and the agency's core system, each speaking its protocol over HTTP.
type sandbox struct {
	dir    string
	wechat *wxsandbox.Server
	sms    *sms.Outbox
	core   *coresandbox.Server
	face   *facesandbox.Server
	bank   *sscsandbox.Server // the social security card's issuing bank
	wxapp  *wxplatform.Server // the WeChat platform: login, subscription messages
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
		AllowHTTPNotify: true, Random: o.Random, BoundAppIDs: []string{miniProgramAppID(creds.AppID)},
	})
	if err != nil {
		return nil, fmt.Errorf("app: wechat pay sandbox: %w", err)
	}
	bankCreds, err := sscsandbox.LoadOrCreateCredentials(filepath.Join(dir, "ssc"), o.Random)
	if err != nil {
		return nil, fmt.Errorf("app: sandbox card bank credentials: %w", err)
	}
	bank, err := sscsandbox.NewServer(sscsandbox.Config{
		Credentials: bankCreds, MountPrefix: sscPrefix, Now: o.Now, Logger: log.With("component", "sandbox.ssc"),
		HTTPClient: &http.Client{Timeout: 5 * time.Second}, NotifySchedule: o.NotifySchedule,
		AllowHTTPNotify: true, Random: o.Random,
	})
	if err != nil {
		return nil, fmt.Errorf("app: card bank sandbox: %w", err)
	}
	wxapp, err := newWeChatPlatform(dir, baseURL, o)
	if err != nil {
		return nil, err
	}
	return &sandbox{dir: dir, wechat: wx, sms: sms.NewOutbox(o.Now), core: coresandbox.New(corePrefix, o.Now),
		face: facesandbox.New(facePrefix, o.Now), bank: bank, wxapp: wxapp}, nil
}

func (s *sandbox) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(wechatPrefix+"/", s.wechat)
	mux.Handle(corePrefix+"/", s.core)
	mux.Handle(smsPath, s.sms)
	mux.Handle(facePrefix+"/", s.face)
	mux.Handle(sscPrefix+"/", s.bank)
	mux.Handle(wechatPlatformPrefix+"/", s.wxapp)
	return mux
}

// run delivers the sandboxes' notifications until ctx ends.
func (s *sandbox) run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { s.wechat.Run(ctx) })
	wg.Go(func() { s.bank.Run(ctx) })
	wg.Wait()
}

// sscProvider builds the social security card account provider from the
// card bank's credentials (DATA/sandbox/ssc), as a deployment would from the
// key files its card-issuing bank issues. With the sandbox running apart,
// whichever process starts first creates them (creation is race-safe).
func (x *outside) sscProvider(publicURL string, random io.Reader) (*ssc.Provider, error) {
	creds, err := sscsandbox.LoadOrCreateCredentials(filepath.Join(x.merchantDir, "ssc"), random)
	if err != nil {
		return nil, fmt.Errorf("app: card bank credentials: %w", err)
	}
	return ssc.New(creds.ProviderConfig(x.baseURL+sscPrefix,
		publicURL+"/api/v1/payments/ssc_account/notify", publicURL+"/api/v1/payments/ssc_account/refund-notify"))
}

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
		MchID: mc.MchID, AppID: mc.AppID, MiniProgramAppID: miniProgramAppID(mc.AppID), MerchantSerial: mc.MerchantSerial, MerchantKey: keys.MerchantKey,
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

// jsBridgeURL is the sandbox's WeixinJSBridge stand-in, served on the
// platform's own origin (so its page policy allows it) when the sandbox
// runs in this process; "" otherwise.
func (x *outside) jsBridgeURL() string {
	if x.local == nil {
		return ""
	}
	return wechatPrefix + "/jsbridge.js"
}
