package api

import (
	"net/http"

	"github.com/shebao-project/shebao/internal/identity"
)

// WeChatInfo is what a mini-program or an in-WeChat page needs to know of
// the platform's WeChat app: its id, and the subscription-message template
// ids (by kind) to ask the person's consent for.
type WeChatInfo struct {
	AppID                string // the mini-program's
	OfficialAccountAppID string
	Templates            map[string]string // the mini-program's subscription templates
}

// wechatConfig is public: the same for everyone, and needed before sign-in.
func (h *handler) wechatConfig(w http.ResponseWriter, r *http.Request) {
	if h.WeChat == nil {
		h.notFound(w, r)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"appid": h.WeChat.AppID, "official_account_appid": h.WeChat.OfficialAccountAppID,
		"subscribe_templates": h.WeChat.Templates})
}

type subscriptionsRequest struct {
	// Results is wx.requestSubscribeMessage's answer: template id → accept,
	// reject, ban or filter.
	Results map[string]string `json:"results"`
}

// recordSubscriptions stores the person's one-off consents (each "accept"
// allows one message of that template), as WeChat reported them to the
// mini-program or page.
func (h *handler) recordSubscriptions(w http.ResponseWriter, r *http.Request, p *identity.Person) {
	var req subscriptionsRequest
	if err := decode(w, r, &req); err != nil {
		h.writeError(w, r, err)
		return
	}
	subs, err := h.Notices.RecordConsents(r.Context(), p.ID, req.Results)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"subscriptions": subs})
}

func (h *handler) mySubscriptions(w http.ResponseWriter, r *http.Request, p *identity.Person) {
	subs, err := h.Notices.Subscriptions(r.Context(), p.ID)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"subscriptions": subs})
}
