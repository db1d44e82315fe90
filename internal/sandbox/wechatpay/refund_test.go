package wechatpay_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/jsapi"
	"github.com/wechatpay-apiv3/wechatpay-go/services/refunddomestic"

	"github.com/shebao-project/shebao/internal/sandbox/wechatpay"
)

func refundRequest(outTradeNo, outRefundNo string, refund, total int64, notifyURL string) refunddomestic.CreateRequest {
	req := refunddomestic.CreateRequest{
		OutTradeNo: core.String(outTradeNo), OutRefundNo: core.String(outRefundNo), Reason: core.String("重复缴费退款"),
		Amount: &refunddomestic.AmountReq{Refund: core.Int64(refund), Total: core.Int64(total), Currency: core.String("CNY")},
	}
	if notifyURL != "" {
		req.NotifyUrl = core.String(notifyURL)
	}
	return req
}

func TestRefundLifecycle(t *testing.T) {
	e := newEnv(t)
	rc := newReceiver(t)
	ctx := context.Background()
	e.pay("SB-refund-1", 1454, rc.url())
	if n := rc.next(t); n.req.EventType != "TRANSACTION.SUCCESS" {
		t.Fatalf("first notification %s", n.req.EventType)
	}

	rf, _, err := e.refunds.Create(ctx, refundRequest("SB-refund-1", "RF-1", 1000, 1454, rc.url()))
	if err != nil {
		t.Fatalf("refund: %v", err)
	}
	if *rf.Status != refunddomestic.STATUS_PROCESSING || *rf.Amount.Refund != 1000 || *rf.Amount.Total != 1454 ||
		len(*rf.RefundId) != 29 || rf.CreateTime == nil || *rf.Channel != refunddomestic.CHANNEL_ORIGINAL {
		t.Errorf("created refund: %s", rf)
	}
	again, _, err := e.refunds.Create(ctx, refundRequest("SB-refund-1", "RF-1", 1000, 1454, rc.url()))
	if err != nil || *again.RefundId != *rf.RefundId {
		t.Errorf("same out_refund_no gave %v %v, want refund %s", again, err, *rf.RefundId)
	}

	n := rc.next(t) // Run settles the refund on its next tick and notifies
	if n.req.EventType != "REFUND.SUCCESS" || n.req.Resource.OriginalType != "refund" || n.req.Resource.AssociatedData != "refund" {
		t.Errorf("refund notification: %+v %+v", n.req, n.req.Resource)
	}
	if n.content["refund_status"] != "SUCCESS" || n.content["out_refund_no"] != "RF-1" || n.content["refund_id"] != *rf.RefundId {
		t.Errorf("refund plaintext: %v", n.content)
	}
	got, _, err := e.refunds.QueryByOutRefundNo(ctx, refunddomestic.QueryByOutRefundNoRequest{OutRefundNo: core.String("RF-1")})
	if err != nil || *got.Status != refunddomestic.STATUS_SUCCESS || got.SuccessTime == nil {
		t.Fatalf("queried refund: %v %v", got, err)
	}
	txn, _, err := e.jsapi.QueryOrderByOutTradeNo(ctx, jsapi.QueryOrderByOutTradeNoRequest{OutTradeNo: core.String("SB-refund-1"), Mchid: core.String(creds.MchID)})
	if err != nil || *txn.TradeState != "REFUND" {
		t.Fatalf("order after refund: %v %v", txn, err)
	}

	_, _, err = e.refunds.Create(ctx, refundRequest("SB-refund-1", "RF-2", 455, 1454, ""))
	apiError(t, err, http.StatusBadRequest, "INVALID_REQUEST") // only 454 left
	if _, _, err = e.refunds.Create(ctx, refundRequest("SB-refund-1", "RF-2", 454, 1454, "")); err != nil {
		t.Errorf("refunding the rest: %v", err)
	}
	_, _, err = e.refunds.QueryByOutRefundNo(ctx, refunddomestic.QueryByOutRefundNoRequest{OutRefundNo: core.String("RF-none")})
	apiError(t, err, http.StatusNotFound, "RESOURCE_NOT_EXISTS")
}

func TestRefundRules(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.prepay("SB-unpaid-1", 100, "https://merchant.example/notify")
	_, _, err := e.refunds.Create(ctx, refundRequest("SB-unpaid-1", "RF-u", 100, 100, ""))
	apiError(t, err, http.StatusNotFound, "RESOURCE_NOT_EXISTS")
	_, _, err = e.refunds.Create(ctx, refundRequest("SB-missing", "RF-m", 100, 100, ""))
	apiError(t, err, http.StatusNotFound, "RESOURCE_NOT_EXISTS")

	e.pay("SB-many-1", 100, "https://merchant.example/notify")
	_, _, err = e.refunds.Create(ctx, refundRequest("SB-many-1", "RF-t", 1, 99, ""))
	apiError(t, err, http.StatusBadRequest, "INVALID_REQUEST") // total must match the order
	for i := range 50 {
		if _, _, err := e.refunds.Create(ctx, refundRequest("SB-many-1", fmt.Sprintf("RF-many-%d", i), 1, 100, "")); err != nil {
			t.Fatalf("refund %d: %v", i, err)
		}
	}
	_, _, err = e.refunds.Create(ctx, refundRequest("SB-many-1", "RF-many-50", 1, 100, ""))
	apiError(t, err, http.StatusBadRequest, "INVALID_REQUEST") // 50 refunds at most
	_, _, err = e.refunds.Create(ctx, refundRequest("SB-many-1", "RF-many-0", 2, 100, ""))
	apiError(t, err, http.StatusBadRequest, "INVALID_REQUEST") // same out_refund_no, other amount
}

