package app

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/shebao-project/shebao/internal/identity"
	wxsandbox "github.com/shebao-project/shebao/internal/sandbox/wechatpay"
	"github.com/shebao-project/shebao/internal/sandbox/wxplatform"
	"github.com/shebao-project/shebao/internal/wechat"
)

// wechatPlatformPrefix is where the sandbox serves what api.weixin.qq.com
// and open.weixin.qq.com serve: web authorisation, mini-program login,
// access tokens and subscription messages.
const wechatPlatformPrefix = "/sandbox/wechat"

// newWeChatPlatform builds the WeChat platform sandbox with the two apps a
// province runs, each with its own app id, secret and openids: the official
// account (the merchant's app id: pages in WeChat's browser) and the
// mini-program. Their settings are kept in dir/wechat-app.json and
// dir/miniprogram/wechat-app.json. The demo people are preset WeChat users,
// already linked in both, so a tester can pick one.
func newWeChatPlatform(dir, baseURL string, o Options) (*wxplatform.Server, error) {
	oa, mp, err := wechatAppConfigs(dir, baseURL, o.Random)
	if err != nil {
		return nil, err
	}
	var presets []wxplatform.PresetUser
	for i, d := range DemoPeople {
		label := fmt.Sprintf("%s（%s，已绑定）", d.Name, d.Phone)
		presets = append(presets, wxplatform.PresetUser{AppID: oa.AppID, OpenID: demoOpenID(i), Label: label},
			wxplatform.PresetUser{AppID: mp.AppID, OpenID: demoMiniOpenID(i), Label: label})
	}
	return wxplatform.NewServer(wxplatform.Config{MountPrefix: wechatPlatformPrefix, Apps: []wxplatform.App{oa.App(), mp.App()},
		PresetOpenIDs: presets, Now: o.Now, Random: o.Random})
}

// wechatAppConfigs loads (creating on first use) the official account's and
// the mini-program's settings. The mini-program's app id is derived from the
// merchant's, so every process sharing the directory agrees on it.
func wechatAppConfigs(dir, baseURL string, random io.Reader) (oa, mp *wxplatform.AppConfig, err error) {
	mc, err := wxsandbox.ReadMerchantConfig(filepath.Join(dir, "merchant.json"))
	if err != nil {
		return nil, nil, err
	}
	if oa, err = wxplatform.LoadOrCreateApp(dir, baseURL+wechatPlatformPrefix, mc.AppID, random); err != nil {
		return nil, nil, fmt.Errorf("app: official account settings: %w", err)
	}
	if mp, err = wxplatform.LoadOrCreateApp(filepath.Join(dir, "miniprogram"), baseURL+wechatPlatformPrefix, miniProgramAppID(mc.AppID), random); err != nil {
		return nil, nil, fmt.Errorf("app: mini-program settings: %w", err)
	}
	return oa, mp, nil
}

// miniProgramAppID derives the demo mini-program's app id ("wx" and 16 hex
// digits, as WeChat's) from the merchant's.
func miniProgramAppID(merchantAppID string) string {
	h := sm3.Sum([]byte("shebao demo mini-program\n" + merchantAppID))
	return "wx" + hex.EncodeToString(h[:8])
}

func demoOpenID(i int) string     { return fmt.Sprintf("oSBdemo%021d", i+1) }
func demoMiniOpenID(i int) string { return fmt.Sprintf("oSBmini%021d", i+1) }

// wechatApp is how the platform talks to WeChat: the official account's
// client (web authorisation) and the mini-program's (wx.login codes, and
// the subscription messages people consent to in the mini-program).
type wechatApp struct {
	oa, mp    *wechat.Client
	oaAppID   string
	mpAppID   string
	templates map[string]string // the mini-program's, by kind
}

// wechatApp builds the clients of the two apps from their settings.
func (x *outside) wechatApp(now func() time.Time) *wechatApp {
	client := func(c *wxplatform.AppConfig) *wechat.Client {
		return wechat.New(wechat.Config{AppID: c.AppID, AppSecret: c.AppSecret, APIBaseURL: c.APIBaseURL,
			OAuthBaseURL: c.OAuthBaseURL, HTTP: outboundClient(10 * time.Second), Now: now})
	}
	return &wechatApp{oa: client(x.oa), mp: client(x.mp), oaAppID: x.oa.AppID, mpAppID: x.mp.AppID, templates: x.mp.Templates}
}

// wechatLogin adapts the two clients to identity.WeChatLogin.
type wechatLogin struct{ oa, mp *wechat.Client }

func (l wechatLogin) OpenIDForOAuthCode(ctx context.Context, code string) (string, error) {
	id, err := l.oa.ExchangeOAuthCode(ctx, code)
	return id.OpenID, loginErr(err)
}

func (l wechatLogin) OpenIDForJSCode(ctx context.Context, code string) (string, error) {
	id, err := l.mp.Code2Session(ctx, code)
	return id.OpenID, loginErr(err)
}

func loginErr(err error) error {
	if errors.Is(err, wechat.ErrCodeInvalid) || errors.Is(err, wechat.ErrCodeBlocked) {
		return identity.ErrWeChatCode.Wrap(err)
	}
	return err
}
