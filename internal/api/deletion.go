package api

import (
	"net/http"

	"github.com/shebao-project/shebao/internal/identity"
)

type deletionBody struct {
	// Confirm must be true: the deletion cannot be undone.
	Confirm bool `json:"confirm"`
}

type keptView struct {
	Item    string  `json:"item"`
	Title   string  `json:"title"`
	TitleEn string  `json:"title_en"`
	Basis   string  `json:"basis"`
	BasisEn string  `json:"basis_en"`
	Term    string  `json:"term"`
	Until   *string `json:"until"`
}

type deletionView struct {
	ID          string          `json:"id"`
	RequestedAt string          `json:"requested_at"`
	Deleted     identity.Erased `json:"deleted"`
	Kept        []keptView      `json:"kept"`
	// Restricted says what happens to the kept data from now on (PIPL art.
	// 47 para. 2), in both languages.
	Restricted   string `json:"restricted"`
	RestrictedEn string `json:"restricted_en"`
}

const (
	restrictedZh = "保留的数据仅作存储和必要的安全保护，不再用于其他处理：不再向您发送缴费提醒和断缴提示（您日后重新开启的除外）。所有登录已退出；如需再次缴费，请用短信验证码登录。"
	restrictedEn = "Kept data is only stored and secured, not otherwise processed: you get no more payment or lapse reminders (unless you turn them on again later). You have been signed out everywhere; to pay again, sign in with a text-message code."
)

func deletionJSON(d *identity.DeletionRequest) deletionView {
	v := deletionView{ID: d.ID, RequestedAt: ts(d.RequestedAt), Deleted: d.Outcome.Deleted,
		Kept: make([]keptView, 0, len(d.Outcome.Kept)), Restricted: restrictedZh, RestrictedEn: restrictedEn}
	for _, k := range d.Outcome.Kept {
		kv := keptView{Item: k.Item, Title: k.Title, TitleEn: k.TitleEn, Basis: k.Basis, BasisEn: k.BasisEn, Term: k.Term}
		if k.Until != nil {
			s := ts(*k.Until)
			kv.Until = &s
		}
		v.Kept = append(v.Kept, kv)
	}
	return v
}

// requestDeletion answers POST /api/v1/me/deletion-request: the signed-in
// person's own data, so the session is the only authorisation needed, but
// a step-up one (h.strong), as for the export. On success every session of
// the person has ended, this one included.
func (h *handler) requestDeletion(w http.ResponseWriter, r *http.Request, p *identity.Person) {
	var body deletionBody
	if err := decode(w, r, &body); err != nil {
		h.writeError(w, r, err)
		return
	}
	d, err := h.Deletions.Request(r.Context(), p, body.Confirm)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, deletionJSON(d))
}

// latestDeletion answers GET /api/v1/me/deletion-request: the signed-in
// person's newest request; there is no id in the path, so nobody can ask
// for another person's.
func (h *handler) latestDeletion(w http.ResponseWriter, r *http.Request, p *identity.Person) {
	d, err := h.Deletions.Latest(r.Context(), p.ID)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, deletionJSON(d))
}
