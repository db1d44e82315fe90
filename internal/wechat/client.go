// Package wechat is the platform's client of the WeChat platform APIs it
// uses: official-account web authorization, mini-program login, access
// tokens and one-off subscription messages. It talks to WeChat and to the
// sandbox (package sandbox/wxplatform) identically; only the base URLs
// differ.
//
// Secrets travel in query strings because WeChat's APIs want them there
// (appid&secret, js_code, access_token). The client therefore never puts a
// request URL into an error, and never keeps or returns a session_key.
package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Production base URLs.
const (
	DefaultAPIBaseURL   = "https://api.weixin.qq.com"
	DefaultOAuthBaseURL = "https://open.weixin.qq.com"
)

// maxResponse bounds what the client reads of an answer; WeChat's are a
// few hundred bytes.
const maxResponse = 1 << 20

// Config names the app and where WeChat is.
type Config struct {
	AppID     string
	AppSecret string
	// APIBaseURL stands for https://api.weixin.qq.com (the default); the
	// sandbox's is its mount URL, e.g. http://127.0.0.1:8080/sandbox/wechat.
	APIBaseURL string
	// OAuthBaseURL stands for https://open.weixin.qq.com (the default), where
	// AuthorizeURL sends the browser.
	OAuthBaseURL string
	// HTTP sends the requests; nil means a client with a 10-second timeout.
	HTTP *http.Client
	// Now is the clock the token cache runs on; nil means time.Now.
	Now func() time.Time
}

// Client calls WeChat for one app. It is safe for concurrent use.
type Client struct {
	appID, secret string
	api, oauth    string
	http          *http.Client
	now           func() time.Time

	mu        sync.Mutex // guards the token cache below
	token     string
	refreshAt time.Time
	flight    *tokenFetch // the fetch under way, shared by every caller
}

// New returns a client for cfg. It does not call WeChat; a wrong appid or
// secret shows on first use.
func New(cfg Config) *Client {
	c := &Client{
		appID:  cfg.AppID,
		secret: cfg.AppSecret,
		api:    strings.TrimSuffix(cfg.APIBaseURL, "/"),
		oauth:  strings.TrimSuffix(cfg.OAuthBaseURL, "/"),
		http:   cfg.HTTP,
		now:    cfg.Now,
	}
	if c.api == "" {
		c.api = DefaultAPIBaseURL
	}
	if c.oauth == "" {
		c.oauth = DefaultOAuthBaseURL
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: 10 * time.Second}
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

// call sends one API request and decodes the answer into out. WeChat
// answers errors with HTTP 200 and {"errcode","errmsg"}, so errcode decides,
// not the status; a non-zero one becomes an *APIError.
func (c *Client) call(ctx context.Context, method, path string, query url.Values, body []byte, out any) error {
	link := c.api + path
	if len(query) > 0 {
		link += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, link, rd)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, redact(err))
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, redact(err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: HTTP %d", method, path, resp.StatusCode)
	}
	var status struct {
		Code int    `json:"errcode"`
		Msg  string `json:"errmsg"`
	}
	if err := json.Unmarshal(raw, &status); err != nil {
		return fmt.Errorf("%s %s: answer is not JSON: %w", method, path, err)
	}
	if status.Code != 0 {
		return &APIError{Code: status.Code, Msg: status.Msg}
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
	}
	return nil
}

// redact drops the URL from a transport error: it holds the app secret,
// a code or an access token. What went wrong (timeout, refused
// connection, cancelled context) stays, and errors.Is still sees it.
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
