package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// refreshMargin is how long before expiry a cached token is replaced. It
// matches WeChat's own five minutes: stable_token hands out the next token
// in the current one's last five minutes, and old and new overlap that long.
const refreshMargin = 5 * time.Minute

// fetchTimeout bounds a token fetch that no caller can cancel (it is
// shared; see AccessToken).
const fetchTimeout = 30 * time.Second

// tokenFetch is one token request shared by every caller that arrives while
// it is under way.
type tokenFetch struct {
	done  chan struct{}
	token string
	err   error
}

// AccessToken returns the app's access token, cached until five minutes
// before it expires. Callers arriving while a fetch is under way share it,
// so a burst of sends costs one request. Each caller may give up on its own
// context; the fetch itself runs on, detached, so the others still get it.
//
// It uses getStableAccessToken (POST /cgi-bin/stable_token) in normal mode,
// which WeChat recommends: several platform instances calling it get the
// same token instead of invalidating one another's, as /cgi-bin/token does
// (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-access-token/getStableAccessToken.html).
func (c *Client) AccessToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	if c.token != "" && c.now().Before(c.refreshAt) {
		tok := c.token
		c.mu.Unlock()
		return tok, nil
	}
	f := c.flight
	if f == nil {
		f = &tokenFetch{done: make(chan struct{})}
		c.flight = f
		fetchCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
		go func() {
			defer cancel()
			c.fetchToken(fetchCtx, f)
		}()
	}
	c.mu.Unlock()
	select {
	case <-f.done:
		return f.token, f.err
	case <-ctx.Done():
		return "", fmt.Errorf("wechat: access token: %w", ctx.Err())
	}
}

func (c *Client) fetchToken(ctx context.Context, f *tokenFetch) {
	var out struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	// The token's life counts from before the request: WeChat issued it
	// somewhere within the round trip.
	obtained := c.now()
	body, err := json.Marshal(map[string]any{"grant_type": "client_credential", "appid": c.appID, "secret": c.secret, "force_refresh": false})
	if err == nil {
		err = c.call(ctx, http.MethodPost, "/cgi-bin/stable_token", nil, body, &out)
	}
	if err == nil && (out.AccessToken == "" || out.ExpiresIn <= 0) {
		err = errors.New("answer has no access_token or expires_in")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.flight = nil
	if err != nil {
		f.err = fmt.Errorf("wechat: access token: %w", err)
		close(f.done)
		return
	}
	life := time.Duration(out.ExpiresIn) * time.Second
	refresh := life - refreshMargin
	if refresh <= 0 { // a token this close to expiry: use it for half its life
		refresh = life / 2
	}
	c.token, c.refreshAt = out.AccessToken, obtained.Add(refresh)
	f.token = out.AccessToken
	close(f.done)
}

// forgetToken drops tok from the cache after WeChat refused it, unless a
// newer token has replaced it already.
func (c *Client) forgetToken(tok string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == tok {
		c.token, c.refreshAt = "", time.Time{}
	}
}
