package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/shebao-project/shebao/internal/coresys"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/liveness"
	"github.com/shebao-project/shebao/internal/payment/ssc"
	"github.com/shebao-project/shebao/internal/payment/wechatpay"
	"github.com/shebao-project/shebao/internal/sandbox/sms"
	sscsandbox "github.com/shebao-project/shebao/internal/sandbox/ssc"
	wxsandbox "github.com/shebao-project/shebao/internal/sandbox/wechatpay"
	"github.com/shebao-project/shebao/internal/sandbox/wxplatform"
)

// outside is how the platform reaches the outside world. In demo mode: a
// sandbox in this process, or one running apart (`shebao sandbox`,
// --sandbox-url) that survives the platform being killed, as WeChat Pay
// would. In production: the agency's credentials and gateways, read from
// the --outside directory in the same files the sandbox writes, so demo
// mode exercises the same loading path.
type outside struct {
	local *sandbox // the in-process sandbox, or nil
	demo  bool     // sandbox: cashier pages, credentials created on first use
	// dir holds merchant.json (WeChat Pay), wechat-app.json (official
	// account), miniprogram/wechat-app.json, ssc/ (card bank).
	dir                       string
	sandboxURL                string // demo: where the sandbox is served
	faceURL, coreURL, bankURL string
	unionPayURL               string // "" in production without a UnionPay route
	sms                       identity.SMSSender
	oa, mp                    *wxplatform.AppConfig // the two WeChat apps
}

type sandboxConfig struct{ url, dataDir string }

func newOutside(cfg sandboxConfig, publicURL string, o Options, log *slog.Logger) (*outside, error) {
	x := &outside{demo: true, sandboxURL: cfg.url, dir: filepath.Join(cfg.dataDir, "sandbox")}
	if cfg.url == "" {
		sb, err := newSandbox(cfg.dataDir, publicURL, o, log)
		if err != nil {
			return nil, err
		}
		x.local, x.sandboxURL, x.dir, x.sms = sb, publicURL, sb.dir, sb.sms
	} else {
		x.sms = &sms.Client{URL: cfg.url + smsPath, HTTP: outboundClient(5 * time.Second)}
	}
	x.faceURL, x.coreURL, x.bankURL = x.sandboxURL+facePrefix, x.sandboxURL+corePrefix, x.sandboxURL+sscPrefix
	x.unionPayURL = x.sandboxURL + unionPayPrefix
	var err error
	if x.oa, x.mp, err = wechatAppConfigs(x.dir, x.sandboxURL, o.Random); err != nil {
		return nil, err
	}
	return x, nil
}

// gatewaysFile names, in the --outside directory, where the agency's own
// services are. Each speaks the protocol shebao's client of it documents
// (internal/sandbox/sms, internal/liveness, internal/coresys,
// internal/payment/ssc); the agency puts an adapter in front of its system.
const gatewaysFile = "gateways.json"

type gateways struct {
	SMSURL      string `json:"sms_url"`
	FaceURL     string `json:"face_url"`
	CoreURL     string `json:"core_url"`
	CardBankURL string `json:"card_bank_url"`
	// UnionPayURL is optional: the UnionPay route's acquirer, speaking
	// SSCA/1 with the keys in unionpay/. Absent, UnionPay is not offered.
	UnionPayURL string `json:"unionpay_url,omitempty"`
}

// newProductionOutside reads the agency's credentials and gateways; nothing
// is created: a missing or broken file stops the start, naming it.
func newProductionOutside(dir string) (*outside, error) {
	raw, err := os.ReadFile(filepath.Join(dir, gatewaysFile))
	if err != nil {
		return nil, fmt.Errorf("app: --outside: %w", err)
	}
	var g gateways
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, fmt.Errorf("app: --outside: %s: %w", gatewaysFile, err)
	}
	urls := map[string]string{"sms_url": g.SMSURL, "face_url": g.FaceURL, "core_url": g.CoreURL, "card_bank_url": g.CardBankURL}
	if g.UnionPayURL != "" {
		urls["unionpay_url"] = g.UnionPayURL
	}
	for name, u := range urls {
		if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return nil, fmt.Errorf("app: --outside: %s: %s %q is not an absolute http(s) URL", gatewaysFile, name, u)
		}
	}
	x := &outside{dir: dir, faceURL: g.FaceURL, coreURL: g.CoreURL, bankURL: g.CardBankURL, unionPayURL: g.UnionPayURL,
		sms: &sms.Client{URL: g.SMSURL, HTTP: outboundClient(5 * time.Second)}}
	if x.oa, err = wxplatform.ReadApp(dir); err != nil {
		return nil, fmt.Errorf("app: --outside: official account: %w", err)
	}
	if x.mp, err = wxplatform.ReadApp(filepath.Join(dir, "miniprogram")); err != nil {
		return nil, fmt.Errorf("app: --outside: mini-program: %w", err)
	}
	return x, nil
}

