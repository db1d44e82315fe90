package app_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/payment"
)

// TestE2EConcurrentOrdersUnderFaults pays many orders at once while the
// sandbox duplicates and reorders every notification, then checks that each
// was credited exactly once, the books balance (`shebao audit`, run when the
// server stops) and the day's trade bill reconciles without a difference.
func TestE2EConcurrentOrdersUnderFaults(t *testing.T) {
	e := startApp(t)
	e.raw(t, http.MethodPost, "/sandbox/wechatpay/control/faults", http.Header{"Sec-Fetch-Site": {"same-origin"}},
		map[string]any{"duplicate_notifications": 2, "reorder": true}).want(t, http.StatusOK)

	const n = 24
	app := e.run.App
	phones := make([]string, n)
	for i := range phones {
		first17 := fmt.Sprintf("1101051990%02d%02d123", i%12+1, i%28+1)
		check, _ := identity.IDCheckDigit(first17)
		phones[i] = fmt.Sprintf("1390000%04d", i)
		p, err := app.Identity.Register(t.Context(), identity.NewPerson{ID: fmt.Sprintf("per_load%03d", i), Region: "110000",
			Type: identity.Flexible, Name: "测试", IDNumber: first17 + string(check), Phone: phones[i], OpenID: fmt.Sprintf("oSBload%021d", i)})
		if err != nil {
			t.Fatal(err)
		}
		for _, ins := range []string{"110", "310"} {
			if err := app.Identity.Enrol(t.Context(), identity.Enrolment{PersonID: p.ID, Insurance: ins, Status: "active", Since: "2026-01", Base: "floor"}); err != nil {
				t.Fatal(err)
			}
		}
		es, _ := app.Identity.Enrolments(t.Context(), p.ID)
		if err := app.Billing.EnsureCurrent(t.Context(), p, es); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("pay", func(t *testing.T) {
		for i, phone := range phones {
			t.Run(phone, func(t *testing.T) {
				t.Parallel()
				token, _ := e.login(t, phone)
				bs := e.bills(t, token)
				o := e.order(t, token, fmt.Sprintf("load-%d", i), ids(bs))
				o = e.payOrder(t, token, o)
				if got := countTo(o, "paid"); got != 1 {
					t.Errorf("order %s went to paid %d times", o.ID, got)
				}
				if vs := e.vouchers(t, token, o.ID); len(vs) != 3 {
					t.Errorf("order %s has %d vouchers", o.ID, len(vs))
				}
			})
		}
	})
	today := time.Now().In(payment.Beijing()).Format("2006-01-02")
	diffs, err := app.Payments.Reconcile(t.Context(), "wechatpay", today)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		t.Errorf("reconciliation difference: %+v", d)
	}
}
