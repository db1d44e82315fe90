package wxplatform

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
)

// wxError is WeChat's error body {"errcode","errmsg"}. WeChat sends it with
// HTTP 200, so clients must read errcode, not the status. Texts follow the
// global return codes
// (https://developers.weixin.qq.com/doc/offiaccount/Getting_Started/Global_Return_Code.html)
// and the per-API tables cited where each is used.
type wxError struct {
	Code int    `json:"errcode"`
	Msg  string `json:"errmsg"`
}

func (e *wxError) Error() string { return fmt.Sprintf("errcode %d: %s", e.Code, e.Msg) }

var (
	errSystem          = &wxError{-1, "system error"}
	errInvalidCred     = &wxError{40001, "invalid credential, access_token is invalid or not latest"}
	errInvalidGrant    = &wxError{40002, "invalid grant_type"}
	errInvalidOpenID   = &wxError{40003, "invalid openid"}
	errInvalidAppID    = &wxError{40013, "invalid appid"}
	errInvalidCode     = &wxError{40029, "invalid code"}
	errInvalidTemplate = &wxError{40037, "invalid template_id"}
	errInvalidSecret   = &wxError{40125, "invalid appsecret"}
	errCodeUsed        = &wxError{40163, "code been used"}
	errCodeBlocked     = &wxError{40226, "code blocked"}
	errTokenMissing    = &wxError{41001, "access_token missing"}
	errAppIDMissing    = &wxError{41002, "appid missing"}
	errSecretMissing   = &wxError{41004, "appsecret missing"}
	errCodeMissing     = &wxError{41008, "missing code"}
	errTokenExpired    = &wxError{42001, "access_token expired"}
	errRequirePOST     = &wxError{43002, "require POST method"}
	errRefused         = &wxError{43101, "user refuse to accept the msg"}
	errEmptyPost       = &wxError{44002, "empty post data"}
	errDataFormat      = &wxError{47001, "data format error"}
)

// argumentInvalid is 47003 naming the field, in the form WeChat uses:
// "argument invalid! data.thing3.value invalid".
func argumentInvalid(field string) *wxError {
	return &wxError{47003, "argument invalid! " + field + " invalid"}
}

// marshalJSON encodes without HTML escaping, as WeChat does, and without the
// encoder's trailing newline.
func marshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("wxplatform sandbox: encode response: %w", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// reply answers a WeChat API call with v, always with HTTP 200 as WeChat
// does for errors too.
func (s *Server) reply(w http.ResponseWriter, v any) {
	s.writeJSON(w, http.StatusOK, v)
}

// fail answers a WeChat API call with an errcode body.
func (s *Server) fail(w http.ResponseWriter, e *wxError) {
	s.writeJSON(w, http.StatusOK, e)
}

func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := marshalJSON(v)
	if err != nil {
		s.log.Error("wxplatform sandbox: encode response", "err", err)
		http.Error(w, "encode failure", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// controlError is the control plane's error: not a WeChat API, so it uses
// the project's shape, a stable code with Chinese and English messages.
type controlError struct {
	Status    int    `json:"-"`
	Code      string `json:"code"`
	Message   string `json:"message"`
	MessageEn string `json:"message_en"`
}

func (s *Server) controlFail(w http.ResponseWriter, e *controlError) {
	s.writeJSON(w, e.Status, map[string]any{"error": e})
}

func badControl(code, zh, en string) *controlError {
	return &controlError{Status: http.StatusBadRequest, Code: code, Message: zh, MessageEn: en}
}
