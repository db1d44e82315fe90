package web

import (
	"net/http"

	"github.com/shebao-project/shebao/internal/apperr"
)

type loginData struct {
	Phone     string
	Region    string
	OutboxURL string // demo only: where the sandbox shows the SMS
}

func (h *handler) loginPage(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "login", page{Title: "实名认证", Data: loginData{Region: r.URL.Query().Get("region")}})
}

// sendCode sends the SMS code and shows the form to enter it.
func (h *handler) sendCode(w http.ResponseWriter, r *http.Request) {
	phone := r.PostFormValue("phone")
	if err := h.Identity.SendSMSCode(r.Context(), phone); err != nil {
		e, _ := apperr.As(err)
		if e != nil && e.Code == "sms_too_soon" {
			// A code is already on its way: let the person enter it.
			h.render(w, r, http.StatusOK, "code", page{Title: "输入验证码", Error: e, Data: h.loginData(phone)})
			return
		}
		h.render(w, r, statusFor(err), "login", page{Title: "实名认证", Error: safe(err), Data: loginData{Phone: phone}})
		return
	}
	h.render(w, r, http.StatusOK, "code", page{Title: "输入验证码", Data: h.loginData(phone)})
}

func (h *handler) loginData(phone string) loginData {
	d := loginData{Phone: phone}
	if h.Demo {
		d.OutboxURL = "/sandbox/sms?phone=" + phone
	}
	return d
}

func (h *handler) login(w http.ResponseWriter, r *http.Request) {
	phone, code := r.PostFormValue("phone"), r.PostFormValue("code")
	token, _, err := h.Identity.LoginSMS(r.Context(), phone, code)
	if err != nil {
		h.render(w, r, statusFor(err), "code", page{Title: "输入验证码", Error: safe(err), Data: h.loginData(phone)})
		return
	}
	h.setSession(w, token)
	http.Redirect(w, r, "/me", http.StatusSeeOther)
}

func safe(err error) *apperr.Error {
	if e, ok := apperr.As(err); ok {
		return e
	}
	return apperr.InternalError(err)
}

func statusFor(err error) int {
	switch safe(err).Kind {
	case apperr.Invalid:
		return http.StatusBadRequest
	case apperr.Unauthorized:
		return http.StatusUnauthorized
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.RateLimited:
		return http.StatusTooManyRequests
	case apperr.Unavailable:
		return http.StatusServiceUnavailable
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.Refused:
		return http.StatusUnprocessableEntity
	}
	return http.StatusInternalServerError
}
