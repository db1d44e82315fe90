package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/payment"
)

// Second factor for sensitive steps: a payment above the review line and a
// phone change answer 403 second_factor_required with the methods allowed;
// the client confirms here and repeats the request (same Idempotency-Key).

// withConfirmMethods adds to a payment's second_factor_required refusal the
// methods this payer can confirm with.
func (h *handler) withConfirmMethods(r *http.Request, p *identity.Person, err error) error {
	e, ok := apperr.As(err)
	if !ok || e.Code != payment.ErrConfirmCode {
		return err
	}
	methods, merr := h.Identity.ConfirmMethods(r.Context(), session(r), p)
	if merr != nil {
		return merr
	}
	out := *e
	out.Allowed = methods
	return &out
}

func (h *handler) confirmations(w http.ResponseWriter, r *http.Request, p *identity.Person) {
	sess := session(r)
	methods, err := h.Identity.ConfirmMethods(r.Context(), sess, p)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	until := h.Identity.ConfirmedUntil(sess)
	body := map[string]any{"methods": methods, "confirmed": !until.IsZero()}
	if !until.IsZero() {
		body["confirmed_until"] = until.Format(time.RFC3339)
	}
	writeJSON(w, http.StatusOK, body)
}

func (h *handler) confirm(w http.ResponseWriter, r *http.Request, p *identity.Person) {
	var req struct {
		Method    string `json:"method"`
		PIN       string `json:"pin"`
		Code      string `json:"code"`
		SessionID string `json:"session_id"`
	}
	if err := decode(w, r, &req); err != nil {
		h.writeError(w, r, err)
		return
	}
	secret := req.Code
	switch req.Method {
	case identity.ConfirmPIN:
		secret = req.PIN
	case identity.ConfirmFace:
		secret = req.SessionID
	}
	until, err := h.Identity.Confirm(r.Context(), session(r), p, req.Method, secret)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"method": req.Method, "confirmed_until": until.Format(time.RFC3339)})
}

func (h *handler) sendConfirmCode(w http.ResponseWriter, r *http.Request, p *identity.Person) {
	if err := h.Identity.SendConfirmCode(r.Context(), session(r), p); err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"sent": true, "expires_in_seconds": 300})
}

func (h *handler) sendPhoneCode(w http.ResponseWriter, r *http.Request, p *identity.Person) {
	var req struct {
		Phone string `json:"phone"`
	}
	if err := decode(w, r, &req); err != nil {
		h.writeError(w, r, err)
		return
	}
	if err := h.Identity.SendPhoneChangeCode(r.Context(), session(r), p, req.Phone); err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"sent": true, "expires_in_seconds": 300})
}

func (h *handler) changePhone(w http.ResponseWriter, r *http.Request, p *identity.Person) {
	var req struct {
		Phone string `json:"phone"`
		Code  string `json:"code"`
	}
	if err := decode(w, r, &req); err != nil {
		h.writeError(w, r, err)
		return
	}
	if err := h.Identity.ChangePhone(r.Context(), session(r), p, req.Phone, req.Code); err != nil {
		h.writeError(w, r, err)
		return
	}
	v, err := h.personJSON(r.Context(), p)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// startConfirmFace opens a liveness check of the signed-in person; after
// it, POST /api/v1/me/confirmations {"method":"face","session_id":…}.
func (h *handler) startConfirmFace(w http.ResponseWriter, r *http.Request, p *identity.Person) {
	var req struct {
		ReturnURL string `json:"return_url"`
	}
	if err := decode(w, r, &req); err != nil {
		h.writeError(w, r, err)
		return
	}
	id, url, err := h.Identity.StartConfirmFace(r.Context(), p, req.ReturnURL)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if strings.HasPrefix(url, "/") {
		url = h.FaceBaseURL + url
	}
	writeJSON(w, http.StatusCreated, map[string]string{"session_id": id, "url": url})
}
