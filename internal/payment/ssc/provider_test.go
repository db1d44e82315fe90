package ssc_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/payment"
	sscsandbox "github.com/shebao-project/shebao/internal/sandbox/ssc"
)

var ctx = context.Background()

func TestPayNotifyQuery(t *testing.T) {
	e := newEnv(t)
	pp := e.prepay("SSC-pay-1", 45678)
	if pp.PrepayID == "" || !strings.HasPrefix(pp.CashierURL, e.ts.URL+mount+"/confirm/") || strings.Contains(pp.CashierURL, "?") {
		t.Fatalf("pay params %+v", pp)
	}
	if txn := e.query("SSC-pay-1"); txn.TradeState != payment.TradeNotPay || txn.TransactionID != "" {
		t.Fatalf("before paying: %+v", txn)
	}
	if status, res := e.confirm(pp.CashierURL, "success", "123456"); status != 200 || res.Outcome != "success" {
		t.Fatalf("confirm: %d %+v", status, res)
	}
	n := e.rc.next(t)
	if n.EventType != "DEBIT.SUCCESS" || n.ID == "" || n.Txn.TradeState != payment.TradeSuccess ||
		n.Txn.AmountFen != 45678 || n.Txn.OutTradeNo != "SSC-pay-1" || n.Txn.PayerOpenID != "oHolder_A1" ||
		n.Txn.MchID != creds.MerchantID || n.Txn.TransactionID == "" || n.Txn.SuccessTime.IsZero() {
		t.Fatalf("notification %+v", n)
	}
	txn := e.query("SSC-pay-1")
	if txn.TradeState != payment.TradeSuccess || txn.TransactionID != n.Txn.TransactionID || !txn.SuccessTime.Equal(n.Txn.SuccessTime) {
		t.Fatalf("query after paying: %+v", txn)
	}
	// Paying again is the same payment: no second debit, no second notice.
	if status, res := e.confirm(pp.CashierURL, "success", "123456"); status != 200 || res.State != "SUCCESS" {
		t.Fatalf("second confirm: %d %+v", status, res)
	}
	e.rc.none(t)

	// ORDERPAID's counterpart, for prepay and for close.
	if _, err := e.p.Prepay(ctx, prepayRequest("SSC-pay-1", 45678, "oHolder_A1")); !errors.Is(err, payment.ErrAlreadyPaid) {
		t.Errorf("prepay of a paid debit: %v", err)
	}
	if err := e.p.Close(ctx, "SSC-pay-1"); !errors.Is(err, payment.ErrAlreadyPaid) {
		t.Errorf("close of a paid debit: %v", err)
	}
	rows, err := e.p.TradeBill(ctx, time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly))
	if err != nil || len(rows) != 1 || rows[0].OutTradeNo != "SSC-pay-1" || rows[0].State != payment.TradeSuccess ||
		rows[0].AmountFen != 45678 || rows[0].TransactionID != txn.TransactionID {
		t.Errorf("statement: %v %+v", err, rows)
	}
}

