package web

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/policy"
)

type loginData struct {
	WeChatBind bool // first time from WeChat: sign in once to link it
	Phone      string
	Region     *policy.RegionView // the region chosen on the home page, if any
	OutboxURL  string             // demo only: where the sandbox shows the SMS
	// National offers the national government-service login: configured,
	// and the region (when one was chosen) lists it.
	National bool
}

// Methods are the region's authentication methods other than the SMS code
// this page takes, for the page to name (seed §1: 人脸识别+短信验证,
// 电子社保卡密码, 国家政务平台统一认证).
func (d loginData) Methods() []string {
	if d.Region == nil {
		return nil
	}
	return d.Region.AuthMethods
}

// Has reports whether the region offers authentication method m.
func (d loginData) Has(m string) bool { return slices.Contains(d.Methods(), m) }

// RegionCode is the chosen region's code, carried through the login forms.
func (d loginData) RegionCode() string {
	if d.Region == nil {
		return ""
	}
	return d.Region.Code
}

func (h *handler) loginPage(w http.ResponseWriter, r *http.Request) {
	d := h.loginData(r.URL.Query().Get("region"), "")
	if d.WeChatBind = h.binding(r); !d.WeChatBind && h.wechatSignIn(r) {
		http.Redirect(w, r, "/auth/wechat", http.StatusSeeOther)
		return
	}
	h.render(w, r, http.StatusOK, "login", page{Title: "title.login", Region: d.RegionCode(), Step: 1, Data: d})
}

// sendCode sends the SMS code and shows the form to enter it.
func (h *handler) sendCode(w http.ResponseWriter, r *http.Request) {
	phone := r.PostFormValue("phone")
	d := h.loginData(r.PostFormValue("region"), phone)
	back := "/login"
	if d.Region != nil {
		back += "?region=" + url.QueryEscape(d.Region.Code)
	}
	if err := h.Identity.SendSMSCode(r.Context(), phone); err != nil {
		e, _ := apperr.As(err)
		if e != nil && e.Code == "sms_too_soon" {
			// A code is already on its way: let the person enter it.
			h.render(w, r, http.StatusOK, "code", page{Title: "title.code", Region: d.RegionCode(), Step: 1, Back: back, Error: e, Data: d})
			return
		}
		h.render(w, r, statusFor(err), "login", page{Title: "title.login", Region: d.RegionCode(), Step: 1, Back: back, Error: safe(err), Data: d})
		return
	}
	h.render(w, r, http.StatusOK, "code", page{Title: "title.code", Region: d.RegionCode(), Step: 1, Back: back, Data: d})
}

// loginData describes the login forms for a region code (ignored when it is
// not a region with a policy this month) and a phone number.
func (h *handler) loginData(region, phone string) loginData {
	d := loginData{Phone: phone}
	if region != "" {
		if rv, err := h.Policy.RegionAt(region, h.month()); err == nil {
			d.Region = rv
		}
	}
	d.National = h.Identity.NationalOffered() && (d.Region == nil || d.Has("national_login"))
	if h.Demo && phone != "" {
		d.OutboxURL = "/sandbox/sms?phone=" + url.QueryEscape(phone)
	}
	return d
}

func (h *handler) login(w http.ResponseWriter, r *http.Request) {
	phone, code := r.PostFormValue("phone"), r.PostFormValue("code")
	token, p, err := h.Identity.LoginSMS(r.Context(), phone, code)
	if err != nil {
		d := h.loginData(r.PostFormValue("region"), phone)
		h.render(w, r, statusFor(err), "code", page{Title: "title.code", Region: d.RegionCode(), Step: 1, Back: "/login", Error: safe(err), Data: d})
		return
	}
	h.signedIn(w, r, token, p)
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
