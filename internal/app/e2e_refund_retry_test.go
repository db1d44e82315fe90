package app_test

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/shebao-project/shebao/internal/app"
	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/risk"
)

// TestE2ERefundClosedRetried drives a failed refund end to end: a held
// payment refunded by an operator, the refund CLOSED by WeChat Pay (the
// sandbox's refund_statuses fault), listed as failed, retried by an
// operator under a new out_refund_no, and refunded; the person's order
// says so and `shebao audit` is clean.
func TestE2ERefundClosedRetried(t *testing.T) {
	t.Parallel()
	e := startClockedAppWith(t, &shiftClock{}, riskOptions(func(r *risk.Rules) { r.LargeFen = 10_000 }))
	token, _ := e.login(t, "13800000002")
	o := e.order(t, token, "closed-1", ids(e.bills(t, token)))
	if got := e.cashier(t, o.Pay.PrepayID, "success"); got != "success" {
		t.Fatalf("cashier: %s", got)
	}
	e.waitState(t, token, o.ID, "held")
	e.raw(t, http.MethodPost, "/sandbox/wechatpay/control/faults", nil,
		map[string]any{"refund_statuses": []string{"CLOSED"}}).want(t, http.StatusOK)
	pay := e.run.App.Payments
	if _, err := pay.RefundHold(t.Context(), o.ID, "op_reviewer", "not the person's own doing"); err != nil {
		t.Fatal(err)
	}
	// The refund job learns that WeChat Pay closed the refund: it is
	// failed, and only then can an operator retry it.
	var oldNo, newNo string
	eventually(t, "the closed refund to be retried", func() bool {
		res, err := pay.RetryRefund(t.Context(), o.ID, "op_reviewer", "WeChat Pay closed the refund")
		var ae *apperr.Error
		if errors.As(err, &ae) && ae.Code == "refund_not_failed" {
			return false
		}
		if err != nil {
			t.Fatalf("retry: %v", err)
		}
		oldNo, newNo = res.OldOutRefundNo, res.OutRefundNo
		return true
	})
	if oldNo == "" || newNo == "" || oldNo == newNo {
		t.Fatalf("retry used out_refund_no %q after %q", newNo, oldNo)
	}
	got := e.waitState(t, token, o.ID, "refunded")
	retried := false
	for _, ev := range got.Events {
		retried = retried || strings.Contains(ev.Reason, newNo)
	}
	if !retried {
		t.Fatalf("the order's events do not show the retry under %s: %+v", newNo, got.Events)
	}
	if _, err := pay.RetryRefund(t.Context(), o.ID, "op_reviewer", "again"); err == nil {
		t.Fatal("a refund that succeeded was retried")
	}
	var out bytes.Buffer
	if code := app.Main([]string{"audit", "--data", e.DataDir, "--db", e.DB, "--sandbox-url", e.URL}, nil, &out, &out); code != 0 {
		t.Fatalf("audit after a closed refund retried (exit %d):\n%s", code, out.String())
	}
}
