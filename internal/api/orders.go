package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/payment"
)

type createOrderRequest struct {
	BillIDs []string `json:"bill_ids"`
	Channel string   `json:"channel"`
	GrantID string   `json:"grant_id,omitempty"` // pay a family member's bills under their grant
	// WeChatApp is where a WeChat Pay (JSAPI) payment is made: "miniprogram"
	// or "official_account"; by default the app the session was opened in.
	WeChatApp string `json:"wechat_app,omitempty"`
}

func (h *handler) createOrder(w http.ResponseWriter, r *http.Request, p *identity.Person) {
	var req createOrderRequest
	if err := decode(w, r, &req); err != nil {
		h.writeError(w, r, err)
		return
	}
	app, err := wechatApp(r, req.WeChatApp)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	res, err := h.Payments.CreateOrder(r.Context(), p, payment.CreateOrderRequest{
		BillIDs: req.BillIDs, Channel: req.Channel, IdempotencyKey: r.Header.Get("Idempotency-Key"), GrantID: req.GrantID, App: app,
		Confirmed: h.Identity.Confirmed(session(r)),
	})
	if err != nil {
		h.writeError(w, r, h.withConfirmMethods(r, p, err))
		return
	}
	w.Header().Set("Location", "/api/v1/orders/"+res.Order.ID)
	writeJSON(w, http.StatusCreated, orderJSON(res.Order, res.Pay, nil))
}

// wechatApp is the WeChat app a JSAPI payment is made in: as asked, or by
// default the app the session was opened in.
func wechatApp(r *http.Request, asked string) (string, error) {
	switch asked {
	case "":
		m, _ := r.Context().Value(methodKey).(string)
		return identity.AppOf(m), nil
	case identity.AppOfficialAccount, identity.AppMiniProgram:
		return asked, nil
	}
	e := apperr.New(apperr.Invalid, "wechat_app_invalid", "wechat_app 只能是 miniprogram 或 official_account。",
		"wechat_app must be miniprogram or official_account.").WithField("wechat_app")
	e.Allowed = []string{identity.AppMiniProgram, identity.AppOfficialAccount}
	return "", e
}

func (h *handler) getOrder(w http.ResponseWriter, r *http.Request, p *identity.Person) {
	o, err := h.Payments.OrderFor(r.Context(), p.ID, r.PathValue("id"))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	events, err := h.Payments.Events(r.Context(), o.ID)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	attempts, err := h.Payments.AttemptsOf(r.Context(), o)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	v := orderJSON(o, nil, events)
	v.Attempts = attemptsJSON(attempts)
	writeJSON(w, http.StatusOK, v)
}

func (h *handler) closeOrder(w http.ResponseWriter, r *http.Request, p *identity.Person) {
	o, err := h.Payments.CloseOrder(r.Context(), p.ID, r.PathValue("id"))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, orderJSON(o, nil, nil))
}

func (h *handler) orderVouchers(w http.ResponseWriter, r *http.Request, p *identity.Person) {
	vs, err := h.Payments.OrderVouchers(r.Context(), p.ID, r.PathValue("id"))
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	out := make([]voucherView, 0, len(vs))
	for _, v := range vs {
		out = append(out, h.voucherJSON(v))
	}
	writeJSON(w, http.StatusOK, map[string]any{"vouchers": out})
}

// paymentNotify answers the provider: 204 when the notification is taken
// (or was already), 4xx/5xx with WeChat's {"code":"FAIL"} shape otherwise so
// that it retries. Verification failures are logged with the reason.
func (h *handler) paymentNotify(w http.ResponseWriter, r *http.Request) {
	h.notified(w, r, h.Payments.HandleNotification)
}

func (h *handler) refundNotify(w http.ResponseWriter, r *http.Request) {
	h.notified(w, r, h.Payments.HandleRefundNotification)
}

func (h *handler) notified(w http.ResponseWriter, r *http.Request, handle func(context.Context, string, *http.Request) error) {
	// Notifications are small; the body is read before its signature can be
	// checked, so an unauthenticated sender must not make us read much.
	r.Body = http.MaxBytesReader(w, r.Body, maxNotifyBody)
	err := handle(r.Context(), r.PathValue("channel"), r)
	if err == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, payment.ErrUnknownChannel):
		status = http.StatusNotFound
	case errors.Is(err, payment.ErrBadNotification), isTooLarge(err):
		status = http.StatusUnauthorized
	}
	h.Log.WarnContext(r.Context(), "notification not accepted", "status", status, "err", err)
	writeJSON(w, status, map[string]string{"code": "FAIL", "message": "失败"})
}

// maxNotifyBody is far above any WeChat Pay notification (about 1 KiB).
const maxNotifyBody = 64 << 10

func isTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}
