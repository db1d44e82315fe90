package wxplatform

import (
	"encoding/json"
	"errors"
	"net/http"
)

// decodeControl reads a control-plane JSON body into v.
func decodeControl(w http.ResponseWriter, r *http.Request, v any) *controlError {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badControl("invalid_json", "请求体须为 JSON 对象，字段见文档。", "The body must be a JSON object with the documented fields.")
	}
	return nil
}

// controlErrorOf maps the Go control methods' errors to control responses.
func controlErrorOf(err error) *controlError {
	switch {
	case errors.Is(err, ErrUnknownApp):
		return badControl("unknown_appid", "沙箱中没有这个 appid。", "The sandbox has no such appid.")
	case errors.Is(err, ErrUnknownUser):
		return badControl("unknown_openid", "该 appid 下没有这个 openid。", "No user has this openid in this appid.")
	case errors.Is(err, ErrUnknownTemplate):
		return badControl("unknown_template_id", "沙箱中没有这个模板 id。", "The sandbox has no such template id.")
	case errors.Is(err, errTooManyTemplates):
		return badControl("too_many_template_ids", "一次最多订阅 5 个模板，至少 1 个。", "Ask for 1 to 5 template ids at a time.")
	case errors.Is(err, errBusy):
		return &controlError{Status: http.StatusServiceUnavailable, Code: "busy", Message: "系统繁忙，请稍后再试。", MessageEn: "Too many live codes; try again later."}
	default:
		return &controlError{Status: http.StatusInternalServerError, Code: "internal", Message: "沙箱内部错误。", MessageEn: "Internal sandbox error."}
	}
}
