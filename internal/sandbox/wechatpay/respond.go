package wechatpay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// apiError is WeChat Pay's error body {"code","message","detail"} with the
// HTTP status it travels with (https://pay.weixin.qq.com/wiki/doc/apiv3/Share/error_code.shtml).
type apiError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Detail  any    `json:"detail,omitempty"`
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

func newAPIError(status int, code, message string) *apiError {
	return &apiError{Status: status, Code: code, Message: message}
}

// paramError is 400 PARAM_ERROR naming the offending body field, in the
// shape of WeChat's detail {"field","location","issue"}.
func paramError(field, issue string) *apiError {
	return &apiError{
		Status: http.StatusBadRequest, Code: "PARAM_ERROR", Message: "参数错误：" + issue,
		Detail: map[string]string{"field": "/" + field, "location": "body", "issue": issue},
	}
}

func invalidRequest(message string) *apiError {
	return newAPIError(http.StatusBadRequest, "INVALID_REQUEST", message)
}

// marshalJSON encodes without HTML escaping, as WeChat does (a download_url
// keeps its "&"), and without the encoder's trailing newline.
func marshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("wechatpay sandbox: encode response: %w", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// reply writes a signed API response. v == nil writes an empty body (204).
// Error responses are signed too: the Go SDK does not check them, but
// production signs them and other clients do check.
func (s *Server) reply(w http.ResponseWriter, status int, v any) {
	var body []byte
	if v != nil {
		var err error
		if body, err = marshalJSON(v); err != nil {
			s.fail(w, err)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	if err := s.signHeaders(w.Header(), body); err != nil {
		s.log.Error("wechatpay sandbox: cannot sign response", "err", err)
		http.Error(w, "sign failure", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// fail answers an API request with err: an *apiError as itself, anything else
// as 500 SYSTEM_ERROR (WeChat's "retry with the same parameters"), logged.
func (s *Server) fail(w http.ResponseWriter, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		s.log.Error("wechatpay sandbox: internal error", "err", err)
		ae = newAPIError(http.StatusInternalServerError, "SYSTEM_ERROR", "系统错误")
	}
	body, mErr := marshalJSON(ae)
	if mErr != nil {
		http.Error(w, "encode failure", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if sErr := s.signHeaders(w.Header(), body); sErr != nil {
		s.log.Error("wechatpay sandbox: cannot sign error response", "err", sErr)
	}
	w.WriteHeader(ae.Status)
	_, _ = w.Write(body)
}

// controlJSON answers a control-plane request. These are not WeChat APIs, so
// they are not signed.
func (s *Server) controlJSON(w http.ResponseWriter, status int, v any) {
	body, err := marshalJSON(v)
	if err != nil {
		s.log.Error("wechatpay sandbox: encode control response", "err", err)
		http.Error(w, "encode failure", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (s *Server) controlError(w http.ResponseWriter, status int, code, message string) {
	s.controlJSON(w, status, apiError{Code: code, Message: message})
}

// decodeBody parses a JSON request body into v, mapping malformed JSON to
// PARAM_ERROR as WeChat does.
func decodeBody(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return &apiError{Status: http.StatusBadRequest, Code: "PARAM_ERROR", Message: "请求体不是合法的JSON：" + err.Error()}
	}
	return nil
}
