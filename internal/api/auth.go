package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/ratelimit"
)

type ctxKey int

const (
	personKey  ctxKey = iota
	methodKey         // how the session was opened: strong or WeChat-only
	sessionKey        // the *identity.Session, for second-factor checks
)

// session is the request's session (set by authed).
func session(r *http.Request) *identity.Session {
	s, _ := r.Context().Value(sessionKey).(*identity.Session)
	return s
}

// authed resolves the bearer token to a person before calling next; every
// route behind it then authorises against that person.
func (h *handler) authed(next func(http.ResponseWriter, *http.Request, *identity.Person)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			h.writeError(w, r, identity.ErrNoSession)
			return
		}
		sess, p, err := h.Identity.AuthenticatePerson(r.Context(), strings.TrimSpace(token))
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		ctx := context.WithValue(context.WithValue(r.Context(), personKey, p), methodKey, sess.Method)
		ctx = context.WithValue(ctx, sessionKey, sess)
		next(w, r.WithContext(ctx), p)
	}
}

// strong is authed for steps that expose or change personal data: a
// session opened by WeChat alone must first confirm who the person is
// (sign in again with a real-name method).
func (h *handler) strong(next func(http.ResponseWriter, *http.Request, *identity.Person)) http.HandlerFunc {
	return h.authed(func(w http.ResponseWriter, r *http.Request, p *identity.Person) {
		if m, _ := r.Context().Value(methodKey).(string); !identity.StrongMethod(m) {
			h.writeError(w, r, identity.ErrStepUp)
			return
		}
		next(w, r, p)
	})
}

type smsCodeRequest struct {
	Phone string `json:"phone"`
}

func (h *handler) sendSMSCode(w http.ResponseWriter, r *http.Request) {
	var req smsCodeRequest
	if err := decode(w, r, &req); err != nil {
		h.writeError(w, r, err)
		return
	}
	if err := h.Identity.SendSMSCode(r.Context(), req.Phone); err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"sent": true, "expires_in_seconds": 300})
}

type sessionRequest struct {
	Method    string `json:"method"`
	Phone     string `json:"phone,omitempty"`      // sms
	Code      string `json:"code,omitempty"`       // sms
	IDNumber  string `json:"id_number,omitempty"`  // ecard_password
	PIN       string `json:"pin,omitempty"`        // ecard_password
	SessionID string `json:"session_id,omitempty"` // face
	// State and RedirectURI come from POST /api/v1/auth/national-login;
	// Code is then the one the platform sent to the redirect URI.
	State       string `json:"state,omitempty"`        // national_login
	RedirectURI string `json:"redirect_uri,omitempty"` // national_login
	// BindTicket, from a wechat_not_bound answer, links that WeChat user to
	// the person this real-name sign-in proves.
	BindTicket string `json:"bind_ticket,omitempty"`
}

// authMethods are the ways to sign in through the API.
var authMethods = []string{"sms", "ecard_password", "face", identity.MethodNationalLogin, identity.MethodWeChatOAuth, identity.MethodWeChatMiniProgram}

func (h *handler) createSession(w http.ResponseWriter, r *http.Request) {
	var req sessionRequest
	if err := decode(w, r, &req); err != nil {
		h.writeError(w, r, err)
		return
	}
	// A bind ticket is checked before the real-name step, so a stale one
	// does not use up an SMS code or a face check.
	if err := h.checkBindTicket(req); err != nil {
		h.writeError(w, r, err)
		return
	}
	token, p, err := h.signIn(r, req)
	var nb *identity.NotBoundError
	if errors.As(err, &nb) {
		writeJSON(w, http.StatusForbidden, map[string]any{"error": errorFields{Code: nb.Face.Code, Message: nb.Face.Message, MessageEn: nb.Face.MessageEn},
			"bind_ticket": nb.Ticket, "bind_ticket_expires_in_seconds": 600})
		return
	}
	if err == nil && req.BindTicket != "" {
		err = h.Identity.BindWeChat(r.Context(), req.BindTicket, p)
		// The session stands only if the link was made: otherwise the
		// client would believe WeChat alone will work next time.
		if err != nil {
			_ = h.Identity.Logout(r.Context(), token)
		}
	}
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	body, err := h.personJSON(r.Context(), p)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"token": token, "token_type": "Bearer", "expires_in_seconds": 1800, "person": body})
}

