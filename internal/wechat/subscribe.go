package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

// SubscribeMessage is a one-off subscription message
// (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-message-management/subscribe-message/sendMessage.html).
// Data maps each keyword of the template ("thing1", "amount2") to its value;
// each type has its rules (thing at most 20 characters, amount digits with
// an optional ¥ and no thousands separators, phrase at most 5 汉字, …).
type SubscribeMessage struct {
	ToUser     string // the recipient's openid in this app
	TemplateID string
	Page       string // the mini-program page a tap opens, e.g. "pages/bill/detail?id=7"; empty: none
	Data       map[string]string
	// MiniprogramState is "developer", "trial" or "formal" (empty: formal).
	MiniprogramState string
	// Lang is "zh_CN" (empty means the same), "en_US", "zh_HK" or "zh_TW".
	Lang string
}

// keywordValue is how WeChat wants each value: {"value": "…"}.
type keywordValue struct {
	Value string `json:"value"`
}

type sendBody struct {
	ToUser           string                  `json:"touser"`
	TemplateID       string                  `json:"template_id"`
	Page             string                  `json:"page,omitempty"`
	Data             map[string]keywordValue `json:"data"`
	MiniprogramState string                  `json:"miniprogram_state,omitempty"`
	Lang             string                  `json:"lang,omitempty"`
}

// marshal encodes m as WeChat wants it. encoding/json writes map keys in
// sorted order, so the bytes are the same for the same message; HTML
// escaping is off so a page like "a?x=1&y=2" goes as written.
func (m SubscribeMessage) marshal() ([]byte, error) {
	data := make(map[string]keywordValue, len(m.Data))
	for k, v := range m.Data {
		data[k] = keywordValue{Value: v}
	}
	b := sendBody{ToUser: m.ToUser, TemplateID: m.TemplateID, Page: m.Page, Data: data,
		MiniprogramState: m.MiniprogramState, Lang: m.Lang}
	return marshalNoEscape(b)
}

// SendSubscribeMessage sends msg and returns WeChat's msgid. A token WeChat
// refuses (40001, 42001) is fetched anew once and the send retried. The
// errors the platform acts on: ErrNoConsent (43101: ask the user to
// subscribe again), ErrBadMessage (40037, 47003: fix the message); any
// other errcode is an *APIError.
func (c *Client) SendSubscribeMessage(ctx context.Context, msg SubscribeMessage) (int64, error) {
	body, err := msg.marshal()
	if err != nil {
		return 0, fmt.Errorf("wechat: send subscribe message: %w", err)
	}
	for attempt := 0; ; attempt++ {
		tok, err := c.AccessToken(ctx)
		if err != nil {
			return 0, fmt.Errorf("wechat: send subscribe message: %w", err)
		}
		var out struct {
			MsgID int64 `json:"msgid"`
		}
		err = c.call(ctx, http.MethodPost, "/cgi-bin/message/subscribe/send", url.Values{"access_token": {tok}}, body, &out)
		if err != nil && tokenRejected(err) && attempt == 0 {
			c.forgetToken(tok)
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("wechat: send subscribe message %s: %w", msg.TemplateID, err)
		}
		return out.MsgID, nil
	}
}

func marshalNoEscape(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
