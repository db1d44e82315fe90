package console_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/shebao-project/shebao/internal/console"
	"github.com/shebao-project/shebao/internal/console/consoletest"
	"github.com/shebao-project/shebao/internal/operator"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/store/sqlite"
)

// refundDesk is a provider that only knows refunds: each out_refund_no's
// status, and whether its query fails.
type refundDesk struct {
	mu       sync.Mutex
	status   map[string]string
	queryErr error
}

func (d *refundDesk) Prepay(context.Context, payment.PrepayRequest) (*payment.PayParams, error) {
	return nil, errors.New("refund desk: no payments")
}
func (d *refundDesk) Query(context.Context, string) (*payment.ProviderTxn, error) {
	return nil, payment.ErrProviderNotFound
}
func (d *refundDesk) Close(context.Context, string) error { return payment.ErrProviderNotFound }
func (d *refundDesk) ParseNotification(context.Context, *http.Request) (*payment.Notification, error) {
	return nil, payment.ErrBadNotification
}
func (d *refundDesk) ParseRefundNotification(context.Context, *http.Request) (*payment.RefundStatus, string, error) {
	return nil, "", payment.ErrBadNotification
}
func (d *refundDesk) TradeBill(context.Context, string) ([]payment.BillRow, error) { return nil, nil }
func (d *refundDesk) Refund(_ context.Context, r payment.RefundRequest) (*payment.RefundStatus, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.status[r.OutRefundNo] == "" {
		d.status[r.OutRefundNo] = payment.RefundProcessing
	}
	return &payment.RefundStatus{OutRefundNo: r.OutRefundNo, Status: d.status[r.OutRefundNo]}, nil
}
func (d *refundDesk) QueryRefund(_ context.Context, no string) (*payment.RefundStatus, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.queryErr != nil {
		return nil, d.queryErr
	}
	st, ok := d.status[no]
	if !ok {
		return nil, payment.ErrRefundNotFound
	}
	return &payment.RefundStatus{OutRefundNo: no, Status: st}, nil
}

