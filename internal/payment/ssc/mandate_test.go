package ssc_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/payment"
	sscsandbox "github.com/shebao-project/shebao/internal/sandbox/ssc"
)

// TestMandatedDebit: a mandate is registered once; debits under it are
// final in their answer, repeatable with the same number, refused by the
// bank with a code the agency acts on, and settled like any debit.
func TestMandatedDebit(t *testing.T) {
	e := newEnv(t)
	m := payment.MandateRequest{Ref: "CRM_per_hz01", HolderRef: "per_hz01", MaxFen: 500_000}
	if err := e.p.Mandate(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := e.p.Mandate(ctx, m); err != nil {
		t.Fatalf("the same mandate again: %v", err)
	}
	other := m
	other.MaxFen = 900_000
	apiError(t, e.p.Mandate(ctx, other), http.StatusConflict, "MANDATE_CONFLICT")

	req := payment.CollectRequest{OutTradeNo: "CP-md-1", MandateRef: m.Ref, HolderRef: m.HolderRef, AmountFen: 99_720, Description: "社保信用付还款"}
	res, err := e.p.Collect(ctx, req)
	if err != nil || !res.Paid || res.TransactionID == "" || res.At.IsZero() {
		t.Fatalf("collect: %v %+v", err, res)
	}
	again, err := e.p.Collect(ctx, req)
	if err != nil || !again.Paid || again.TransactionID != res.TransactionID {
		t.Fatalf("the same debit again must be the same debit: %v %+v", err, again)
	}
	changed := req
	changed.AmountFen = 1
	if _, err := e.p.Collect(ctx, changed); err == nil {
		t.Fatal("another debit under a used number was accepted")
	}
	if txn := e.query("CP-md-1"); txn.TradeState != payment.TradeSuccess || txn.AmountFen != 99_720 {
		t.Errorf("query of a mandated debit: %+v", txn)
	}
	rows, err := e.p.TradeBill(ctx, time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly))
	if err != nil || len(rows) != 1 || rows[0].OutTradeNo != "CP-md-1" {
		t.Errorf("statement: %v %+v", err, rows)
	}

	// Refusals are results, not errors: the agency counts them and retries later.
	e.setFaults(sscsandbox.Faults{BalanceFen: 100})
	for _, tc := range []struct {
		name string
		req  payment.CollectRequest
		code string
	}{
		{"no balance", payment.CollectRequest{OutTradeNo: "CP-md-2", MandateRef: m.Ref, HolderRef: m.HolderRef, AmountFen: 99_720, Description: "x"}, "INSUFFICIENT_BALANCE"},
		{"above the mandate", payment.CollectRequest{OutTradeNo: "CP-md-3", MandateRef: m.Ref, HolderRef: m.HolderRef, AmountFen: 500_001, Description: "x"}, "MANDATE_LIMIT_EXCEEDED"},
		{"no such mandate", payment.CollectRequest{OutTradeNo: "CP-md-4", MandateRef: "CRM_nobody", HolderRef: m.HolderRef, AmountFen: 50, Description: "x"}, "MANDATE_NOT_FOUND"},
		{"another holder's mandate", payment.CollectRequest{OutTradeNo: "CP-md-5", MandateRef: m.Ref, HolderRef: "per_other", AmountFen: 50, Description: "x"}, "MANDATE_NOT_FOUND"},
	} {
		res, err := e.p.Collect(ctx, tc.req)
		if err != nil || res.Paid || res.FailCode != tc.code {
			t.Errorf("%s: %v %+v, want refused with %s", tc.name, err, res, tc.code)
		}
	}
}

