package payment_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/payment"
)

// creditRules offer credit pay beside WeChat Pay, on terms where the first
// refused collection makes the credit overdue.
type creditRules struct{ rules }

func (creditRules) ChannelAllowed(_, channel string, _ time.Time) bool {
	return channel == "wechatpay" || channel == payment.CreditChannel
}

func (creditRules) CreditTerms(string, time.Time) (payment.CreditTerms, bool) {
	return payment.CreditTerms{LimitFen: 500_000, RepayDay: 15}, true
}

// emptyCard is a card bank whose account never covers a debit.
type emptyCard struct{}

func (emptyCard) Channel() string                                       { return "ssc_account" }
func (emptyCard) Mandate(context.Context, payment.MandateRequest) error { return nil }
func (emptyCard) Collect(context.Context, payment.CollectRequest) (*payment.CollectResult, error) {
	return &payment.CollectResult{FailCode: "INSUFFICIENT_BALANCE"}, nil
}
func (emptyCard) Refund(context.Context, payment.RefundRequest) (*payment.RefundStatus, error) {
	return nil, payment.ErrProviderNotFound // nothing was ever debited
}
func (emptyCard) QueryRefund(context.Context, string) (*payment.RefundStatus, error) {
	return nil, payment.ErrRefundNotFound
}

func withCredit(d *payment.Deps) {
	d.Rules, d.CreditRules, d.Collector = creditRules{}, creditRules{}, emptyCard{}
	d.Credits = d.Store.(hookedStore).h.db.Credits()
}

// overdueHarness is a harness whose person paid both bills by credit and
// whose card refused the collection: the credit is overdue. The card bank
// is emptyCard, or card if given.
func overdueHarness(t *testing.T, card ...payment.Collector) (*harness, *payment.OrderWithPay) {
	t.Helper()
	h := newHarness(t, withCredit, func(d *payment.Deps) {
		if len(card) > 0 {
			d.Collector = card[0]
		}
	})
	if _, err := h.svc.SignCreditAgreement(h.ctx, h.person); err != nil {
		t.Fatal(err)
	}
	res, err := h.svc.CreateOrder(h.ctx, h.person, payment.CreateOrderRequest{BillIDs: []string{h.pension, h.medical},
		Channel: payment.CreditChannel, IdempotencyKey: "credit-1"})
	if err != nil {
		t.Fatal(err)
	}
	h.drain(t)
	h.clock.Advance(payment.RepayDue(h.clock.Now(), 15).Sub(h.clock.Now()))
	h.drain(t)
	st, err := h.svc.CreditStatusFor(h.ctx, h.person)
	if err != nil || len(st.Credits) != 1 || st.Credits[0].Status != payment.CreditOverdue {
		t.Fatalf("credit after the refused collection: %+v, %v", st, err)
	}
	return h, res
}

