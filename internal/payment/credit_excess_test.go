package payment_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/audit"
	"github.com/shebao-project/shebao/internal/ledger"
	"github.com/shebao-project/shebao/internal/payment"
)

// raceCard is a card bank whose debits succeed once paying is set, and
// which runs beforeAnswer inside a successful debit: the moment the
// person's WeChat Pay repayment lands while the bank is still debiting.
// Its refunds answer PROCESSING and then final.
type raceCard struct {
	emptyCard
	mu           sync.Mutex
	paying       bool
	beforeAnswer func()
	loseFirst    bool              // the first refund call is accepted but its answer lost
	final        string            // what a query says once the refund is done
	finals       map[string]string // per out_refund_no, instead of final
	queryErr     error             // what a refund query answers instead, when set
	refundNos    []string
	refunds      map[string]payment.RefundRequest
}

func (c *raceCard) Collect(ctx context.Context, r payment.CollectRequest) (*payment.CollectResult, error) {
	c.mu.Lock()
	paying, hook := c.paying, c.beforeAnswer
	c.beforeAnswer = nil
	c.mu.Unlock()
	if !paying {
		return c.emptyCard.Collect(ctx, r)
	}
	if hook != nil {
		hook()
	}
	return &payment.CollectResult{Paid: true, TransactionID: "SS" + r.OutTradeNo, At: time.Now()}, nil
}

func (c *raceCard) Refund(_ context.Context, r payment.RefundRequest) (*payment.RefundStatus, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refundNos = append(c.refundNos, r.OutRefundNo)
	if prev, ok := c.refunds[r.OutRefundNo]; ok && prev != r {
		return nil, errors.New("REFUND_CONFLICT")
	}
	c.refunds[r.OutRefundNo] = r
	if c.loseFirst {
		c.loseFirst = false
		return nil, errors.New("bank did not answer")
	}
	return &payment.RefundStatus{OutRefundNo: r.OutRefundNo, RefundID: "SSR1", Status: payment.RefundProcessing}, nil
}

func (c *raceCard) QueryRefund(_ context.Context, no string) (*payment.RefundStatus, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.queryErr != nil {
		return nil, c.queryErr
	}
	if _, ok := c.refunds[no]; !ok {
		return nil, payment.ErrRefundNotFound
	}
	if st, ok := c.finals[no]; ok {
		return &payment.RefundStatus{OutRefundNo: no, RefundID: "SSR-" + no, Status: st}, nil
	}
	return &payment.RefundStatus{OutRefundNo: no, RefundID: "SSR-" + no, Status: c.final}, nil
}

// TestCardExcessRefund: the card bank's debit of an overdue credit goes
// through just after the person repaid it with WeChat Pay. The card's
// money is owed back and refunded by itself under one out_refund_no, also
// when the bank's first answer is lost; a refund the bank closes stays
// owed back and is listed for operators. The audit is clean throughout.
func TestCardExcessRefund(t *testing.T) {
	for _, tt := range []struct {
		name      string
		loseFirst bool
		final     string
		want      string
	}{
		{"refunded", false, payment.RefundSuccess, "succeeded"},
		{"first answer lost", true, payment.RefundSuccess, "succeeded"},
		{"closed by the bank", false, payment.RefundClosed, "failed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			card := &raceCard{loseFirst: tt.loseFirst, final: tt.final, refunds: map[string]payment.RefundRequest{}}
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
			amount := res.Order.AmountFen
			wantBooks(t, h, -int64(amount))
			for range 3 { // the refund, a backoff after a lost answer, the query
				h.drain(t)
				h.clock.Advance(time.Hour)
			}
			h.drain(t)
			xs, err := h.db.Credits().CardExcessesForPerson(h.ctx, h.person.ID)
			if err != nil || len(xs) != 1 {
				t.Fatalf("card excesses %+v, %v", xs, err)
			}
			x := xs[0]
			if x.RefundStatus != tt.want || x.AmountFen != amount || x.OrderID != res.Order.ID || x.OutRefundNo[:2] != "RC" {
				t.Fatalf("card excess %+v, want %s of %d fen", x, tt.want, amount)
			}
			for _, no := range card.refundNos {
				if no != x.OutRefundNo {
					t.Errorf("refund asked as %s, stored %s", no, x.OutRefundNo)
				}
			}
			if r := card.refunds[x.OutRefundNo]; r.OutTradeNo != x.TradeNo || r.AmountFen != amount || r.TotalFen != amount {
				t.Errorf("refund request %+v for debit %s of %d fen", r, x.TradeNo, amount)
			}
			open, err := h.db.Credits().CardExcessesOpen(h.ctx, 10)
			if err != nil {
				t.Fatal(err)
			}
			if x.Returned() {
				wantBooks(t, h, 0)
				if len(open) != 0 {
					t.Errorf("returned excess still listed for operators: %+v", open)
				}
			} else {
				wantBooks(t, h, -int64(amount))
				if len(open) != 1 || open[0].TradeNo != x.TradeNo {
					t.Errorf("failed refund not listed for operators: %+v", open)
				}
			}
			// Its refund's success notification (again, as the bank
			// retries; or late, after the bank had shown it closed): it is
			// returned, and booked once.
			st := &payment.RefundStatus{OutRefundNo: x.OutRefundNo, Status: payment.RefundSuccess}
			for range 2 {
				if err := payment.ApplyCardRefund(h.svc, h.ctx, x.TradeNo, st); err != nil {
					t.Fatal(err)
				}
			}
			wantBooks(t, h, 0)
		})
	}
}

// wantBooks checks the refund payable account and a clean audit.
func wantBooks(t *testing.T, h *harness, refundPayable int64) {
	t.Helper()
	bal, err := h.db.Balances(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if bal[ledger.RefundPayable] != refundPayable || bal[ledger.CreditReceivable] != 0 {
		t.Errorf("balances %v: want refund payable %d and nothing receivable", bal, refundPayable)
	}
	if rep, err := audit.Run(h.ctx, h.db); err != nil || !rep.OK() {
		t.Errorf("audit: %v %v", err, rep.Problems)
	}
}