// TestMandatedDebitRefund: a mandated debit is refunded through the
// collector like any debit: in full, idempotent by out_refund_no,
// PROCESSING then SUCCESS, and listed in the day's statement; a refund the
// bank cannot pay out ends ABNORMAL and is not listed.
func TestMandatedDebitRefund(t *testing.T) {
	e := newEnv(t, func(c *sscsandbox.Config) { c.RefundDelay = 50 * time.Millisecond })
	var col payment.Collector = e.p
	m := payment.MandateRequest{Ref: "CRM_per_hz02", HolderRef: "per_hz02", MaxFen: 500_000}
	if err := col.Mandate(ctx, m); err != nil {
		t.Fatal(err)
	}
	for _, no := range []string{"CP-mr-1", "CP-mr-2"} {
		if res, err := col.Collect(ctx, payment.CollectRequest{OutTradeNo: no, MandateRef: m.Ref, HolderRef: m.HolderRef,
			AmountFen: 99_720, Description: "社保信用付还款"}); err != nil || !res.Paid {
			t.Fatalf("collect %s: %v %+v", no, err, res)
		}
	}
	over := payment.RefundRequest{OutTradeNo: "CP-mr-1", OutRefundNo: "RC-mr-1", AmountFen: 99_721, TotalFen: 99_721, Reason: "多扣退回"}
	_, err := col.Refund(ctx, over)
	apiError(t, err, http.StatusBadRequest, "PARAM_ERROR") // more than was debited

	req := payment.RefundRequest{OutTradeNo: "CP-mr-1", OutRefundNo: "RC-mr-1", AmountFen: 99_720, TotalFen: 99_720, Reason: "社保信用付欠款已结清，社保卡多扣款项原路退回"}
	st, err := col.Refund(ctx, req)
	if err != nil || st.Status != payment.RefundProcessing || st.RefundID == "" {
		t.Fatalf("refund: %v %+v", err, st)
	}
	if again, err := col.Refund(ctx, req); err != nil || again.RefundID != st.RefundID {
		t.Fatalf("the same refund again: %v %+v", err, again)
	}
	e.waitRefund(t, col, "RC-mr-1", payment.RefundSuccess)
	if txn := e.query("CP-mr-1"); txn.TradeState != payment.TradeRefund {
		t.Errorf("mandated debit after its refund: %+v", txn)
	}

	e.setFaults(sscsandbox.Faults{RefundsAbnormal: true})
	if _, err := col.Refund(ctx, payment.RefundRequest{OutTradeNo: "CP-mr-2", OutRefundNo: "RC-mr-2", AmountFen: 99_720, TotalFen: 99_720}); err != nil {
		t.Fatal(err)
	}
	e.waitRefund(t, col, "RC-mr-2", payment.RefundAbnormal)
	rows, err := e.p.TradeBill(ctx, time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly))
	var refunds []string
	for _, r := range rows {
		if r.OutRefundNo != "" {
			refunds = append(refunds, r.OutRefundNo)
		}
	}
	if err != nil || len(rows) != 3 || len(refunds) != 1 || refunds[0] != "RC-mr-1" {
		t.Errorf("statement: %v %+v, want both debits and the one refund that succeeded", err, rows)
	}

	// The operator's retry, once the card can be credited again: the
	// debit whose refund ended ABNORMAL is refunded under a new number,
	// and then no more.
	e.setFaults(sscsandbox.Faults{})
	retry := payment.RefundRequest{OutTradeNo: "CP-mr-2", OutRefundNo: "RC-mr-2-2", AmountFen: 99_720, TotalFen: 99_720}
	if _, err := col.Refund(ctx, retry); err != nil {
		t.Fatalf("refund after an ABNORMAL one: %v", err)
	}
	e.waitRefund(t, col, "RC-mr-2-2", payment.RefundSuccess)
	e.waitRefund(t, col, "RC-mr-2", payment.RefundAbnormal)
	retry.OutRefundNo = "RC-mr-2-3"
	_, err = col.Refund(ctx, retry)
	apiError(t, err, http.StatusConflict, "REFUND_EXISTS")
}

// waitRefund queries a refund until it is in state want.
func (e *env) waitRefund(t *testing.T, col payment.Collector, outRefundNo, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, err := col.QueryRefund(ctx, outRefundNo)
		if err == nil && st.Status == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("refund %s: %v %+v, want %s", outRefundNo, err, st, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