// provider builds the WeChat Pay provider from merchant.json exactly as a
// deployment would from the files WeChat Pay issues.
func (x *outside) provider(ctx context.Context, publicURL string) (*wechatpay.Provider, error) {
	mc, err := wxsandbox.ReadMerchantConfig(filepath.Join(x.dir, "merchant.json"))
	if err != nil {
		return nil, err
	}
	keys, err := mc.LoadKeys()
	if err != nil {
		return nil, err
	}
	cashier := ""
	if x.demo {
		cashier = x.sandboxURL + wechatPrefix + "/cashier/"
	}
	return wechatpay.New(ctx, wechatpay.Config{
		HTTPClient: outboundClient(10 * time.Second),
		MchID:      mc.MchID, AppID: x.oa.AppID, MiniProgramAppID: x.mp.AppID, MerchantSerial: mc.MerchantSerial, MerchantKey: keys.MerchantKey,
		PublicKeyID: mc.WechatPayPublicKeyID, PublicKey: keys.WechatPayPublicKey, APIv3Key: mc.APIv3Key,
		BaseURL: mc.BaseURL, NotifyURL: publicURL + "/api/v1/payments/wechatpay/notify",
		RefundNotifyURL: publicURL + "/api/v1/payments/wechatpay/refund-notify",
		CashierURL:      cashier,
	})
}

// sscProvider builds the social security card account provider from the
// card bank's credentials (ssc/), as a deployment would from the key files
// its card-issuing bank issues. In demo mode, whichever process starts
// first creates them (creation is race-safe).
func (x *outside) sscProvider(publicURL string, random io.Reader, now func() time.Time) (*ssc.Provider, error) {
	return x.bankProvider("ssc_account", "ssc", x.bankURL, publicURL, random, now)
}

// unionPayProvider builds the national profile's UnionPay route from
// unionpay/: nil when the deployment has none (no unionpay_url).
func (x *outside) unionPayProvider(publicURL string, random io.Reader, now func() time.Time) (*ssc.Provider, error) {
	if x.unionPayURL == "" {
		return nil, nil
	}
	return x.bankProvider("unionpay", "unionpay", x.unionPayURL, publicURL, random, now)
}

// bankProvider is an SSCA/1 provider for channel, with the credentials in
// dir (under the outside directory) and the bank at baseURL.
func (x *outside) bankProvider(channel, dir, baseURL, publicURL string, random io.Reader, now func() time.Time) (*ssc.Provider, error) {
	path := filepath.Join(x.dir, dir)
	var creds *sscsandbox.Credentials
	var err error
	if x.demo {
		creds, err = sscsandbox.LoadOrCreateCredentials(path, random)
	} else {
		creds, err = sscsandbox.LoadCredentials(path)
	}
	if err != nil {
		return nil, fmt.Errorf("app: %s credentials (%s/): %w", channel, dir, err)
	}
	cfg := creds.ProviderConfig(baseURL,
		publicURL+"/api/v1/payments/"+channel+"/notify", publicURL+"/api/v1/payments/"+channel+"/refund-notify")
	cfg.Channel = channel
	// The program's clock signs and checks the bank's messages, so a
	// deployment (or a test) that sets it keeps both sides in step.
	cfg.Now = now
	return ssc.New(cfg)
}

func (x *outside) faceClient() *liveness.Client {
	return &liveness.Client{BaseURL: x.faceURL, HTTP: outboundClient(10 * time.Second)}
}

// faceOrigin makes the liveness service's relative page paths absolute.
func (x *outside) faceOrigin() string {
	u, err := url.Parse(x.faceURL)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

func (x *outside) coreClient() *coresys.Client {
	return &coresys.Client{BaseURL: x.coreURL, HTTP: outboundClient(10 * time.Second)}
}

// jsBridgeURL is the sandbox's WeixinJSBridge stand-in, served on the
// platform's own origin (so its page policy allows it) when the sandbox
// runs in this process; "" otherwise (WeChat injects the real one).
func (x *outside) jsBridgeURL() string {
	if x.local == nil {
		return ""
	}
	return wechatPrefix + "/jsbridge.js"
}
