package wxplatform

import (
	"net/http"
	"time"
)

// keepMessages bounds the messages kept per user; older ones are dropped.
const keepMessages = 50

// cst is China Standard Time. China has kept UTC+8 without daylight saving
// since 1991, so a fixed zone is exact and needs no tzdata on the host.
var cst = time.FixedZone("CST", 8*60*60)

// Message is one subscription message as the user received it in WeChat's
// 服务通知, with the template's title and each keyword's value.
type Message struct {
	ToUser           string            `json:"touser"`
	TemplateID       string            `json:"template_id"`
	Title            string            `json:"title"`
	Page             string            `json:"page,omitempty"`
	Data             map[string]string `json:"data"`
	MiniprogramState string            `json:"miniprogram_state,omitempty"`
	Lang             string            `json:"lang,omitempty"`
	SentAt           time.Time         `json:"sent_at"`
	MsgID            int64             `json:"msgid"`
}

// fileLocked adds m to its recipient's messages. The caller holds s.mu.
func (s *Server) fileLocked(m Message) {
	msgs := append(s.outbox[m.ToUser], m)
	if len(msgs) > keepMessages {
		msgs = msgs[len(msgs)-keepMessages:]
	}
	s.outbox[m.ToUser] = msgs
}

// Messages returns the subscription messages openID received, newest last.
func (s *Server) Messages(openID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message{}, s.outbox[openID]...)
}

// handleControlMessages is GET /control/messages?openid= →
// {"messages":[…]}, what the user would see in 服务通知.
func (s *Server) handleControlMessages(w http.ResponseWriter, r *http.Request) {
	openID := r.URL.Query().Get("openid")
	if openID == "" {
		s.controlFail(w, badControl("openid_required", "请在查询参数中提供 openid。", "Give the user's openid as the openid query parameter."))
		return
	}
	s.writeJSON(w, http.StatusOK, map[string]any{"messages": s.Messages(openID)})
}
