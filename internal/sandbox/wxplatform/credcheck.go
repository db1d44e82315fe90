package wxplatform

import "crypto/subtle"

// checkCredentials is what every appid+secret API checks first. The order
// (grant_type, then appid, then secret) is the sandbox's choice: WeChat's
// documents list the codes but not which check comes first.
func (s *Server) checkCredentials(grantType, wantGrant, appID, secret string) (string, *wxError) {
	if grantType != wantGrant {
		return "", errInvalidGrant
	}
	if appID == "" {
		return "", errAppIDMissing
	}
	app, ok := s.apps[appID]
	if !ok {
		return "", errInvalidAppID
	}
	if secret == "" {
		return "", errSecretMissing
	}
	if subtle.ConstantTimeCompare([]byte(secret), []byte(app.AppSecret)) != 1 {
		return "", errInvalidSecret
	}
	return appID, nil
}