// checkBindTicket refuses a bind ticket that is not valid, or that comes
// with a WeChat sign-in (only a real-name method may link a WeChat user).
func (h *handler) checkBindTicket(req sessionRequest) error {
	if req.BindTicket == "" {
		return nil
	}
	if _, _, err := h.Identity.CheckBindTicket(req.BindTicket); err != nil {
		return err
	}
	if identity.AppOf(req.Method) != "" {
		return apperr.New(apperr.Invalid, "bind_ticket_invalid",
			"绑定微信须配合实名认证方式（短信验证码、电子社保卡密码或人脸识别）。",
			"A WeChat link is made with a real-name sign-in (sms, ecard_password or face).").WithField("method")
	}
	return nil
}

// signIn runs the sign-in method the request names.
func (h *handler) signIn(r *http.Request, req sessionRequest) (string, *identity.Person, error) {
	switch req.Method {
	case identity.MethodWeChatOAuth, identity.MethodWeChatMiniProgram:
		return h.Identity.LoginWeChat(r.Context(), req.Method, req.Code)
	case "sms":
		return h.Identity.LoginSMS(r.Context(), req.Phone, req.Code)
	case "ecard_password":
		return h.Identity.LoginPIN(r.Context(), req.IDNumber, req.PIN)
	case "face":
		return h.Identity.LoginFace(r.Context(), req.SessionID)
	case identity.MethodNationalLogin:
		return h.Identity.LoginNational(r.Context(), identity.FlowAPI, h.nationalRedirect(req.RedirectURI), req.State, req.Code)
	}
	e := apperr.New(apperr.Invalid, "auth_method_unsupported",
		"不支持该认证方式，请选择短信验证码、电子社保卡密码、人脸识别、国家政务服务平台统一认证或微信登录。",
		"This authentication method is not supported; use sms, ecard_password, face, national_login, wechat_oauth or wechat_miniprogram.").WithField("method")
	e.Allowed = authMethods
	return "", nil, e
}

func (h *handler) deleteSession(w http.ResponseWriter, r *http.Request, _ *identity.Person) {
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if err := h.Identity.Logout(r.Context(), strings.TrimSpace(token)); err != nil {
		h.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.writeError(w, r, apperr.New(apperr.NotFound, "route_not_found",
		"没有这个接口，请查看 /api/v1/openapi.json 中的接口列表。",
		"No such endpoint; see /api/v1/openapi.json for the list."))
}

type faceRequest struct {
	IDNumber  string `json:"id_number"`
	ReturnURL string `json:"return_url,omitempty"`
}

// startFace opens a face-liveness check; the person completes it at the
// returned url, then signs in with method "face" and the session id.
func (h *handler) startFace(w http.ResponseWriter, r *http.Request) {
	var req faceRequest
	if err := decode(w, r, &req); err != nil {
		h.writeError(w, r, err)
		return
	}
	id, url, err := h.Identity.StartFace(r.Context(), req.IDNumber, req.ReturnURL)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if strings.HasPrefix(url, "/") {
		url = h.FaceBaseURL + url
	}
	writeJSON(w, http.StatusCreated, map[string]string{"session_id": id, "url": url})
}

// setPIN sets or resets the e-card password with a fresh SMS code.
func (h *handler) setPIN(w http.ResponseWriter, r *http.Request, p *identity.Person) {
	var req struct {
		PIN  string `json:"pin"`
		Code string `json:"code"`
	}
	if err := decode(w, r, &req); err != nil {
		h.writeError(w, r, err)
		return
	}
	if err := h.Identity.SetPIN(r.Context(), p, req.PIN, req.Code); err != nil {
		h.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// limited refuses a client address that calls too often, with Retry-After.
func (h *handler) limited(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if h.authLimit != nil {
			if ok, wait := h.authLimit.Allow(ratelimit.ClientIP(r)); !ok {
				w.Header().Set("Retry-After", ratelimit.RetryAfter(wait))
				h.writeError(w, r, apperr.New(apperr.RateLimited, "too_many_requests",
					"操作过于频繁，请稍后再试。", "Too many requests from this address; wait a moment and try again."))
				return
			}
		}
		next(w, r)
	}
}
