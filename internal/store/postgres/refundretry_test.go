package postgres_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/ledger"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/store/postgres"
)

// closedDesk is a provider whose refunds all ended CLOSED, until the test
// says one succeeded; its refund notifications carry that word.
type closedDesk struct {
	mu      sync.Mutex
	success map[string]bool
	sent    []string
}

func (d *closedDesk) status(no string) *payment.RefundStatus {
	if d.success[no] {
		return &payment.RefundStatus{OutRefundNo: no, Status: payment.RefundSuccess}
	}
	return &payment.RefundStatus{OutRefundNo: no, Status: payment.RefundClosed}
}
func (d *closedDesk) Prepay(context.Context, payment.PrepayRequest) (*payment.PayParams, error) {
	return nil, errors.New("no payments")
}
func (d *closedDesk) Query(context.Context, string) (*payment.ProviderTxn, error) {
	return nil, payment.ErrProviderNotFound
}
func (d *closedDesk) Close(context.Context, string) error { return payment.ErrProviderNotFound }
func (d *closedDesk) ParseNotification(context.Context, *http.Request) (*payment.Notification, error) {
	return nil, payment.ErrBadNotification
}
func (d *closedDesk) TradeBill(context.Context, string) ([]payment.BillRow, error) { return nil, nil }
func (d *closedDesk) Refund(_ context.Context, r payment.RefundRequest) (*payment.RefundStatus, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.sent = append(d.sent, r.OutRefundNo)
	return &payment.RefundStatus{OutRefundNo: r.OutRefundNo, Status: payment.RefundProcessing}, nil
}
func (d *closedDesk) QueryRefund(_ context.Context, no string) (*payment.RefundStatus, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.status(no), nil
}
func (d *closedDesk) ParseRefundNotification(_ context.Context, r *http.Request) (*payment.RefundStatus, string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	no := r.URL.Query().Get("out_refund_no")
	return d.status(no), "N-" + no, nil
}

// TestRefundRetryTwoServers: on PostgreSQL, operators on two app servers
// retrying one closed refund at once make one new attempt; a late success
// of the first attempt, told to both servers, settles the refund once, and
// the new attempt is never sent.
func TestRefundRetryTwoServers(t *testing.T) {
	a, b := twoServers(t)
	ctx := t.Context()
	desk := &closedDesk{success: map[string]bool{}}
	now := func() time.Time { return t0.Add(4 * time.Hour) }
	svc := func(db *postgres.DB) *payment.Service {
		return payment.NewService(payment.Deps{Store: db.Payments(), Providers: map[string]payment.Provider{"wechatpay": desk}, Now: now,
			Log: slog.New(slog.DiscardHandler)})
	}
	sa, sb := svc(a), svc(b)
	if err := a.CreatePerson(ctx, person("P1")); err != nil {
		t.Fatal(err)
	}
	o := payment.Order{ID: "O1", PersonID: "P1", PayerID: "P1", Region: "440300", Channel: "wechatpay", State: payment.Refunding,
		AmountFen: 81_968, Description: "社保缴费 2026-11", OutTradeNo: "SB2026110309300001", IdempotencyKey: "k1",
		RequestHash: []byte{1}, CreatedAt: t0, UpdatedAt: t0, ExpiresAt: t0.Add(15 * time.Minute), PaidAt: t0, Version: 1}
	first := payment.RefundAttemptNo(o.OutTradeNo, 1)
	err := a.InTx(ctx, func(tx *postgres.Tx) error {
		if err := tx.InsertOrder(ctx, o); err != nil {
			return err
		}
		if err := tx.RecordPosting(ctx, ledger.OweRefund(o.ID, o.AmountFen), t0); err != nil {
			return err
		}
		return tx.InsertRefund(ctx, payment.Refund{OutRefundNo: first, OrderID: o.ID, AmountFen: o.AmountFen, Reason: "held",
			Status: "failed", ProviderStatus: payment.RefundClosed, CreatedAt: t0, UpdatedAt: t0, Attempt: 1})
	})
	if err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := sa
			if i%2 == 1 {
				s = sb
			}
			_, errs[i] = s.RetryRefund(ctx, o.ID, "operator op", "closed")
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if e, ok := apperr.As(err); err == nil {
			won++
		} else if !ok || e.Code != "refund_not_failed" {
			t.Fatalf("concurrent retry: %v", err)
		}
	}
	r, err := a.RefundForOrder(ctx, o.ID)
	if won != 1 || err != nil || r.Attempt != 2 || r.OutRefundNo != first+"-2" || r.Status != "requested" {
		t.Fatalf("%d retries won; refund %+v %v", won, r, err)
	}

	// The first attempt succeeded after all; both servers hear it at once.
	desk.mu.Lock()
	desk.success[first] = true
	desk.mu.Unlock()
	req, _ := http.NewRequest(http.MethodPost, "/notify/refund?out_refund_no="+first, nil)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := sa
			if i%2 == 1 {
				s = sb
			}
			errs[i] = s.HandleRefundNotification(ctx, "wechatpay", req)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		// A notification that lost the race may fail: the provider sends it again.
		if err != nil {
			if err := sa.HandleRefundNotification(ctx, "wechatpay", req); err != nil {
				t.Fatalf("notification again: %v", err)
			}
		}
	}
	if got, err := a.OrderByID(ctx, o.ID); err != nil || got.State != payment.Refunded {
		t.Fatalf("order %s %v, want refunded", got.State, err)
	}
	if r, err := a.RefundForOrder(ctx, o.ID); err != nil || r.Status != "succeeded" || r.Attempt != 2 {
		t.Fatalf("refund %+v %v", r, err)
	}
	if r, err := a.RefundByOutRefundNo(ctx, first); err != nil || r.Status != "succeeded" {
		t.Fatalf("first attempt %+v %v", r, err)
	}
	bal, err := a.Balances(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if bal[ledger.RefundPayable] != 0 {
		t.Fatalf("refund_payable %d after the refund was paid once, want 0 (balances %v)", bal[ledger.RefundPayable], bal)
	}
	// The new attempt's job finds the refund settled and sends nothing.
	if err := sa.RunJob(ctx, jobs.Job{Kind: payment.JobRefund, Ref: o.ID}); err != nil {
		t.Fatal(err)
	}
	if len(desk.sent) != 0 {
		t.Fatalf("refunds sent to the provider: %v", desk.sent)
	}
}