// TestRefundDelay: with a RefundDelay, a refund stays PROCESSING until the
// delay has passed on the sandbox clock, and a query settles it even
// without Run.
func TestRefundDelay(t *testing.T) {
	e := newEnv(t, withoutRun(), withConfig(func(c *wechatpay.Config) { c.RefundDelay = 2 * time.Minute }))
	ctx := context.Background()
	e.pay("SB-delay-1", 500, "https://merchant.example/notify")
	if _, _, err := e.refunds.Create(ctx, refundRequest("SB-delay-1", "RF-d", 500, 500, "")); err != nil {
		t.Fatal(err)
	}
	query := func() string {
		got, _, err := e.refunds.QueryByOutRefundNo(ctx, refunddomestic.QueryByOutRefundNoRequest{OutRefundNo: core.String("RF-d")})
		if err != nil {
			t.Fatal(err)
		}
		return string(*got.Status)
	}
	if s := query(); s != "PROCESSING" {
		t.Errorf("before the delay: %s", s)
	}
	e.clock.Advance(2 * time.Minute) // within the 5-minute window the SDK allows
	if s := query(); s != "SUCCESS" {
		t.Errorf("after the delay: %s", s)
	}
}

func TestRefundValidation(t *testing.T) {
	e := newEnv(t)
	e.pay("SB-rv-1", 100, "https://merchant.example/notify")
	cases := map[string]map[string]any{
		"no order id":       {"out_refund_no": "RF-v1", "amount": map[string]any{"refund": 1, "total": 100, "currency": "CNY"}},
		"bad out_refund_no": {"out_trade_no": "SB-rv-1", "out_refund_no": "RF v1", "amount": map[string]any{"refund": 1, "total": 100, "currency": "CNY"}},
		"no currency":       {"out_trade_no": "SB-rv-1", "out_refund_no": "RF-v1", "amount": map[string]any{"refund": 1, "total": 100}},
		"zero refund":       {"out_trade_no": "SB-rv-1", "out_refund_no": "RF-v1", "amount": map[string]any{"refund": 0, "total": 100, "currency": "CNY"}},
		"notify query":      {"out_trade_no": "SB-rv-1", "out_refund_no": "RF-v1", "notify_url": "https://m.example/n?x=1", "amount": map[string]any{"refund": 1, "total": 100, "currency": "CNY"}},
	}
	for name, body := range cases {
		_, err := e.client.Post(context.Background(), wechatHost+"/v3/refund/domestic/refunds", body)
		t.Run(name, func(t *testing.T) { apiError(t, err, http.StatusBadRequest, "PARAM_ERROR") })
	}
}

// TestRefundClosedAndAbnormal: the refund_statuses fault ends the next
// refunds CLOSED, then ABNORMAL, each notified as WeChat does; a closed
// refund gives its amount back to refund under a new out_refund_no, an
// abnormal one does not (the money left the merchant's balance).
func TestRefundClosedAndAbnormal(t *testing.T) {
	e := newEnv(t)
	rc := newReceiver(t)
	ctx := context.Background()
	if err := e.srv.SetFaults(wechatpay.Faults{RefundStatuses: []string{"CLOSED", "ABNORMAL"}}); err != nil {
		t.Fatal(err)
	}
	e.pay("SB-refund-c", 1000, rc.url())
	rc.next(t) // TRANSACTION.SUCCESS
	steps := []struct {
		outRefundNo, event, status string
	}{
		{"RF-c1", "REFUND.CLOSED", "CLOSED"},
		{"RF-c2", "REFUND.ABNORMAL", "ABNORMAL"},
	}
	for _, st := range steps {
		if _, _, err := e.refunds.Create(ctx, refundRequest("SB-refund-c", st.outRefundNo, 1000, 1000, rc.url())); err != nil {
			t.Fatalf("refund %s: %v", st.outRefundNo, err)
		}
		n := rc.next(t)
		if n.req.EventType != st.event || n.content["refund_status"] != st.status || n.content["success_time"] != nil {
			t.Fatalf("%s notification: %s %v", st.outRefundNo, n.req.EventType, n.content)
		}
		got, _, err := e.refunds.QueryByOutRefundNo(ctx, refunddomestic.QueryByOutRefundNoRequest{OutRefundNo: core.String(st.outRefundNo)})
		if err != nil || string(*got.Status) != st.status || got.SuccessTime != nil {
			t.Fatalf("queried %s: %v %v", st.outRefundNo, got, err)
		}
	}
	// The abnormal refund still holds the whole amount.
	_, _, err := e.refunds.Create(ctx, refundRequest("SB-refund-c", "RF-c3", 1, 1000, ""))
	apiError(t, err, http.StatusBadRequest, "INVALID_REQUEST")
	if f := e.srv.Faults(); len(f.RefundStatuses) != 0 {
		t.Errorf("faults left: %v", f.RefundStatuses)
	}
	if err := e.srv.SetFaults(wechatpay.Faults{RefundStatuses: []string{"SUCCESS"}}); err == nil {
		t.Error("refund_statuses accepted SUCCESS")
	}
}
