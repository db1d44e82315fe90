package app_test

import (
	"net/http"
	"testing"

	"github.com/shebao-project/shebao/internal/app"
	"github.com/shebao-project/shebao/internal/risk"
)

// riskOptions are the default risk rules with a change for one test.
func riskOptions(change func(*risk.Rules)) app.Options {
	r := risk.Default()
	change(&r)
	return app.Options{Risk: &r}
}

// TestE2ECreditSecondFactor: a credit order above the confirmation line
// needs the second factor like any payment; the same key then goes through.
func TestE2ECreditSecondFactor(t *testing.T) {
	t.Parallel()
	clock := &shiftClock{}
	e := startClockedAppWith(t, clock, riskOptions(func(r *risk.Rules) { r.ConfirmFen = 10_000 }))
	token, _ := e.login(t, hzPhone)
	e.call(t, http.MethodPost, "/api/v1/me/credit/agreement", token, nil, nil).want(t, http.StatusOK)
	bs := e.bills(t, token)
	create := func() resp {
		return e.call(t, http.MethodPost, "/api/v1/orders", token, keyHeader("credit-2f"),
			map[string]any{"bill_ids": ids(bs), "channel": "credit_pay"})
	}
	wantError(t, create(), http.StatusForbidden, "second_factor_required", "")
	if st := e.credit(t, token); len(st.Credits) != 0 || st.OwedFen != 0 {
		t.Fatalf("a refused credit order left a credit: %+v", st)
	}
	e.call(t, http.MethodPost, "/api/v1/auth/sms-codes", "", nil, map[string]string{"phone": hzPhone}).want(t, http.StatusAccepted)
	e.call(t, http.MethodPut, "/api/v1/me/ecard-pin", token, nil, map[string]string{"pin": "246810", "code": e.smsCode(t, hzPhone)}).want(t, http.StatusNoContent)
	e.call(t, http.MethodPost, "/api/v1/me/confirmations", token, nil, map[string]string{"method": "ecard_password", "pin": "246810"}).want(t, http.StatusCreated)
	var o order
	create().want(t, http.StatusCreated).json(t, &o)
	e.waitState(t, token, o.ID, "credited")
}

// TestE2ECreditHeld: a credit order the risk rules flag is held before
// posting; refunded by an operator, the credit is cancelled (nothing to
// collect, the bill due again); the next one, released, is credited.
func TestE2ECreditHeld(t *testing.T) {
	t.Parallel()
	clock := &shiftClock{}
	e := startClockedAppWith(t, clock, riskOptions(func(r *risk.Rules) { r.LargeFen = 10_000 }))
	token, _ := e.login(t, hzPhone)
	e.call(t, http.MethodPost, "/api/v1/me/credit/agreement", token, nil, nil).want(t, http.StatusOK)
	bs := ids(e.bills(t, token))
	var o order
	e.call(t, http.MethodPost, "/api/v1/orders", token, keyHeader("held-1"),
		map[string]any{"bill_ids": bs, "channel": "credit_pay"}).want(t, http.StatusCreated).json(t, &o)
	if o.State != "held" {
		t.Fatalf("risky credit order is %s, want held", o.State)
	}
	if st := e.credit(t, token); st.Credits[0].Status != "outstanding" || st.OwedFen != o.AmountFen {
		t.Fatalf("credit of a held order: %+v", st)
	}
	pay := e.run.App.Payments
	if _, err := pay.RefundHold(t.Context(), o.ID, "op_reviewer", "not the person's own doing"); err != nil {
		t.Fatal(err)
	}
	e.waitState(t, token, o.ID, "refunded")
	st := e.credit(t, token)
	if st.Credits[0].Status != "cancelled" || st.OwedFen != 0 || st.AvailableFen != 500_000 {
		t.Fatalf("credit after the hold was refunded: %+v", st)
	}
	for _, b := range e.bills(t, token) {
		if b.Status != "due" {
			t.Fatalf("bill %s is %s after the refund, want due", b.ID, b.Status)
		}
	}

	e.call(t, http.MethodPost, "/api/v1/orders", token, keyHeader("held-2"),
		map[string]any{"bill_ids": bs, "channel": "credit_pay"}).want(t, http.StatusCreated).json(t, &o)
	if o.State != "held" {
		t.Fatalf("second risky credit order is %s, want held", o.State)
	}
	if _, err := pay.ReleaseHold(t.Context(), o.ID, "op_reviewer", "checked with the person"); err != nil {
		t.Fatal(err)
	}
	e.waitState(t, token, o.ID, "credited")
	if st := e.credit(t, token); st.OwedFen != o.AmountFen {
		t.Fatalf("credit after release: %+v", st)
	}
}
