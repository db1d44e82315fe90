package wxplatform

import (
	"errors"
	"net/http"
)

// Mini-program login (小程序登录): wx.login gives the mini-program a code,
// its server trades the code at /sns/jscode2session for openid and
// session_key
// (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-login/code2Session.html).

// ErrUnknownApp, ErrUnknownUser and ErrUnknownTemplate are what the Go
// control methods return for ids the sandbox does not know.
var (
	ErrUnknownApp      = errors.New("wxplatform sandbox: unknown appid")
	ErrUnknownUser     = errors.New("wxplatform sandbox: unknown openid for this appid")
	ErrUnknownTemplate = errors.New("wxplatform sandbox: unknown template id")
	errBusy            = errors.New("wxplatform sandbox: too many live codes, try again later")
)

// LoginCode is what wx.login returns inside the mini-program appID for the
// WeChat user openID; an empty openID makes a new user, whose openid is
// returned. blocked makes a code jscode2session refuses with 40226, as for a
// user WeChat rates high-risk.
func (s *Server) LoginCode(appID, openID string, blocked bool) (jsCode, userOpenID string, err error) {
	if _, ok := s.apps[appID]; !ok {
		return "", "", ErrUnknownApp
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var u *wxUser
	if openID == "" {
		if u, err = s.createUserLocked(appID); err != nil {
			return "", "", err
		}
	} else if u = s.users.get(appID, openID); u == nil {
		return "", "", ErrUnknownUser
	}
	c, e := s.issueCodeLocked(code{kind: codeLogin, appID: appID, openID: u.openID, blocked: blocked})
	if e != nil {
		return "", "", errBusy
	}
	return c, u.openID, nil
}

// sessionResponse is jscode2session's answer. unionid is returned "若当前
// 小程序已绑定到微信开放平台账号下"; the sandbox's apps always are.
type sessionResponse struct {
	OpenID     string `json:"openid"`
	SessionKey string `json:"session_key"`
	UnionID    string `json:"unionid,omitempty"`
}

// handleCode2Session is GET /sns/jscode2session. Errors: 40029 invalid (or
// expired, or another app's) code, 40163 code been used, 40226 code blocked,
// and the appid/secret checks.
func (s *Server) handleCode2Session(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	appID, e := s.checkCredentials(q.Get("grant_type"), "authorization_code", q.Get("appid"), q.Get("secret"))
	if e != nil {
		s.fail(w, e)
		return
	}
	v := q.Get("js_code")
	if v == "" {
		s.fail(w, errCodeMissing)
		return
	}
	s.mu.Lock()
	c, e := s.redeemCodeLocked(v, codeLogin, appID)
	var u *wxUser
	if e == nil {
		if u = s.users.get(appID, c.openID); u == nil {
			e = errInvalidCode
		}
	}
	s.mu.Unlock()
	if e != nil {
		s.fail(w, e)
		return
	}
	key, err := s.rnd.newSessionKey()
	if err != nil {
		s.fail(w, errSystem)
		return
	}
	s.reply(w, sessionResponse{OpenID: u.openID, SessionKey: key, UnionID: u.unionID})
}

// handleControlJSCode is POST /control/js-codes {"appid","openid","blocked"}
// → {"code","openid"}: wx.login for tests and the reference mini-program's
// stand-in for wx.
func (s *Server) handleControlJSCode(w http.ResponseWriter, r *http.Request) {
	var req struct {
		AppID   string `json:"appid"`
		OpenID  string `json:"openid"`
		Blocked bool   `json:"blocked"`
	}
	if ce := decodeControl(w, r, &req); ce != nil {
		s.controlFail(w, ce)
		return
	}
	c, openID, err := s.LoginCode(req.AppID, req.OpenID, req.Blocked)
	if err != nil {
		s.controlFail(w, controlErrorOf(err))
		return
	}
	s.writeJSON(w, http.StatusOK, map[string]string{"code": c, "openid": openID})
}
