package wechat

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// Identity is who WeChat says the user is. OpenID is per app; UnionID is
// the same across the apps of one open-platform account, and empty when
// WeChat does not give it (web authorization with snsapi_base never does).
type Identity struct {
	OpenID  string
	UnionID string
}

// AuthorizeURL is where to send a browser inside WeChat to learn its user's
// openid silently (scope snsapi_base). WeChat redirects back to
// redirectURI?code=CODE&state=STATE; the "#wechat_redirect" fragment is
// required by WeChat ("无论直接打开还是做页面302重定向时候，必须带此参数"),
// https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html.
// Parameters are in the documented order, which WeChat is known to be
// particular about. state should be at most 128 bytes of [A-Za-z0-9].
func (c *Client) AuthorizeURL(redirectURI, state string) string {
	return c.oauth + "/connect/oauth2/authorize?appid=" + url.QueryEscape(c.appID) +
		"&redirect_uri=" + url.QueryEscape(redirectURI) +
		"&response_type=code&scope=snsapi_base&state=" + url.QueryEscape(state) + "#wechat_redirect"
}

// ExchangeOAuthCode trades the code from AuthorizeURL's redirect for the
// user's identity (GET /sns/oauth2/access_token). A missing, expired or
// reused code is ErrCodeInvalid; a redirect without a code is what WeChat
// sends when the user refuses, so an empty code is ErrCodeInvalid without
// a call.
func (c *Client) ExchangeOAuthCode(ctx context.Context, code string) (Identity, error) {
	if code == "" {
		return Identity{}, fmt.Errorf("wechat: exchange oauth code: %w", ErrCodeInvalid)
	}
	var out struct {
		OpenID  string `json:"openid"`
		UnionID string `json:"unionid"`
	}
	q := url.Values{"appid": {c.appID}, "secret": {c.secret}, "code": {code}, "grant_type": {"authorization_code"}}
	if err := c.call(ctx, http.MethodGet, "/sns/oauth2/access_token", q, nil, &out); err != nil {
		return Identity{}, fmt.Errorf("wechat: exchange oauth code: %w", err)
	}
	return identity(out.OpenID, out.UnionID, "exchange oauth code")
}

// Code2Session trades a mini-program's wx.login code for the user's
// identity (GET /sns/jscode2session,
// https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-login/code2Session.html).
// The session_key in the answer is not even decoded: the platform does not
// decrypt wx user data, and a key it never holds it cannot leak.
func (c *Client) Code2Session(ctx context.Context, jsCode string) (Identity, error) {
	if jsCode == "" {
		return Identity{}, fmt.Errorf("wechat: code2session: %w", ErrCodeInvalid)
	}
	var out struct {
		OpenID  string `json:"openid"`
		UnionID string `json:"unionid"`
	}
	q := url.Values{"appid": {c.appID}, "secret": {c.secret}, "js_code": {jsCode}, "grant_type": {"authorization_code"}}
	if err := c.call(ctx, http.MethodGet, "/sns/jscode2session", q, nil, &out); err != nil {
		return Identity{}, fmt.Errorf("wechat: code2session: %w", err)
	}
	return identity(out.OpenID, out.UnionID, "code2session")
}

func identity(openID, unionID, op string) (Identity, error) {
	if openID == "" {
		return Identity{}, fmt.Errorf("wechat: %s: %w", op, errors.New("answer has no openid"))
	}
	return Identity{OpenID: openID, UnionID: unionID}, nil
}
