package wxplatform

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// cookieTTL is how long the sandbox remembers which WeChat user a browser
// is. WeChat needs no such thing: the phone is logged in.
const cookieTTL = 30 * 24 * time.Hour

// cookieName names the cookie holding the browser's openid in appID. One per
// app, since a person has a different openid in each.
func cookieName(appID string) string { return "wxsandbox_" + appID }

// cookieUser returns the user the browser's cookie names in appID, or nil.
func (s *Server) cookieUser(r *http.Request, appID string) *wxUser {
	c, err := r.Cookie(cookieName(appID))
	if err != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.users.get(appID, c.Value)
}

// rememberUser sets the cookie naming openID in appID, scoped to the
// sandbox's own paths so the platform never sees it.
func (s *Server) rememberUser(w http.ResponseWriter, r *http.Request, appID, openID string) {
	http.SetCookie(w, &http.Cookie{
		Name:     cookieName(appID),
		Value:    openID,
		Path:     s.cookiePath(),
		MaxAge:   int(cookieTTL / time.Second),
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteLaxMode,
	})
}

// checkRedirect accepts an absolute http(s) URL whose host WeChat would
// accept: one of Config.RedirectHosts (the app's 网页授权域名), or with none
// configured any loopback host. WeChat answers anything else with 10003
// "redirect_uri域名与后台配置不一致".
func (s *Server) checkRedirect(raw string) (*url.URL, bool) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.Opaque != "" {
		return nil, false
	}
	host := strings.ToLower(u.Hostname())
	if len(s.redirectHosts) == 0 {
		return u, isLoopback(host)
	}
	for _, h := range s.redirectHosts {
		h = strings.ToLower(h)
		if h == host || h == strings.ToLower(u.Host) {
			return u, true
		}
	}
	return nil, false
}

func isLoopback(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// withQuery returns u with params appended to its query, leaving what was
// there untouched, as WeChat appends code and state to redirect_uri.
func withQuery(u *url.URL, params url.Values) string {
	v := *u
	extra := params.Encode()
	if v.RawQuery == "" {
		v.RawQuery = extra
	} else {
		v.RawQuery += "&" + extra
	}
	return v.String()
}
