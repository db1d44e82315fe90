package ssc_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/payment"
	sscsandbox "github.com/shebao-project/shebao/internal/sandbox/ssc"
)

func TestRefund(t *testing.T) {
	e := newEnv(t, func(c *sscsandbox.Config) { c.RefundDelay = 50 * time.Millisecond })
	e.pay("SSC-rf-1", 12000)
	req := payment.RefundRequest{OutTradeNo: "SSC-rf-1", OutRefundNo: "RF-rf-1", AmountFen: 12000, TotalFen: 12000, Reason: "社保缴费未能入账，原路退回"}
	st, err := e.p.Refund(ctx, req)
	if err != nil || st.Status != payment.RefundProcessing || st.RefundID == "" || st.OutRefundNo != "RF-rf-1" {
		t.Fatalf("refund: %v %+v", err, st)
	}
	again, err := e.p.Refund(ctx, req)
	if err != nil || again.RefundID != st.RefundID {
		t.Fatalf("same refund again: %v %+v", err, again)
	}
	g := e.rc.nextAny(t)
	if g.refund == nil || g.refund.Status != payment.RefundSuccess || g.refund.RefundID != st.RefundID || g.id == "" {
		t.Fatalf("refund notification %+v", g)
	}
	if q, err := e.p.QueryRefund(ctx, "RF-rf-1"); err != nil || q.Status != payment.RefundSuccess {
		t.Errorf("refund query: %v %+v", err, q)
	}
	if txn := e.query("SSC-rf-1"); txn.TradeState != payment.TradeRefund {
		t.Errorf("debit after refund: %+v", txn)
	}
	rows, err := e.p.TradeBill(ctx, time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly))
	if err != nil || len(rows) != 2 || rows[1].State != payment.TradeRefund || rows[1].OutRefundNo != "RF-rf-1" || rows[1].RefundFen != 12000 {
		t.Errorf("statement: %v %+v", err, rows)
	}

	other := req
	other.OutRefundNo = "RF-rf-2"
	_, err = e.p.Refund(ctx, other)
	apiError(t, err, http.StatusConflict, "REFUND_EXISTS")
	changed := req
	changed.Reason = "另一理由"
	_, err = e.p.Refund(ctx, changed)
	apiError(t, err, http.StatusConflict, "REFUND_CONFLICT")
}

func TestRefundRefused(t *testing.T) {
	e := newEnv(t)
	e.prepay("SSC-rf-unpaid", 100)
	_, err := e.p.Refund(ctx, payment.RefundRequest{OutTradeNo: "SSC-rf-unpaid", OutRefundNo: "RF-unpaid", AmountFen: 100, TotalFen: 100})
	apiError(t, err, http.StatusConflict, "ORDER_NOT_PAID")
	e.pay("SSC-rf-part", 100)
	_, err = e.p.Refund(ctx, payment.RefundRequest{OutTradeNo: "SSC-rf-part", OutRefundNo: "RF-part", AmountFen: 50, TotalFen: 100})
	apiError(t, err, http.StatusBadRequest, "PARAM_ERROR") // only full refunds
	_, err = e.p.QueryRefund(ctx, "RF-none")
	apiError(t, err, http.StatusNotFound, "REFUND_NOT_FOUND")
	if !errors.Is(err, payment.ErrRefundNotFound) {
		t.Errorf("query of an unknown refund: %v, want payment.ErrRefundNotFound", err)
	}
}