func TestPrepayIdempotent(t *testing.T) {
	e := newEnv(t)
	req := prepayRequest("SSC-idem-1", 100, "oHolder_A1")
	a, err := e.p.Prepay(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.p.Prepay(ctx, req)
	if err != nil || b.PrepayID != a.PrepayID || b.CashierURL != a.CashierURL {
		t.Fatalf("same request twice: %v %+v %+v", err, a, b)
	}
	// After the 30-minute token lapses the same request gets a fresh one,
	// and the old link stops working.
	e.bankClock.Advance(31 * time.Minute)
	e.ourClock.Advance(31 * time.Minute)
	c, err := e.p.Prepay(ctx, req)
	if err != nil || c.PrepayID == a.PrepayID {
		t.Fatalf("after the token lapsed: %v %+v", err, c)
	}
	if status, res := e.confirm(a.CashierURL, "success", "123456"); status != http.StatusNotFound || res.Code != "TOKEN_EXPIRED" {
		t.Errorf("old link: %d %+v", status, res)
	}
	req.AmountFen++
	_, err = e.p.Prepay(ctx, req)
	apiError(t, err, http.StatusConflict, "OUT_TRADE_NO_CONFLICT")
	_, err = e.p.Prepay(ctx, prepayRequest("SSC-idem-2", 100, "110101199003070011"))
	apiError(t, err, http.StatusBadRequest, "PARAM_ERROR") // an ID number is never a holder reference
}

func TestHolderOutcomes(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		outcome, result, state, failCode string
		notified                         bool
	}{
		{"cancel", "cancel", "NOTPAY", "HOLDER_CANCELLED", false},
		{"insufficient", "insufficient", "NOTPAY", "INSUFFICIENT_BALANCE", false},
		{"wrong_pin", "wrong_pin", "NOTPAY", "WRONG_PIN", false},
		{"frozen", "frozen", "PAYERROR", "CARD_FROZEN", true},
	} {
		t.Run(tc.outcome, func(t *testing.T) {
			no := "SSC-out-" + tc.outcome
			pp := e.prepay(no, 500)
			status, res := e.confirm(pp.CashierURL, tc.outcome, "")
			if status != 200 || res.Outcome != tc.result || res.State != tc.state || res.FailCode != tc.failCode {
				t.Fatalf("confirm: %d %+v", status, res)
			}
			if txn := e.query(no); txn.TradeState != tc.state {
				t.Errorf("query: %+v", txn)
			}
			if !tc.notified {
				e.rc.none(t)
				// Still payable: the holder tries again and succeeds.
				if _, res := e.confirm(pp.CashierURL, "success", "246802"); res.State != "SUCCESS" {
					t.Fatalf("retry: %+v", res)
				}
				if n := e.rc.next(t); n.Txn.OutTradeNo != no {
					t.Errorf("notification for %s", n.Txn.OutTradeNo)
				}
				return
			}
			n := e.rc.next(t)
			if n.EventType != "DEBIT.FAILED" || n.Txn.TradeState != "PAYERROR" {
				t.Errorf("failure notification %+v", n)
			}
			if status, res := e.confirm(pp.CashierURL, "success", "246802"); status != http.StatusConflict || res.Code != tc.failCode {
				t.Errorf("paying a failed debit: %d %+v", status, res)
			}
		})
	}
}

func TestThirdWrongPINLocks(t *testing.T) {
	e := newEnv(t)
	e.setFaults(sscsandbox.Faults{WrongPIN: "000000"})
	pp := e.prepay("SSC-pin-1", 500)
	for i, want := range []string{"wrong_pin", "wrong_pin", "pin_locked"} {
		if _, res := e.confirm(pp.CashierURL, "success", "000000"); res.Outcome != want {
			t.Fatalf("attempt %d: %+v", i+1, res)
		}
	}
	if n := e.rc.next(t); n.Txn.TradeState != "PAYERROR" {
		t.Errorf("notification %+v", n)
	}
	if status, res := e.confirm(pp.CashierURL, "success", "12345"); status != http.StatusBadRequest || res.Code != "PIN_FORMAT" {
		t.Errorf("five digits: %d %+v", status, res)
	}
}

func TestClose(t *testing.T) {
	e := newEnv(t)
	pp := e.prepay("SSC-close-1", 300)
	if err := e.p.Close(ctx, "SSC-close-1"); err != nil {
		t.Fatal(err)
	}
	if err := e.p.Close(ctx, "SSC-close-1"); err != nil {
		t.Errorf("closing twice: %v", err)
	}
	if txn := e.query("SSC-close-1"); txn.TradeState != payment.TradeClosed {
		t.Errorf("query: %+v", txn)
	}
	if status, res := e.confirm(pp.CashierURL, "success", "123456"); status != http.StatusConflict || res.Code != "ORDER_CLOSED" {
		t.Errorf("paying a closed debit: %d %+v", status, res)
	}
	_, err := e.p.Prepay(ctx, prepayRequest("SSC-close-1", 300, "oHolder_A1"))
	apiError(t, err, http.StatusConflict, "ORDER_CLOSED")
	if err := e.p.Close(ctx, "SSC-none"); !errors.Is(err, payment.ErrProviderNotFound) {
		t.Errorf("close unknown: %v", err)
	}
	if _, err := e.p.Query(ctx, "SSC-none"); !errors.Is(err, payment.ErrProviderNotFound) {
		t.Errorf("query unknown: %v", err)
	}
	// An unpaid debit past its expire_at closes by itself.
	req := prepayRequest("SSC-close-2", 300, "oHolder_A1")
	req.ExpireAt = time.Now().Add(time.Minute)
	if _, err := e.p.Prepay(ctx, req); err != nil {
		t.Fatal(err)
	}
	e.bankClock.Advance(2 * time.Minute)
	if txn := e.query("SSC-close-2"); txn.TradeState != payment.TradeClosed {
		t.Errorf("expired: %+v", txn)
	}
}
