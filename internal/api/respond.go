package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/policy"
)

// errorBody is the one error shape of the API:
// {"error":{"code","message","message_en","field","allowed"}}.
type errorBody struct {
	Error errorFields `json:"error"`
}

type errorFields struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	MessageEn string `json:"message_en"`
	Field     string `json:"field,omitempty"`
	Allowed   any    `json:"allowed,omitempty"`
}

// statusOf is the API's table from error kind to HTTP status.
var statusOf = map[apperr.Kind]int{
	apperr.Internal:     http.StatusInternalServerError,
	apperr.Invalid:      http.StatusBadRequest,
	apperr.Unauthorized: http.StatusUnauthorized,
	apperr.Forbidden:    http.StatusForbidden,
	apperr.NotFound:     http.StatusNotFound,
	apperr.Conflict:     http.StatusConflict,
	apperr.RateLimited:  http.StatusTooManyRequests,
	apperr.Unavailable:  http.StatusServiceUnavailable,
	apperr.Refused:      http.StatusUnprocessableEntity,
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// writeError answers with the safe face of err and logs its cause. Policy
// refusals are 422: the request was well-formed but the rules say no.
func (h *handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var pe *policy.Error
	if errors.As(err, &pe) {
		writeJSON(w, http.StatusUnprocessableEntity, errorBody{errorFields{pe.Code, pe.Message, pe.MessageEn, pe.Field, pe.Allowed}})
		return
	}
	e, ok := apperr.As(err)
	if !ok {
		e = apperr.InternalError(err)
	}
	status := statusOf[e.Kind]
	level := slog.LevelInfo
	if status >= 500 && r.Context().Err() == nil { // a client that went away is not our failure
		level = slog.LevelError
	}
	h.Log.Log(r.Context(), level, "api error", "method", r.Method, "path", r.URL.Path, "status", status, "code", e.Code, "err", err)
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="shebao"`)
	}
	writeJSON(w, status, errorBody{errorFields{e.Code, e.Message, e.MessageEn, e.Field, e.Allowed}})
}

// maxBody bounds request bodies; no API request is anywhere near it.
const maxBody = 64 << 10

// decode reads a JSON body strictly: unknown fields, trailing data and wrong
// types are refused with the field named, so a typo never passes silently.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return apperr.New(apperr.Invalid, "unsupported_media_type",
			"请求体须为JSON，并设置 Content-Type: application/json。",
			"Send the body as JSON with Content-Type: application/json.")
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if dec.More() {
			err = errors.New("trailing data after the JSON object")
		} else if _, terr := dec.Token(); terr != io.EOF {
			err = errors.New("trailing data after the JSON object")
		}
	}
	if err == nil {
		return nil
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return apperr.New(apperr.Invalid, "body_too_large",
			fmt.Sprintf("请求体超过%dKB上限，请精简后重试。", maxBody>>10),
			fmt.Sprintf("The request body is over the %d KB limit; send less.", maxBody>>10)).Wrap(err)
	}
	bad := apperr.New(apperr.Invalid, "invalid_json",
		"请求体不是有效的JSON："+jsonProblemZh(err)+"。请按接口文档修改后重试。",
		"The request body is not valid JSON: "+err.Error()+". Fix it as the API document describes and try again.")
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		bad = bad.WithField(te.Field)
	} else if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		bad = bad.WithField(strings.Trim(f, `"`))
	}
	return bad.Wrap(err)
}

func jsonProblemZh(err error) string {
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te):
		return fmt.Sprintf("字段 %s 的类型应为 %s", te.Field, te.Type)
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return "包含未知字段 " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	case errors.Is(err, io.EOF):
		return "请求体为空"
	}
	return "格式错误"
}
