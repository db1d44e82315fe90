package wxplatform

import "time"

// tokenTTL is the life of an access_token: "token 有效期为 7200 秒"
// (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-access-token/getAccessToken.html).
const tokenTTL = 7200 * time.Second

// tokenOverlap is how long an access_token stays usable after a newer one
// replaces it: "公众平台后台会保证在5分钟内，新老access_token都可用"
// (https://developers.weixin.qq.com/doc/oplatform/Website_App/Launching_a_Mini_Program/getaccesstoken.html).
// stable_token's normal mode also hands out the next token in the last five
// minutes of the current one
// (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-access-token/getStableAccessToken.html).
const tokenOverlap = 5 * time.Minute

// forceRefreshGap is the least time between two stable_token force
// refreshes that take effect: "连续使用该模式时，请保证调用时间隔至少为30s，
// 否则不会刷新".
const forceRefreshGap = 30 * time.Second

// tokenRetention is how long a dead token is remembered, so that using it is
// told 42001 "access_token expired" (or 40001 when it was replaced) rather
// than being unknown.
const tokenRetention = 24 * time.Hour

// maxTokens bounds remembered tokens across all apps; the oldest go first.
const maxTokens = 4096

type token struct {
	value    string
	appID    string
	stable   bool // from /cgi-bin/stable_token, isolated from /cgi-bin/token
	issued   time.Time
	expires  time.Time
	replaced bool // cut short by a newer token: using it after expiry is 40001
}

// issueTokenLocked makes a new access_token for appID. getAccessToken
// replaces every earlier plain token ("重复获取将导致上次获取的access_token
// 失效"), leaving them five more minutes. The caller holds s.mu.
func (s *Server) issueTokenLocked(appID string, stable bool) (string, *token, *wxError) {
	now := s.now()
	s.sweepTokensLocked(now)
	v, err := s.rnd.newToken()
	if err != nil {
		s.log.Error("wxplatform sandbox: cannot make a token", "err", err)
		return "", nil, errSystem
	}
	if !stable {
		for _, t := range s.tokens {
			if t.appID == appID && !t.stable && t.expires.After(now.Add(tokenOverlap)) {
				t.expires, t.replaced = now.Add(tokenOverlap), true
			}
		}
	}
	t := &token{value: v, appID: appID, stable: stable, issued: now, expires: now.Add(tokenTTL)}
	s.tokens[v] = t
	return v, t, nil
}

// stableTokenLocked is getStableAccessToken: in normal mode the current
// token while more than five minutes remain, else a new one; force refresh
// replaces it at once, at most every 30 seconds. The caller holds s.mu.
func (s *Server) stableTokenLocked(appID string, force bool) (string, time.Duration, *wxError) {
	now := s.now()
	cur := s.currentStableLocked(appID, now)
	if cur != nil {
		recentForce := now.Sub(s.lastFR[appID]) < forceRefreshGap
		if (!force && cur.expires.Sub(now) > tokenOverlap) || (force && recentForce) {
			return cur.value, cur.expires.Sub(now), nil
		}
	}
	v, t, e := s.issueTokenLocked(appID, true)
	if e != nil {
		return "", 0, e
	}
	if cur != nil && force {
		cur.expires, cur.replaced = now, true
	}
	if force {
		s.lastFR[appID] = now
	}
	s.stable[appID] = t
	return v, tokenTTL, nil
}

// currentStableLocked finds appID's live stable token, if it has one that
// has not been swept for space.
func (s *Server) currentStableLocked(appID string, now time.Time) *token {
	cur := s.stable[appID]
	if cur == nil || !now.Before(cur.expires) || s.tokens[cur.value] != cur {
		return nil
	}
	return cur
}

// checkTokenLocked resolves an access_token to its appid: 41001 when
// missing, 42001 when expired, 40001 when unknown or replaced. The caller
// holds s.mu.
func (s *Server) checkTokenLocked(v string) (string, *wxError) {
	if v == "" {
		return "", errTokenMissing
	}
	t := s.tokens[v]
	switch {
	case t == nil:
		return "", errInvalidCred
	case s.now().Before(t.expires):
		return t.appID, nil
	case t.replaced:
		return "", errInvalidCred
	default:
		return "", errTokenExpired
	}
}

// sweepTokensLocked forgets tokens dead for tokenRetention, then the oldest
// while over maxTokens.
func (s *Server) sweepTokensLocked(now time.Time) {
	for v, t := range s.tokens {
		if now.Sub(t.expires) > tokenRetention {
			delete(s.tokens, v)
		}
	}
	for len(s.tokens) >= maxTokens {
		var oldest string
		for v, t := range s.tokens {
			if oldest == "" || t.issued.Before(s.tokens[oldest].issued) {
				oldest = v
			}
		}
		delete(s.tokens, oldest)
	}
}
