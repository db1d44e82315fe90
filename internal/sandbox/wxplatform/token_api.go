package wxplatform

import (
	"encoding/json"
	"io"
	"net/http"
)

// tokenResponse is the answer of getAccessToken and getStableAccessToken.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
}

// handleToken is GET /cgi-bin/token?grant_type=client_credential&appid=&secret=
// (getAccessToken,
// https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-access-token/getAccessToken.html).
// Each call replaces the app's earlier tokens, which stay usable five more
// minutes.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	appID, e := s.checkCredentials(q.Get("grant_type"), "client_credential", q.Get("appid"), q.Get("secret"))
	if e != nil {
		s.fail(w, e)
		return
	}
	s.mu.Lock()
	v, _, e := s.issueTokenLocked(appID, false)
	s.mu.Unlock()
	if e != nil {
		s.fail(w, e)
		return
	}
	s.reply(w, tokenResponse{AccessToken: v, ExpiresIn: int(tokenTTL.Seconds())})
}

// handleStableToken is POST /cgi-bin/stable_token with a JSON body
// {"grant_type","appid","secret","force_refresh"} (getStableAccessToken,
// https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-access-token/getStableAccessToken.html):
// "该接口仅支持 POST JSON 形式的调用". Its tokens are isolated from
// /cgi-bin/token's: neither replaces the other's.
func (s *Server) handleStableToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		GrantType    string `json:"grant_type"`
		AppID        string `json:"appid"`
		Secret       string `json:"secret"`
		ForceRefresh bool   `json:"force_refresh"`
	}
	if e := decodeAPIBody(w, r, &req); e != nil {
		s.fail(w, e)
		return
	}
	appID, e := s.checkCredentials(req.GrantType, "client_credential", req.AppID, req.Secret)
	if e != nil {
		s.fail(w, e)
		return
	}
	s.mu.Lock()
	v, left, e := s.stableTokenLocked(appID, req.ForceRefresh)
	s.mu.Unlock()
	if e != nil {
		s.fail(w, e)
		return
	}
	s.reply(w, tokenResponse{AccessToken: v, ExpiresIn: int(left.Seconds())})
}

// handleRequirePOST answers a POST-only WeChat API called otherwise.
func (s *Server) handleRequirePOST(w http.ResponseWriter, _ *http.Request) {
	s.fail(w, errRequirePOST)
}

// decodeAPIBody reads a WeChat API's JSON body: 44002 when empty, 47001 when
// it does not parse.
func decodeAPIBody(w http.ResponseWriter, r *http.Request, v any) *wxError {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	if err != nil {
		return errDataFormat
	}
	if len(body) == 0 {
		return errEmptyPost
	}
	if json.Unmarshal(body, v) != nil {
		return errDataFormat
	}
	return nil
}
