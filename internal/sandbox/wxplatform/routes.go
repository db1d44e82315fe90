package wxplatform

import "net/http"

// routes lists every route the sandbox serves, WeChat's first. Paths are
// WeChat's own under the mount prefix, so a client reaches the sandbox by
// changing only its base URLs:
//
//	open.weixin.qq.com  /connect/oauth2/authorize
//	api.weixin.qq.com   /sns/oauth2/access_token, /sns/jscode2session,
//	                    /cgi-bin/token, /cgi-bin/stable_token,
//	                    /cgi-bin/message/subscribe/send
func (s *Server) routes() *http.ServeMux {
	p := s.prefix
	mux := http.NewServeMux()
	// State-changing browser and control POSTs refuse cross-origin browser
	// requests (Sec-Fetch-Site / Origin checks); server-to-server API calls
	// carry neither header and pass.
	cop := http.NewCrossOriginProtection()

	mux.HandleFunc("GET "+p+"/connect/oauth2/authorize", s.handleAuthorizePage)
	mux.Handle("POST "+p+"/connect/oauth2/authorize", cop.Handler(http.HandlerFunc(s.handleAuthorizePost)))
	mux.HandleFunc("GET "+p+"/sns/oauth2/access_token", s.handleOAuthToken)
	mux.HandleFunc("GET "+p+"/sns/jscode2session", s.handleCode2Session)
	mux.HandleFunc("GET "+p+"/cgi-bin/token", s.handleToken)
	mux.HandleFunc("POST "+p+"/cgi-bin/stable_token", s.handleStableToken)
	mux.HandleFunc(p+"/cgi-bin/stable_token", s.handleRequirePOST)
	mux.HandleFunc("POST "+p+"/cgi-bin/message/subscribe/send", s.handleSend)
	mux.HandleFunc(p+"/cgi-bin/message/subscribe/send", s.handleRequirePOST)

	// Not WeChat APIs: the user's side of the phone, and what tests read.
	mux.HandleFunc("GET "+p+"/pages.css", s.handleCSS)
	mux.HandleFunc("GET "+p+"/subscribe", s.handleSubscribePage)
	mux.Handle("POST "+p+"/subscribe", cop.Handler(http.HandlerFunc(s.handleSubscribePost)))
	mux.Handle("POST "+p+"/control/js-codes", cop.Handler(http.HandlerFunc(s.handleControlJSCode)))
	mux.Handle("POST "+p+"/control/subscriptions", cop.Handler(http.HandlerFunc(s.handleControlConsent)))
	mux.HandleFunc("GET "+p+"/control/messages", s.handleControlMessages)
	return mux
}
