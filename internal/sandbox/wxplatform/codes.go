package wxplatform

import "time"

// codeTTL is how long an authorization or wx.login code lives: "code 只能
// 使用一次，5分钟未被使用自动过期" (official-account web authorization,
// https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html;
// the same five minutes holds for wx.login codes).
const codeTTL = 5 * time.Minute

// maxCodes bounds live codes. Codes expire after five minutes, so only a
// runaway script reaches it; past it new codes are refused with -1.
const maxCodes = 20000

type codeKind int

const (
	codeOAuth codeKind = iota // from /connect/oauth2/authorize
	codeLogin                 // from wx.login (/control/js-codes)
)

// code is one authorization or login code. A used code is kept until it
// would have expired, so that a second use is told 40163 "code been used"
// rather than 40029 "invalid code".
type code struct {
	kind    codeKind
	appID   string
	openID  string
	scope   string // snsapi_base or snsapi_userinfo, for OAuth codes
	blocked bool   // wx.login for a user WeChat judges high-risk: 40226
	expires time.Time
	used    bool
}

// issueCodeLocked records a new code. The caller holds s.mu.
func (s *Server) issueCodeLocked(c code) (string, *wxError) {
	now := s.now()
	s.sweepCodesLocked(now)
	if len(s.codes) >= maxCodes {
		return "", errSystem
	}
	v, err := s.rnd.newCode()
	if err != nil {
		s.log.Error("wxplatform sandbox: cannot make a code", "err", err)
		return "", errSystem
	}
	c.expires = now.Add(codeTTL)
	s.codes[v] = &c
	s.codeQueue = append(s.codeQueue, v)
	return v, nil
}

// redeemCodeLocked uses a code up. A code of another app or kind, an
// expired one or a made-up one is 40029; a used one is 40163. The caller
// holds s.mu.
func (s *Server) redeemCodeLocked(v string, kind codeKind, appID string) (*code, *wxError) {
	c := s.codes[v]
	if c == nil || c.kind != kind || c.appID != appID || !s.now().Before(c.expires) {
		return nil, errInvalidCode
	}
	if c.used {
		return nil, errCodeUsed
	}
	c.used = true
	if c.blocked {
		return nil, errCodeBlocked
	}
	return c, nil
}

// sweepCodesLocked forgets expired codes. All codes live codeTTL, so they
// expire in the order they were issued: the queue's head is the oldest.
func (s *Server) sweepCodesLocked(now time.Time) {
	for len(s.codeQueue) > 0 {
		head := s.codeQueue[0]
		if c := s.codes[head]; c != nil && now.Before(c.expires) {
			return
		}
		delete(s.codes, head)
		s.codeQueue = s.codeQueue[1:]
	}
}
