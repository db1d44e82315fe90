package ssc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// apiError is the protocol's error body {code, message} with the HTTP status
// it travels with (see the error table in the protocol brief).
type apiError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

func newAPIError(status int, code, message string) *apiError {
	return &apiError{Status: status, Code: code, Message: message}
}

func paramError(message string) *apiError {
	return newAPIError(http.StatusBadRequest, "PARAM_ERROR", "参数错误："+message)
}

// marshalJSON encodes without HTML escaping and without the encoder's
// trailing newline: the signature covers these exact bytes.
func marshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("ssc sandbox: encode: %w", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func decodeBody(body []byte, v any) *apiError {
	if err := json.Unmarshal(body, v); err != nil {
		return paramError("请求体不是合法的JSON")
	}
	return nil
}

// answer writes a signed API answer: v with 200, or err as its apiError
// (anything else is 500 SYSTEM_ERROR, logged). Errors are signed too, so a
// client can tell the bank's "not found" from a proxy's.
func (s *Server) answer(w http.ResponseWriter, requestNonce string, v any, err error) {
	status := http.StatusOK
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			s.log.Error("ssc sandbox: internal error", "err", err)
			ae = newAPIError(http.StatusInternalServerError, "SYSTEM_ERROR", "系统繁忙，请稍后以相同参数重试")
		}
		status, v = ae.Status, ae
	}
	body, mErr := marshalJSON(v)
	if mErr != nil {
		http.Error(w, "encode failure", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if sErr := s.signResponse(w.Header(), status, requestNonce, body); sErr != nil {
		s.log.Error("ssc sandbox: cannot sign answer", "err", sErr)
		http.Error(w, "sign failure", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// controlJSON answers the control plane, which is the sandbox's own and not
// part of the protocol, so it is not signed.
func (s *Server) controlJSON(w http.ResponseWriter, status int, v any) {
	body, err := marshalJSON(v)
	if err != nil {
		http.Error(w, "encode failure", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (s *Server) controlError(w http.ResponseWriter, ae *apiError) { s.controlJSON(w, ae.Status, ae) }
