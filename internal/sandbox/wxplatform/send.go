package wxplatform

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"
)

// sendRequest is the body of subscribeMessage.send
// (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-message-management/subscribe-message/sendMessage.html).
// data is {"thing1":{"value":"…"}}; a value is documented as "any", so a
// JSON number is taken as its text.
type sendRequest struct {
	ToUser           string                  `json:"touser"`
	TemplateID       string                  `json:"template_id"`
	Page             string                  `json:"page"`
	Data             map[string]keywordValue `json:"data"`
	MiniprogramState string                  `json:"miniprogram_state"`
	Lang             string                  `json:"lang"`
}

type keywordValue struct {
	Value json.RawMessage `json:"value"`
}

// text returns the value as a string, or false when it is neither a JSON
// string nor a number.
func (k keywordValue) text() (string, bool) {
	var s string
	if json.Unmarshal(k.Value, &s) == nil {
		return s, true
	}
	var n json.Number
	if json.Unmarshal(k.Value, &n) == nil {
		return n.String(), true
	}
	return "", false
}

var (
	validStates = []string{"", "developer", "trial", "formal"}
	validLangs  = []string{"", "zh_CN", "en_US", "zh_HK", "zh_TW"}
)

// handleSend is POST /cgi-bin/message/subscribe/send?access_token=. Checks,
// in the sandbox's order (WeChat documents the codes, not the order): the
// token (41001/40001/42001), the body (44002/47001), touser (40003),
// template_id (40037), data and the optional fields (47003), then the
// user's consent (43101), so that a malformed message never uses one up.
func (s *Server) handleSend(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	appID, e := s.checkTokenLocked(r.URL.Query().Get("access_token"))
	s.mu.Unlock()
	if e != nil {
		s.fail(w, e)
		return
	}
	var req sendRequest
	if e := decodeAPIBody(w, r, &req); e != nil {
		s.fail(w, e)
		return
	}
	tmpl, known := s.templates[req.TemplateID]
	var data map[string]string
	var dataErr *wxError
	if known {
		data, dataErr = checkMessage(req, tmpl)
	}
	msgID, err := s.rnd.newMsgID()
	if err != nil {
		s.fail(w, errSystem)
		return
	}
	s.mu.Lock()
	e = s.deliverLocked(appID, req, tmpl, known, data, dataErr, msgID)
	s.mu.Unlock()
	if e != nil {
		s.fail(w, e)
		return
	}
	s.reply(w, map[string]any{"errcode": 0, "errmsg": "ok", "msgid": msgID})
}

// deliverLocked runs the checks that need the sandbox's state and, when
// all pass, uses up one consent and files the message. The caller holds
// s.mu.
func (s *Server) deliverLocked(appID string, req sendRequest, tmpl Template, known bool, data map[string]string, dataErr *wxError, msgID int64) *wxError {
	if req.ToUser == "" || s.users.get(appID, req.ToUser) == nil {
		return errInvalidOpenID
	}
	if !known {
		return errInvalidTemplate
	}
	if dataErr != nil {
		return dataErr
	}
	g := s.grants[req.ToUser]
	if g[tmpl.ID] <= 0 {
		return errRefused
	}
	if g[tmpl.ID]--; g[tmpl.ID] == 0 {
		delete(g, tmpl.ID)
	}
	s.fileLocked(Message{
		ToUser: req.ToUser, TemplateID: tmpl.ID, Title: tmpl.Title, Page: req.Page, Data: data,
		MiniprogramState: req.MiniprogramState, Lang: req.Lang,
		SentAt: s.now().In(cst).Truncate(time.Second), MsgID: msgID,
	})
	return nil
}

// checkMessage checks data against the template's keywords, in the
// template's order, then any key the template lacks, and the optional
// fields. WeChat names the first bad field: "argument invalid!
// data.thing3.value invalid". Refusing unknown keys is the sandbox's choice.
func checkMessage(req sendRequest, tmpl Template) (map[string]string, *wxError) {
	data := map[string]string{}
	for _, k := range tmpl.Keywords {
		kv, ok := req.Data[k]
		if !ok {
			return nil, argumentInvalid("data." + k + ".value")
		}
		v, ok := kv.text()
		if !ok || !checkValue(k, v) {
			return nil, argumentInvalid("data." + k + ".value")
		}
		data[k] = v
	}
	extra := make([]string, 0, len(req.Data))
	for k := range req.Data {
		if _, ok := data[k]; !ok {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra)
	if len(extra) > 0 {
		return nil, argumentInvalid("data." + extra[0])
	}
	if !slices.Contains(validStates, req.MiniprogramState) {
		return nil, argumentInvalid("miniprogram_state")
	}
	if !slices.Contains(validLangs, req.Lang) {
		return nil, argumentInvalid("lang")
	}
	return data, nil
}
