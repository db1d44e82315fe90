package payment_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/payment"
)

// failedCardExcess races a WeChat Pay repayment with the card bank's debit
// as TestCardExcessRefund does, with the card's refund closed by the bank:
// the excess is left failed, owed back.
func failedCardExcess(t *testing.T, card *raceCard) (*harness, payment.CardExcess) {
	t.Helper()
	h, res := overdueHarness(t, card)
	rp, err := h.svc.CreateRepayment(h.ctx, h.person, payment.RepayRequest{Channel: "wechatpay", IdempotencyKey: "repay-1"})
	if err != nil {
		t.Fatal(err)
	}
	card.mu.Lock()
	card.paying = true
	card.beforeAnswer = func() {
		n := h.forgedNotification(t, rp.Repayment.OutTradeNo, int64(res.Order.AmountFen), false)
		if err := h.svc.HandleNotification(h.ctx, "wechatpay", n); err != nil {
			t.Error(err)
		}
	}
	card.mu.Unlock()
	if _, err := h.svc.RepayOverdue(h.ctx, h.person); err != nil {
		t.Fatal(err)
	}
	settleCardRefunds(t, h)
	x := cardExcessOf(t, h)
	if x.RefundStatus != "failed" || x.Attempt != 1 {
		t.Fatalf("card excess %+v, want its refund failed at attempt 1", x)
	}
	wantBooks(t, h, -int64(x.AmountFen))
	return h, x
}

// settleCardRefunds runs the refund job until the bank's answer is final.
func settleCardRefunds(t *testing.T, h *harness) {
	t.Helper()
	for range 3 {
		h.drain(t)
		h.clock.Advance(time.Hour)
	}
	h.drain(t)
}

func cardExcessOf(t *testing.T, h *harness) payment.CardExcess {
	t.Helper()
	xs, err := h.db.Credits().CardExcessesForPerson(h.ctx, h.person.ID)
	if err != nil || len(xs) != 1 {
		t.Fatalf("card excesses %+v, %v", xs, err)
	}
	return xs[0]
}

// TestCardExcessRefundRetry: a card excess refund the bank closed is
// retried by an operator under a new out_refund_no and returned; a retry
// is refused while the bank cannot be asked (nothing changes) and once
// the refund is no longer failed; a late success of the closed attempt
// is not booked twice but recorded as a double refund.
func TestCardExcessRefundRetry(t *testing.T) {
	card := &raceCard{final: payment.RefundClosed, refunds: map[string]payment.RefundRequest{}}
	h, x := failedCardExcess(t, card)
	first := x.OutRefundNo

	card.mu.Lock()
	card.queryErr = errors.New("bank busy")
	card.mu.Unlock()
	_, err := h.svc.RetryCardExcessRefund(h.ctx, x.TradeNo, "operator ops1", "银行已恢复")
	wantCode(t, err, apperr.Unavailable, "card_refund_query_failed")
	if got := cardExcessOf(t, h); got != x {
		t.Fatalf("after a refused retry %+v, want unchanged %+v", got, x)
	}

	card.mu.Lock()
	card.queryErr = nil
	card.finals = map[string]string{first: payment.RefundClosed}
	card.final = payment.RefundSuccess
	card.mu.Unlock()
	res, err := h.svc.RetryCardExcessRefund(h.ctx, x.TradeNo, "operator ops1", "银行已恢复")
	want := payment.CardRefundAttemptNo(x.TradeNo, 2)
	if err != nil || res.Applied || res.Attempt != 2 || res.OldOutRefundNo != first || res.OutRefundNo != want || want != first+"-2" {
		t.Fatalf("retry: %v %+v, want attempt 2 as %s", err, res, want)
	}
	if got := cardExcessOf(t, h); got.RefundStatus != "requested" || got.OutRefundNo != want || got.Attempt != 2 {
		t.Fatalf("retried card excess %+v", got)
	}
	settleCardRefunds(t, h)
	x = cardExcessOf(t, h)
	if !x.Returned() || x.OutRefundNo != want || x.Attempt != 2 {
		t.Fatalf("card excess %+v, want returned by %s", x, want)
	}
	if nos := strings.Join(card.refundNos, " "); nos != first+" "+want {
		t.Errorf("refunds asked: %s", nos)
	}
	wantBooks(t, h, 0)

	_, err = h.svc.RetryCardExcessRefund(h.ctx, x.TradeNo, "operator ops1", "再试一次")
	wantCode(t, err, apperr.Conflict, "card_refund_not_failed")

	// The closed attempt pays out after all (the bank's word changed): the
	// ledger keeps one refund, and the order's history says it went back
	// twice.
	st := &payment.RefundStatus{OutRefundNo: first, Status: payment.RefundSuccess}
	for range 2 {
		if err := payment.ApplyCardRefund(h.svc, h.ctx, x.TradeNo, st); err != nil {
			t.Fatal(err)
		}
	}
	wantBooks(t, h, 0)
	evs, err := h.svc.Events(h.ctx, x.OrderID)
	if err != nil {
		t.Fatal(err)
	}
	twice := 0
	for _, ev := range evs {
		if ev.Reason == "card excess returned twice" {
			twice++
		}
	}
	if twice == 0 {
		t.Errorf("double refund not in the order's history: %+v", evs)
	}
}

