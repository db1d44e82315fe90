package payment_test

import (
	"testing"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/payment"
)

func limited(perPayment, perDay money.Fen) func(*payment.Deps) {
	return func(d *payment.Deps) { d.Rules = rules{perPayment: perPayment, perDay: perDay} }
}

func TestLimitsOfferASplitPlan(t *testing.T) {
	// The pension and medical bills of one month must go together, so a
	// per-payment limit below their sum cannot be split: another channel.
	h := newHarness(t, limited(pensionFen, 0))
	_, err := h.create("k1", h.pension, h.medical)
	wantCode(t, err, apperr.Refused, "limit_exceeded")
	e, _ := apperr.As(err)
	if e.Allowed == nil {
		t.Fatal("refusal without the limits and plan")
	}

	// A daily limit already half used: the plan moves the payment to tomorrow.
	h = newHarness(t, limited(0, pensionFen+medicalFen+1))
	o := h.mustCreate(t, "k1", h.pension, h.medical) // uses the whole day
	if _, err := h.svc.CloseOrder(h.ctx, h.person.ID, o.Order.ID); err != nil {
		t.Fatal(err)
	}
	// A closed order no longer counts against the day.
	if _, err := h.create("k2", h.pension, h.medical); err != nil {
		t.Fatalf("after closing, the day's allowance should be free again: %v", err)
	}
	l, err := h.svc.LimitsFor(h.ctx, h.person, "wechatpay")
	if err != nil || l.UsedTodayFen != pensionFen+medicalFen {
		t.Fatalf("used today %d (%v), want %d", l.UsedTodayFen, err, pensionFen+medicalFen)
	}
}
