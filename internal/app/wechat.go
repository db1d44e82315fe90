package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"time"

	"github.com/shebao-project/shebao/internal/identity"
	wxsandbox "github.com/shebao-project/shebao/internal/sandbox/wechatpay"
	"github.com/shebao-project/shebao/internal/sandbox/wxplatform"
	"github.com/shebao-project/shebao/internal/wechat"
)

// wechatPlatformPrefix is where the sandbox serves what api.weixin.qq.com
// and open.weixin.qq.com serve: web authorisation, mini-program login,
// access tokens and subscription messages.
const wechatPlatformPrefix = "/sandbox/wechat"

// newWeChatPlatform builds the WeChat platform sandbox for the merchant's
// app id (in demo mode the official account and the mini-program share it),
// keeping the app secret and template ids in dir/wechat-app.json. The demo
// people are preset WeChat users, already bound, so a tester can pick one.
func newWeChatPlatform(dir, baseURL string, o Options) (*wxplatform.Server, error) {
	mc, err := wxsandbox.ReadMerchantConfig(filepath.Join(dir, "merchant.json"))
	if err != nil {
		return nil, err
	}
	ac, err := wxplatform.LoadOrCreateApp(dir, baseURL+wechatPlatformPrefix, mc.AppID, o.Random)
	if err != nil {
		return nil, fmt.Errorf("app: wechat platform sandbox: %w", err)
	}
	var presets []wxplatform.PresetUser
	for i, d := range DemoPeople {
		presets = append(presets, wxplatform.PresetUser{AppID: ac.AppID, OpenID: demoOpenID(i),
			Label: fmt.Sprintf("%s（%s，已绑定）", d.Name, d.Phone)})
	}
	return wxplatform.NewServer(wxplatform.Config{MountPrefix: wechatPlatformPrefix, Apps: []wxplatform.App{ac.App()},
		PresetOpenIDs: presets, Now: o.Now, Random: o.Random})
}

func demoOpenID(i int) string { return fmt.Sprintf("oSBdemo%021d", i+1) }

// wechatApp is how the platform talks to WeChat: the client, and the
// template ids its subscription messages use (by kind).
type wechatApp struct {
	client    *wechat.Client
	appID     string
	templates map[string]string
}

// wechatApp reads wechat-app.json as a deployment would read its official
// account's settings, so demo mode goes through the same path.
func (x *outside) wechatApp(now func() time.Time) (*wechatApp, error) {
	mc, err := wxsandbox.ReadMerchantConfig(filepath.Join(x.merchantDir, "merchant.json"))
	if err != nil {
		return nil, err
	}
	ac, err := wxplatform.LoadOrCreateApp(x.merchantDir, x.baseURL+wechatPlatformPrefix, mc.AppID, nil)
	if err != nil {
		return nil, fmt.Errorf("app: wechat app settings: %w", err)
	}
	c := wechat.New(wechat.Config{AppID: ac.AppID, AppSecret: ac.AppSecret, APIBaseURL: ac.APIBaseURL,
		OAuthBaseURL: ac.OAuthBaseURL, HTTP: &http.Client{Timeout: 10 * time.Second}, Now: now})
	return &wechatApp{client: c, appID: ac.AppID, templates: ac.Templates}, nil
}

// wechatLogin adapts the client to identity.WeChatLogin.
type wechatLogin struct{ c *wechat.Client }

func (l wechatLogin) OpenIDForOAuthCode(ctx context.Context, code string) (string, error) {
	id, err := l.c.ExchangeOAuthCode(ctx, code)
	return id.OpenID, loginErr(err)
}

func (l wechatLogin) OpenIDForJSCode(ctx context.Context, code string) (string, error) {
	id, err := l.c.Code2Session(ctx, code)
	return id.OpenID, loginErr(err)
}

func loginErr(err error) error {
	if errors.Is(err, wechat.ErrCodeInvalid) || errors.Is(err, wechat.ErrCodeBlocked) {
		return identity.ErrWeChatCode.Wrap(err)
	}
	return err
}