// TestCardExcessRefundRetryApplied: the bank answers the retry's query
// that the failed attempt paid out after all: it is settled once, and no
// new attempt is made.
func TestCardExcessRefundRetryApplied(t *testing.T) {
	card := &raceCard{final: payment.RefundClosed, refunds: map[string]payment.RefundRequest{}}
	h, x := failedCardExcess(t, card)
	card.mu.Lock()
	card.final = payment.RefundSuccess
	card.mu.Unlock()
	res, err := h.svc.RetryCardExcessRefund(h.ctx, x.TradeNo, "operator ops1", "银行说已退")
	if err != nil || !res.Applied || res.OutRefundNo != "" {
		t.Fatalf("retry: %v %+v, want the failed attempt applied", err, res)
	}
	got := cardExcessOf(t, h)
	if !got.Returned() || got.OutRefundNo != x.OutRefundNo || got.Attempt != 1 {
		t.Fatalf("card excess %+v, want returned by its first attempt", got)
	}
	wantBooks(t, h, 0)
	settleCardRefunds(t, h)
	if len(card.refundNos) != 1 {
		t.Errorf("refunds asked: %v", card.refundNos)
	}
	wantBooks(t, h, 0)
}

// TestCardExcessRefundRetryConcurrent: two operators retry at once: one
// new attempt, the other is told the refund is no longer failed.
func TestCardExcessRefundRetryConcurrent(t *testing.T) {
	card := &raceCard{final: payment.RefundClosed, refunds: map[string]payment.RefundRequest{}}
	h, x := failedCardExcess(t, card)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = h.svc.RetryCardExcessRefund(h.ctx, x.TradeNo, "operator ops1", "银行已恢复")
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else {
			wantCode(t, err, apperr.Conflict, "card_refund_not_failed")
		}
	}
	got := cardExcessOf(t, h)
	if ok != 1 || got.Attempt != 2 || got.Version != x.Version+1 {
		t.Fatalf("%d retries made, card excess %+v", ok, got)
	}
}

// TestCardRefundAttemptNo: each attempt's number names its debit, which
// is how the bank's word on any attempt finds its card excess.
func TestCardRefundAttemptNo(t *testing.T) {
	const trade = "CP20261127212609PK9P658UKY03"
	for _, tt := range []struct {
		attempt int
		want    string
	}{
		{1, "RC20261127212609PK9P658UKY03"},
		{2, "RC20261127212609PK9P658UKY03-2"},
		{12, "RC20261127212609PK9P658UKY03-12"},
	} {
		no := payment.CardRefundAttemptNo(trade, tt.attempt)
		if no != tt.want || len(no) > 64 || payment.CardRefundTradeNo(no) != trade {
			t.Errorf("attempt %d: %s (debit %s), want %s", tt.attempt, no, payment.CardRefundTradeNo(no), tt.want)
		}
	}
}

// TestCardExcessRefundEarlierAttemptPaid: after a retry, before its new
// attempt is sent, the bank reports that the closed attempt paid out
// after all: the excess is returned by it, booked once, and the new
// attempt is never sent; were it to pay out too, that is recorded as a
// double refund and still booked once.
func TestCardExcessRefundEarlierAttemptPaid(t *testing.T) {
	card := &raceCard{final: payment.RefundClosed, refunds: map[string]payment.RefundRequest{}}
	h, x := failedCardExcess(t, card)
	first := x.OutRefundNo
	res, err := h.svc.RetryCardExcessRefund(h.ctx, x.TradeNo, "operator ops1", "银行已恢复")
	if err != nil || res.Attempt != 2 {
		t.Fatalf("retry: %v %+v", err, res)
	}
	if err := payment.ApplyCardRefund(h.svc, h.ctx, x.TradeNo, &payment.RefundStatus{OutRefundNo: first, Status: payment.RefundSuccess}); err != nil {
		t.Fatal(err)
	}
	x = cardExcessOf(t, h)
	if !x.Returned() || x.OutRefundNo != first || x.Attempt != 2 {
		t.Fatalf("card excess %+v, want returned by %s", x, first)
	}
	wantBooks(t, h, 0)
	settleCardRefunds(t, h)
	if len(card.refundNos) != 1 {
		t.Errorf("refunds asked: %v, want only the first", card.refundNos)
	}
	second := &payment.RefundStatus{OutRefundNo: res.OutRefundNo, Status: payment.RefundSuccess}
	if err := payment.ApplyCardRefund(h.svc, h.ctx, x.TradeNo, second); err != nil {
		t.Fatal(err)
	}
	wantBooks(t, h, 0)
	evs, err := h.svc.Events(h.ctx, x.OrderID)
	if err != nil {
		t.Fatal(err)
	}
	if ev := evs[len(evs)-1]; ev.Reason != "card excess returned twice" || !strings.Contains(ev.Detail, res.OutRefundNo) {
		t.Errorf("last event %+v, want the double refund", ev)
	}
	unknown := &payment.RefundStatus{OutRefundNo: payment.CardRefundAttemptNo(x.TradeNo, 3), Status: payment.RefundSuccess}
	if err := payment.ApplyCardRefund(h.svc, h.ctx, x.TradeNo, unknown); err == nil {
		t.Error("a refund number never given is applied")
	}
}
