package web

import (
	"net/http"

	"github.com/shebao-project/shebao/internal/identity"
)

// Changing the phone number in the pages: first a second factor (the
// confirmation step), then a code sent to the new number, then done. The
// old number is told by SMS (identity.ChangePhone).

const phoneConfirmPath = "/me/phone/confirm"

type phoneData struct {
	NewPhone string // the number a code was sent to, while it is awaited
	Changed  bool
}

func (h *handler) phonePage(w http.ResponseWriter, r *http.Request, p *identity.Person, csrf string) {
	if !h.Identity.Confirmed(sessionOf(r)) {
		h.confirmPage(w, r, p, csrf, "phone", h.confirmReason("phone"), nil, false)
		return
	}
	h.render(w, r, http.StatusOK, "phone", page{Title: "title.phone", Person: p, CSRF: csrf, Nav: "me",
		Data: phoneData{Changed: r.URL.Query().Get("changed") == "1"}})
}

// phoneConfirm takes the second factor, then shows the phone form.
func (h *handler) phoneConfirm(w http.ResponseWriter, r *http.Request, p *identity.Person, csrf string) {
	h.takeConfirmation(w, r, p, csrf, "phone", func(w http.ResponseWriter, r *http.Request, _ *identity.Person, _ string) {
		http.Redirect(w, r, "/me/phone", http.StatusSeeOther)
	})
}

// phoneCode sends a code to the new number.
func (h *handler) phoneCode(w http.ResponseWriter, r *http.Request, p *identity.Person, csrf string) {
	phone := r.PostFormValue("phone")
	if err := h.Identity.SendPhoneChangeCode(r.Context(), sessionOf(r), p, phone); err != nil {
		h.phoneError(w, r, p, csrf, err, "")
		return
	}
	h.render(w, r, http.StatusOK, "phone", page{Title: "title.phone", Person: p, CSRF: csrf, Nav: "me", Data: phoneData{NewPhone: phone}})
}

// changePhone checks the new number's code and makes the change.
func (h *handler) changePhone(w http.ResponseWriter, r *http.Request, p *identity.Person, csrf string) {
	phone := r.PostFormValue("phone")
	if err := h.Identity.ChangePhone(r.Context(), sessionOf(r), p, phone, r.PostFormValue("code")); err != nil {
		h.phoneError(w, r, p, csrf, err, phone)
		return
	}
	http.Redirect(w, r, "/me/phone?changed=1", http.StatusSeeOther)
}

// phoneError shows the form again with what went wrong; a lapsed
// confirmation goes back to the confirmation step.
func (h *handler) phoneError(w http.ResponseWriter, r *http.Request, p *identity.Person, csrf string, err error, awaiting string) {
	if !h.Identity.Confirmed(sessionOf(r)) {
		h.confirmPage(w, r, p, csrf, "phone", h.confirmReason("phone"), nil, false)
		return
	}
	h.render(w, r, statusFor(err), "phone", page{Title: "title.phone", Person: p, CSRF: csrf, Nav: "me", Error: safe(err),
		Data: phoneData{NewPhone: awaiting}})
}
