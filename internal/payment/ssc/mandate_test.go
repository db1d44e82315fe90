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
