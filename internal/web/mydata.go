package web

import (
	"net/http"
	"time"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/voucher"
)

// myData is 我的数据: what shebao deletes and keeps if the person asks for
// deletion (PIPL art. 47), the confirm step, and afterwards the outcome.
type myData struct {
	Latest *identity.DeletionRequest // an earlier request, if any
	Kept   []identity.KeptItem       // what a deletion now would keep
	Done   *identity.DeletionRequest // the request just made
}

// myDataPage shows the person what a deletion would remove and keep: the
// kept list is computed as the deletion itself computes it, from the
// person's own vouchers, so the preview is the answer they will get.
func (h *handler) myDataPage(w http.ResponseWriter, r *http.Request, p *identity.Person, csrf string) {
	if h.Deletions == nil {
		h.notFound(w, r)
		return
	}
	latest, err := h.Deletions.LatestOrNone(r.Context(), p.ID)
	if err != nil {
		h.pageError(w, r, p, err)
		return
	}
	vs, err := h.Payments.PersonVouchers(r.Context(), p.ID)
	if err != nil {
		h.pageError(w, r, p, err)
		return
	}
	newest := map[voucher.Kind]time.Time{}
	for _, v := range vs {
		if v.IssuedAt.After(newest[v.Kind]) {
			newest[v.Kind] = v.IssuedAt
		}
	}
	d := myData{Latest: latest, Kept: identity.KeptAfterDeletion(h.Now(), newest)}
	h.render(w, r, http.StatusOK, "mydata", page{Title: "title.mydata", Person: p, CSRF: csrf, Nav: "me", Data: d})
}

var errNotConfirmed = apperr.New(apperr.Invalid, "deletion_unconfirmed",
	"请先勾选确认：删除后微信绑定、电子社保卡密码和各项设置将无法恢复，您将被退出登录。",
	"Tick the box to confirm first: your WeChat binding, e-card password and settings cannot be restored, and you will be signed out.").WithField("confirm")

// deleteMyData carries out the request. It needs a sign-in that proved who
// the person is, as the API does: a session opened through WeChat alone
// is sent to sign in again. Afterwards every session has ended, so the
// outcome is shown signed out.
func (h *handler) deleteMyData(w http.ResponseWriter, r *http.Request, p *identity.Person, _ string) {
	if h.Deletions == nil {
		h.notFound(w, r)
		return
	}
	c, err := r.Cookie(sessionCookie)
	var sess *identity.Session
	if err == nil {
		sess, err = h.Identity.Authenticate(r.Context(), c.Value)
	}
	if err != nil {
		h.pageError(w, r, p, identity.ErrNoSession)
		return
	}
	if !identity.StrongMethod(sess.Method) {
		h.pageError(w, r, p, identity.ErrStepUp)
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		h.pageError(w, r, p, errNotConfirmed)
		return
	}
	done, err := h.Deletions.Request(r.Context(), p, true)
	if err != nil { // an order in progress: the page says which and what to do
		h.pageError(w, r, p, err)
		return
	}
	h.clearSession(w)
	h.render(w, r, http.StatusOK, "mydata", page{Title: "title.mydata", Data: myData{Done: done}})
}
