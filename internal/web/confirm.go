package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/payment"
)

// A payment above the review line asks for a second factor first: this page
// offers the person's methods (e-card password, face check, a code to their
// own phone), then creates the same order (same bills, channel and key).

type ctxKey int

const sessionCtx ctxKey = 0

// sessionOf is the request's session, set by withPerson.
func sessionOf(r *http.Request) *identity.Session {
	s, _ := r.Context().Value(sessionCtx).(*identity.Session)
	return s
}

func withSession(ctx context.Context, s *identity.Session) context.Context {
	return context.WithValue(ctx, sessionCtx, s)
}

// confirmFaceCookie carries the order form through the face check, which
// sends the person back to confirmFacePath.
const (
	confirmFaceCookie = "sb_confirm"
	confirmFacePath   = "/confirm/face"
)

type confirmData struct {
	Action   string        // where the forms post: /orders/confirm or /me/phone/confirm
	Reason   *apperr.Error // why: the amount and the review line
	Methods  []string
	CodeSent bool
	Bills    []string
	Channel  string
	Key      string
	Grant    string // a family member's grant, when paying for them
}

// Has reports whether the person can confirm with method m.
func (d confirmData) Has(m string) bool { return slices.Contains(d.Methods, m) }

// confirmPage shows the second-factor step for the order form in r.
func (h *handler) confirmPage(w http.ResponseWriter, r *http.Request, p *identity.Person, csrf, then string, reason, problem error, sent bool) {
	methods, err := h.Identity.ConfirmMethods(r.Context(), sessionOf(r), p)
	if err != nil {
		h.pageError(w, r, p, err)
		return
	}
	d := confirmData{Action: "/orders/confirm", Methods: methods, CodeSent: sent, Bills: r.PostForm["bill"], Channel: r.PostFormValue("channel"), Key: r.PostFormValue("key"),
		Grant: r.PostFormValue("grant")}
	if then == "phone" {
		d.Action = phoneConfirmPath
	}
	d.Reason, _ = apperr.As(reason)
	pg := page{Title: "title.confirm", Person: p, CSRF: csrf, Step: 3, Data: d}
	status := http.StatusForbidden // the payment was refused, for now
	if then == "phone" {
		status = http.StatusOK // a step of the phone page
	}
	if problem != nil {
		pg.Error = safe(problem)
		status = statusFor(problem)
	}
	h.render(w, r, status, "confirm", pg)
}

// isConfirmRequired tells a payment refused for want of a second factor.
func isConfirmRequired(err error) bool {
	e, ok := apperr.As(err)
	return ok && e.Code == payment.ErrConfirmCode
}

// confirmOrder takes the second factor, then creates the order.
func (h *handler) confirmOrder(w http.ResponseWriter, r *http.Request, p *identity.Person, csrf string) {
	h.takeConfirmation(w, r, p, csrf, "order", h.createOrder)
}

// takeConfirmation takes the second factor the form gives (or starts the
// face check, or sends the SMS code), then runs next; then names next for
// the return from the face check.
func (h *handler) takeConfirmation(w http.ResponseWriter, r *http.Request, p *identity.Person, csrf, then string, next personHandler) {
	reason := h.confirmReason(then)
	switch r.PostFormValue("action") {
	case "send":
		err := h.Identity.SendConfirmCode(r.Context(), sessionOf(r), p)
		h.confirmPage(w, r, p, csrf, then, reason, err, err == nil)
		return
	case "face":
		id, link, err := h.Identity.StartConfirmFace(r.Context(), p, confirmFacePath)
		if err != nil {
			h.confirmPage(w, r, p, csrf, then, reason, err, false)
			return
		}
		form := url.Values{"bill": r.PostForm["bill"], "channel": {r.PostFormValue("channel")}, "key": {r.PostFormValue("key")},
			"grant": {r.PostFormValue("grant")}, "session_id": {id}, "then": {then}}
		http.SetCookie(w, &http.Cookie{Name: confirmFaceCookie, Value: form.Encode(), Path: confirmFacePath, HttpOnly: true,
			Secure: h.Secure, SameSite: http.SameSiteLaxMode, MaxAge: 600})
		if h.FaceBaseURL != "" && len(link) > 0 && link[0] == '/' {
			link = h.FaceBaseURL + link
		}
		http.Redirect(w, r, link, http.StatusSeeOther)
		return
	}
	method := r.PostFormValue("method")
	secret := r.PostFormValue("code")
	if method == identity.ConfirmPIN {
		secret = r.PostFormValue("pin")
	}
	if _, err := h.Identity.Confirm(r.Context(), sessionOf(r), p, method, secret); err != nil {
		h.confirmPage(w, r, p, csrf, then, reason, err, method == identity.ConfirmSMS)
		return
	}
	next(w, r, p, csrf)
}

// confirmFaceDone finishes a face confirmation when the liveness service
// sends the person back, and creates the order the form held.
func (h *handler) confirmFaceDone(w http.ResponseWriter, r *http.Request, p *identity.Person, csrf string) {
	c, err := r.Cookie(confirmFaceCookie)
	http.SetCookie(w, &http.Cookie{Name: confirmFaceCookie, Path: confirmFacePath, MaxAge: -1, HttpOnly: true, Secure: h.Secure, SameSite: http.SameSiteLaxMode})
	if err != nil {
		http.Redirect(w, r, "/me", http.StatusSeeOther)
		return
	}
	form, err := url.ParseQuery(c.Value)
	if err != nil {
		http.Redirect(w, r, "/me", http.StatusSeeOther)
		return
	}
	r.PostForm = form
	if _, err := h.Identity.Confirm(r.Context(), sessionOf(r), p, identity.ConfirmFace, form.Get("session_id")); err != nil {
		h.confirmPage(w, r, p, csrf, form.Get("then"), h.confirmReason(form.Get("then")), err, false)
		return
	}
	if form.Get("then") == "phone" {
		http.Redirect(w, r, "/me/phone", http.StatusSeeOther)
		return
	}
	h.createOrder(w, r, p, csrf)
}

// confirmReason says why the step asks for a second factor.
func (h *handler) confirmReason(then string) error {
	key := "confirm.lead"
	if then == "phone" {
		key = "confirm.phone.lead"
	}
	return apperr.New(apperr.Forbidden, payment.ErrConfirmCode, h.tpl.cats[langZH].must(key), h.tpl.cats[langEN].must(key))
}