// TestRefundRetryFlow: a failed refund is retried from the 退款 page by a
// reviewer (not by an auditor, who sees no button), under a new
// out_refund_no, audited (before it is tried) with the failed attempt's
// number and the one a retry would take; a refund not failed, or one
// the provider cannot be asked about, is not retried.
func TestRefundRetryFlow(t *testing.T) {
	w := consoletest.New(t)
	desk := &refundDesk{status: map[string]string{}}
	pay := payment.NewService(payment.Deps{Store: w.DB.Payments(), Providers: map[string]payment.Provider{"wechatpay": desk},
		Persons: w.Identity, Now: w.Clock.Now, Log: w.Log, Wake: w.Runner.Wake})
	h, err := console.NewHandler(console.Deps{Operators: w.Operators, Tickets: w.Tickets, Payments: pay, Persons: w.Identity,
		Store: w.DB.ConsoleStore(), Now: w.Clock.Now, Log: w.Log, Wake: w.Runner.Wake})
	if err != nil {
		t.Fatal(err)
	}
	p := w.Person(t, 1)
	o := w.Order(t, p, "2026-05", 90_000, payment.Held)
	if _, err := pay.RefundHold(w.Ctx, o.ID, "operator li.na", "payer did not make this payment"); err != nil {
		t.Fatal(err)
	}
	old := "RF" + o.OutTradeNo[2:]
	rev := newBrowser(t, h)
	csrf := rev.login(w, w.Operator(t, "li.na", operator.Reviewer))
	aud := newBrowser(t, h)
	audCSRF := aud.login(w, w.Operator(t, "zhao.min", operator.Auditor))
	retry := "/admin/refunds/" + o.ID + "/retry"
	form := func(csrf string) url.Values { return url.Values{"csrf": {csrf}, "reason": {"closed by WeChat Pay"}} }

	if code, body, _ := rev.post(retry, form(csrf)); code != http.StatusConflict || !strings.Contains(body, "未失败") {
		t.Fatalf("retry of a requested refund: %d", code)
	}
	fail := func(no string, attempt int) {
		t.Helper()
		err := w.DB.InTx(w.Ctx, func(tx *sqlite.Tx) error {
			r, err := tx.RefundForOrder(w.Ctx, o.ID)
			if err != nil || r.OutRefundNo != no || r.Attempt != attempt {
				t.Fatalf("refund %+v %v, want %s", r, err, no)
			}
			r.Status, r.ProviderStatus, r.UpdatedAt = "failed", payment.RefundClosed, w.Clock.Now()
			return tx.UpdateRefund(w.Ctx, r)
		})
		if err != nil {
			t.Fatal(err)
		}
		desk.mu.Lock()
		desk.status[no] = payment.RefundClosed
		desk.mu.Unlock()
	}
	fail(old, 1)

	if _, body, _ := aud.get("/admin/refunds"); !strings.Contains(body, "支付机构已关闭") || strings.Contains(body, "重新发起退款</button>") {
		t.Fatal("the auditor's page: want the provider's status and no retry button")
	}
	if code, _, _ := aud.post(retry, form(audCSRF)); code != http.StatusForbidden {
		t.Fatalf("auditor's retry: %d, want 403", code)
	}
	if _, body, _ := rev.get("/admin/refunds"); !strings.Contains(body, "重新发起退款</button>") || !strings.Contains(body, `action="`+retry+`"`) {
		t.Fatal("the reviewer's page has no retry button")
	}
	if code, _, _ := rev.post(retry, url.Values{"csrf": {csrf}}); code != http.StatusBadRequest {
		t.Fatalf("retry without a reason: %d", code)
	}
	if code, _, _ := rev.post(retry, url.Values{"csrf": {"0000"}, "reason": {"closed"}}); code != http.StatusForbidden {
		t.Fatalf("retry with a wrong CSRF token: %d", code)
	}
	if code, _, hdr := rev.post(retry, form(csrf)); code != http.StatusSeeOther || hdr.Get("Location") != "/admin/refunds?done=refund_retried" {
		t.Fatalf("retry: %d %s", code, hdr.Get("Location"))
	}
	if r, err := w.DB.RefundForOrder(w.Ctx, o.ID); err != nil || r.OutRefundNo != old+"-2" || r.Status != "requested" || r.Attempt != 2 {
		t.Fatalf("after retry: %+v %v", r, err)
	}
	if code, _, _ := rev.post(retry, form(csrf)); code != http.StatusConflict {
		t.Fatalf("second retry: %d, want 409", code)
	}

	fail(old+"-2", 2)
	_, body, _ := rev.get("/admin/refunds?done=refund_retried")
	for _, want := range []string{"已重新发起退款", old + "-2", "第2次", "此前1次尝试", "第1次 " + old} {
		if !strings.Contains(body, want) {
			t.Errorf("refunds page lacks %q", want)
		}
	}
	desk.mu.Lock()
	desk.queryErr = errors.New("503 SYSTEM_ERROR")
	desk.mu.Unlock()
	if code, body, _ := rev.post(retry, form(csrf)); code != http.StatusServiceUnavailable || !strings.Contains(body, "稍后重试") {
		t.Fatalf("retry while the provider cannot be asked: %d", code)
	}
	if r, _ := w.DB.RefundForOrder(w.Ctx, o.ID); r.Attempt != 2 || r.Status != "failed" {
		t.Fatalf("a refused retry changed the refund: %+v", r)
	}

	es, err := w.Operators.Recent(w.Ctx, 0, 20)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		if strings.HasPrefix(e.Action, "refund.") {
			got = append(got, e.Operator+" "+e.Action+" "+e.Target+" "+e.Detail)
		}
	}
	want := []string{
		"li.na refund.retry.failed " + o.ID + " refund_query_failed",
		"li.na refund.retry " + o.ID + " " + old + "-2 → " + old + "-3",
		"li.na refund.retry.failed " + o.ID + " refund_not_failed",
		"li.na refund.retry " + o.ID + " " + old + "-2 → " + old + "-3",
		"li.na refund.retry " + o.ID + " " + old + " → " + old + "-2",
		"li.na refund.retry.failed " + o.ID + " refund_not_failed",
		"li.na refund.retry " + o.ID + " " + old + " → " + old + "-2",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("audit:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if v, err := w.Operators.VerifyAudit(w.Ctx); err != nil || !v.OK {
		t.Fatalf("audit chain: %+v %v", v, err)
	}
}