// TestRepaymentExpires: a WeChat Pay repayment nobody pays is closed at
// WeChat Pay and here once it expires (the query job asks first, and
// finds it unpaid), and then cannot be paid; the credit stays overdue.
func TestRepaymentExpires(t *testing.T) {
	h, res := overdueHarness(t)
	rp, err := h.svc.CreateRepayment(h.ctx, h.person, payment.RepayRequest{Channel: "wechatpay", IdempotencyKey: "repay-1"})
	if err != nil {
		t.Fatal(err)
	}
	if rp.Pay == nil || rp.Pay.PrepayID == "" || rp.Repayment.AmountFen != res.Order.AmountFen {
		t.Fatalf("repayment %+v with pay %+v", rp.Repayment, rp.Pay)
	}
	h.clock.Advance(31 * time.Minute)
	h.drain(t)
	got, err := h.svc.RepaymentFor(h.ctx, h.person.ID, rp.Repayment.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Repayment.Status != payment.RepaymentClosed || got.Pay != nil || got.Repayment.Note != "expired unpaid" {
		t.Fatalf("expired repayment %+v", got.Repayment)
	}
	if status := h.cashier(t, rp.Pay.PrepayID, "success"); status != http.StatusBadRequest {
		t.Fatalf("paying the expired repayment at the cashier: status %d, want 400 (closed)", status)
	}
	if st, _ := h.svc.CreditStatusFor(h.ctx, h.person); st.Credits[0].Status != payment.CreditOverdue || st.Agreement.Status != payment.AgreementSuspended {
		t.Fatalf("after the repayment expired: %+v", st)
	}
	// Someone else cannot see it.
	if _, err := h.svc.RepaymentFor(h.ctx, "per_someone_else", rp.Repayment.ID); err == nil {
		t.Fatal("another person read the repayment")
	}
}

// TestRepaymentWrongAmount: a notification of a repayment for another
// amount than asked repays nothing: the credit stays overdue and all that
// arrived is owed back by a refund, with the reason; the same notification
// again changes nothing.
func TestRepaymentWrongAmount(t *testing.T) {
	h, res := overdueHarness(t)
	rp, err := h.svc.CreateRepayment(h.ctx, h.person, payment.RepayRequest{Channel: "wechatpay", IdempotencyKey: "repay-1"})
	if err != nil {
		t.Fatal(err)
	}
	paid := int64(res.Order.AmountFen) - 1
	for range 2 {
		if err := h.svc.HandleNotification(h.ctx, "wechatpay", h.forgedNotification(t, rp.Repayment.OutTradeNo, paid, false)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := h.svc.RepaymentFor(h.ctx, h.person.ID, rp.Repayment.ID)
	if err != nil {
		t.Fatal(err)
	}
	r := got.Repayment
	if r.Status != payment.RepaymentPaid || int64(r.PaidFen) != paid || r.AppliedFen != 0 || int64(r.RefundFen) != paid ||
		r.RefundStatus != "requested" || r.OutRefundNo == "" || r.Note == "" {
		t.Fatalf("repayment paid with the wrong amount: %+v", r)
	}
	if st, _ := h.svc.CreditStatusFor(h.ctx, h.person); st.Credits[0].Status != payment.CreditOverdue || st.Agreement.Status != payment.AgreementSuspended {
		t.Fatalf("credit after a wrong-amount repayment: %+v", st)
	}
}

// TestRepaymentReplacedDuringPrepay: a repayment replaced by another while
// WeChat Pay is still creating it ends closed there too, so only the new
// one can be paid.
func TestRepaymentReplacedDuringPrepay(t *testing.T) {
	h, _ := overdueHarness(t)
	entered, release := h.holdFirstPrepay()
	defer release()
	type result struct {
		rp  *payment.RepaymentWithPay
		err error
	}
	first := make(chan result, 1)
	go func() {
		rp, err := h.svc.CreateRepayment(h.ctx, h.person, payment.RepayRequest{Channel: "wechatpay", IdempotencyKey: "repay-1"})
		first <- result{rp, err}
	}()
	<-entered
	second, err := h.svc.CreateRepayment(h.ctx, h.person, payment.RepayRequest{Channel: "wechatpay", IdempotencyKey: "repay-2"})
	if err != nil {
		t.Fatal(err)
	}
	release()
	r := <-first
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.rp.Repayment.Status != payment.RepaymentClosed || r.rp.Pay != nil {
		t.Fatalf("replaced repayment %+v handed out %+v", r.rp.Repayment, r.rp.Pay)
	}
	txn, err := h.provider.Query(h.ctx, r.rp.Repayment.OutTradeNo)
	if err != nil || txn.TradeState != payment.TradeClosed {
		t.Fatalf("the replaced repayment at WeChat Pay: %+v, %v", txn, err)
	}
	h.pay(t, second.Pay.PrepayID)
	h.waitFor(t, "the new repayment to repay the credit", func() bool {
		st, err := h.svc.CreditStatusFor(h.ctx, h.person)
		return err == nil && st.Credits[0].Status == payment.CreditRepaid && st.Agreement.Status == payment.AgreementActive
	})
}
