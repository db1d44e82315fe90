package payment_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/shebao-project/shebao/internal/payment"
)

// FuzzSignedNotification feeds HandleNotification correctly signed and
// encrypted notifications whose transaction plaintext is anything at all:
// the case where signature checks cannot help, because the content comes
// from the provider itself (or its key leaked). Whatever the bytes, the
// handler must not panic, and an order may leave the unpaid states only for
// a successful payment of this merchant and app to exactly this order, and
// reach paid only for exactly its amount.
//
// `go test` runs the seeds; to explore,
//
//	go test -run '^$' -fuzz FuzzSignedNotification -fuzzminimizetime 0 ./internal/payment/
//
// (each execution creates an order, so minimizing every new input, the
// default, stalls the run; 2 cores: ≈ 30 executions/s, 889 in 30 s, none
// failing).
func FuzzSignedNotification(f *testing.F) {
	h := newHarness(f)
	tmpl := func(mut func(m map[string]any)) string {
		m := map[string]any{
			"appid": h.creds.AppID, "mchid": h.creds.MchID, "out_trade_no": "{{OTN}}", "transaction_id": "4200000001",
			"trade_type": "JSAPI", "trade_state": "SUCCESS", "success_time": "2026-06-05T10:00:00+08:00",
			"payer":  map[string]string{"openid": h.person.OpenID},
			"amount": map[string]any{"total": "{{AMOUNT}}", "payer_total": "{{AMOUNT}}", "currency": "CNY"},
		}
		if mut != nil {
			mut(m)
		}
		b, _ := json.Marshal(m)
		return strings.ReplaceAll(string(b), `"{{AMOUNT}}"`, "{{AMOUNT}}")
	}
	f.Add(tmpl(nil))
	f.Add(tmpl(func(m map[string]any) { m["trade_state"] = "NOTPAY" }))
	f.Add(tmpl(func(m map[string]any) { m["mchid"] = "1900000999" }))
	f.Add(tmpl(func(m map[string]any) { m["appid"] = "wx0000000000000000" }))
	f.Add(tmpl(func(m map[string]any) { m["amount"] = map[string]any{"total": 1} }))
	f.Add(tmpl(func(m map[string]any) { m["out_trade_no"] = "SB" + strings.Repeat("9", 24) }))
	f.Add(tmpl(func(m map[string]any) { m["success_time"] = "yesterday" }))
	f.Add(tmpl(func(m map[string]any) { delete(m, "amount") }))
	f.Add(`{"out_trade_no":"{{OTN}}","trade_state":"SUCCESS"}`)
	f.Add(`not json`)
	f.Add(``)

	n := 0
	f.Fuzz(func(t *testing.T, plain string) {
		// A fresh unpaid order each time, for a bill of its own month.
		n++
		per := fmt.Sprintf("%04d-%02d", 1900+n/12, n%12+1)
		bill := h.bill(t, h.person.ID, "110", per, pensionFen)
		o := h.mustCreate(t, "fuzz-"+per, bill)
		want := o.Order
		body := strings.ReplaceAll(plain, "{{OTN}}", want.OutTradeNo)
		body = strings.ReplaceAll(body, "{{AMOUNT}}", fmt.Sprint(int64(want.AmountFen)))

		_ = h.svc.HandleNotification(h.ctx, "wechatpay", h.signedNotification(t, []byte(body), fmt.Sprintf("EV-fuzz-%d", n), false))

		got := h.order(t, want.ID)
		if got.State.Unpaid() {
			return
		}
		var tx struct {
			AppID      string `json:"appid"`
			MchID      string `json:"mchid"`
			OutTradeNo string `json:"out_trade_no"`
			TradeState string `json:"trade_state"`
			Amount     struct {
				Total *int64 `json:"total"`
			} `json:"amount"`
		}
		if err := json.Unmarshal([]byte(body), &tx); err != nil {
			t.Fatalf("order %s became %s from a notification that is not JSON: %q", want.ID, got.State, body)
		}
		if tx.OutTradeNo != want.OutTradeNo || tx.TradeState != "SUCCESS" || tx.MchID != h.creds.MchID || tx.AppID != h.creds.AppID {
			t.Fatalf("order %s became %s from %q", want.ID, got.State, body)
		}
		exact := tx.Amount.Total != nil && *tx.Amount.Total == int64(want.AmountFen)
		if exact == (got.State == payment.Held && got.HoldReason != "" && strings.Contains(got.HoldReason, "differs")) {
			t.Fatalf("order %s (amount %d) became %s (%s) from %q", want.ID, want.AmountFen, got.State, got.HoldReason, body)
		}
	})
}
