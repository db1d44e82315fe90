package payment_test

import (
	"testing"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/payment"
)

// A JSAPI payment needs the payer's openid in the app they pay in: without
// one the order is refused before anything is written, saying what to do.
func TestCreateOrderNeedsOpenIDInApp(t *testing.T) {
	h := newHarness(t)
	b := h.bill(t, h.person.ID, "110", "2026-09", 80_000)
	_, err := h.svc.CreateOrder(h.ctx, h.person, payment.CreateOrderRequest{BillIDs: []string{b}, Channel: "wechatpay",
		IdempotencyKey: "mp", App: identity.AppMiniProgram})
	if e, ok := apperr.As(err); !ok || e.Code != "wechat_not_bound" {
		t.Fatalf("mini-program order without a mini-program openid: %v, want wechat_not_bound", err)
	}
	if os, err := h.svc.Orders(h.ctx, h.person.ID, 10); err != nil || len(os) != 0 {
		t.Fatalf("orders after the refusal: %d (%v), want none", len(os), err)
	}
	// The official account's openid is there: the same bills pay in it.
	o, err := h.svc.CreateOrder(h.ctx, h.person, payment.CreateOrderRequest{BillIDs: []string{b}, Channel: "wechatpay",
		IdempotencyKey: "oa", App: identity.AppOfficialAccount})
	if err != nil || o.Pay == nil || o.Pay.PrepayID == "" {
		t.Fatalf("official-account order: %+v, %v", o, err)
	}
}
