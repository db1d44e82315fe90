package wxplatform

import (
	"net/http"
	"net/url"
)

// Web authorization of official-account pages (网页授权),
// https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html:
// the page sends the browser to /connect/oauth2/authorize, WeChat redirects
// back to redirect_uri?code=CODE&state=STATE, and the page's server trades
// the code at /sns/oauth2/access_token for the user's openid.

const (
	scopeBase     = "snsapi_base"     // silent: only the openid
	scopeUserInfo = "snsapi_userinfo" // asks the user; adds profile and unionid
	maxStateBytes = 128               // "最多128字节"
)

// authRequest is a checked /connect/oauth2/authorize request.
type authRequest struct {
	appID, scope, state string
	redirect            *url.URL
}

// pageError is what WeChat shows instead of redirecting: a message and,
// where WeChat documents one, its code (10003 and friends, listed in the
// web-authorization document).
type pageError struct{ message, code string }

func (s *Server) parseAuthorize(q url.Values) (authRequest, *pageError) {
	req := authRequest{appID: q.Get("appid"), scope: q.Get("scope"), state: q.Get("state")}
	switch {
	case req.appID == "":
		return req, &pageError{"appid不能为空", "10012"}
	case s.apps[req.appID].AppID == "":
		return req, &pageError{"appid 无效：该公众号不存在或未在沙箱中配置。", ""}
	case q.Get("redirect_uri") == "":
		return req, &pageError{"redirect_uri不能为空", "10011"}
	case q.Get("response_type") != "code":
		return req, &pageError{"response_type 必须为 code。", ""}
	case req.scope == "":
		return req, &pageError{"scope不能为空", "10010"}
	case req.scope != scopeBase && req.scope != scopeUserInfo:
		return req, &pageError{"此公众号并没有这些scope的权限", "10005"}
	case len(req.state) > maxStateBytes:
		return req, &pageError{"state 不能超过128字节。", ""}
	}
	u, ok := s.checkRedirect(q.Get("redirect_uri"))
	if !ok {
		return req, &pageError{"redirect_uri域名与后台配置不一致", "10003"}
	}
	req.redirect = u
	return req, nil
}

// handleAuthorizePage stands in for WeChat's authorization step. A browser
// the sandbox already knows is redirected at once, as WeChat does for
// snsapi_base (and for snsapi_userinfo once granted); forcePopup=true, as
// WeChat's parameter of that name, shows the page anyway, which is how a
// tester switches user.
func (s *Server) handleAuthorizePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	req, perr := s.parseAuthorize(q)
	if perr != nil {
		s.renderError(w, http.StatusBadRequest, "无法授权", perr.message, perr.code)
		return
	}
	current := ""
	if u := s.cookieUser(r, req.appID); u != nil {
		if q.Get("forcePopup") != "true" {
			s.redirectWithCode(w, r, req, u.openID, http.StatusFound)
			return
		}
		current = u.openID
	}
	scopeText := "获取你的身份标识（openid），不会获取昵称和头像"
	if req.scope == scopeUserInfo {
		scopeText = "获取你的昵称、头像等公开信息"
	}
	s.render(w, http.StatusOK, "authorize", authorizePage{
		Title: "微信授权（沙箱）", CSS: s.cssURL(), Action: s.prefix + "/connect/oauth2/authorize",
		AppID: req.appID, AppName: s.appName(req.appID), Scope: req.scope, ScopeText: scopeText,
		RedirectURI: req.redirect.String(), State: req.state, Users: s.userChoices(req.appID, current),
	}, req.redirect)
}

// handleAuthorizePost applies the tester's choice: 允许 remembers the
// chosen (or a new) user and redirects with a code; 拒绝 redirects with state
// only, as the web-authorization document says for a refusal.
func (s *Server) handleAuthorizePost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		s.renderError(w, http.StatusBadRequest, "请求无效", "表单无法解析。", "")
		return
	}
	req, perr := s.parseAuthorize(r.PostForm)
	if perr != nil {
		s.renderError(w, http.StatusBadRequest, "无法授权", perr.message, perr.code)
		return
	}
	if r.PostForm.Get("decision") != "allow" {
		http.Redirect(w, r, withQuery(req.redirect, url.Values{"state": {req.state}}), http.StatusSeeOther)
		return
	}
	u, ok := s.chosenUser(req.appID, r.PostForm.Get("openid"))
	if !ok {
		s.renderError(w, http.StatusBadRequest, "无法授权", "所选微信用户不存在，请返回重新选择。", "")
		return
	}
	s.rememberUser(w, r, req.appID, u)
	s.redirectWithCode(w, r, req, u, http.StatusSeeOther)
}

// chosenUser resolves the radio button: an existing user of appID, or
// "new" for a fresh one. It returns the openid.
func (s *Server) chosenUser(appID, value string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if value == newUserValue {
		u, err := s.createUserLocked(appID)
		if err != nil {
			s.log.Error("wxplatform sandbox: cannot create user", "err", err)
			return "", false
		}
		return u.openID, true
	}
	if u := s.users.get(appID, value); u != nil {
		return u.openID, true
	}
	return "", false
}

func (s *Server) redirectWithCode(w http.ResponseWriter, r *http.Request, req authRequest, openID string, status int) {
	s.mu.Lock()
	c, e := s.issueCodeLocked(code{kind: codeOAuth, appID: req.appID, openID: openID, scope: req.scope})
	s.mu.Unlock()
	if e != nil {
		s.renderError(w, http.StatusServiceUnavailable, "系统繁忙", "系统繁忙，请稍后再试。", "")
		return
	}
	http.Redirect(w, r, withQuery(req.redirect, url.Values{"code": {c}, "state": {req.state}}), status)
}

// oauthTokenResponse is /sns/oauth2/access_token's answer
// (https://developers.weixin.qq.com/doc/service/api/webdev/access/api_snsaccesstoken.html).
// unionid comes "只有当scope为snsapi_userinfo时".
type oauthTokenResponse struct {
	AccessToken  string `json:"access_token"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	OpenID       string `json:"openid"`
	Scope        string `json:"scope"`
	UnionID      string `json:"unionid,omitempty"`
}

// handleOAuthToken is GET /sns/oauth2/access_token: trade a code for the
// user's openid. The user-level access_token it returns is not accepted by
// any other sandbox API (WeChat's serves only /sns/userinfo, not served).
func (s *Server) handleOAuthToken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	appID, e := s.checkCredentials(q.Get("grant_type"), "authorization_code", q.Get("appid"), q.Get("secret"))
	if e != nil {
		s.fail(w, e)
		return
	}
	v := q.Get("code")
	if v == "" {
		s.fail(w, errCodeMissing)
		return
	}
	s.mu.Lock()
	c, e := s.redeemCodeLocked(v, codeOAuth, appID)
	var u *wxUser
	if e == nil {
		if u = s.users.get(appID, c.openID); u == nil {
			e = errInvalidCode // the user was forgotten since
		}
	}
	s.mu.Unlock()
	if e != nil {
		s.fail(w, e)
		return
	}
	access, err := s.rnd.newToken()
	if err != nil {
		s.fail(w, errSystem)
		return
	}
	refresh, err := s.rnd.newToken()
	if err != nil {
		s.fail(w, errSystem)
		return
	}
	resp := oauthTokenResponse{AccessToken: access, ExpiresIn: int(tokenTTL.Seconds()), RefreshToken: refresh, OpenID: u.openID, Scope: c.scope}
	if c.scope == scopeUserInfo {
		resp.UnionID = u.unionID
	}
	s.reply(w, resp)
}
