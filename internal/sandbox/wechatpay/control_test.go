package wechatpay_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/sandbox/wechatpay"
)

func TestFailNextFault(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.prepay("SB-fault-1", 100, "https://merchant.example/notify")
	var f wechatpay.Faults
	set := map[string]any{"fail_next": []map[string]any{{"route": "query", "status": 500, "code": "SYSTEM_ERROR", "count": 2}}}
	if status := e.control("POST", "/control/faults", set, &f); status != 200 || len(f.FailNext) != 1 || f.FailNext[0].Count != 2 {
		t.Fatalf("set: %d %+v", status, f)
	}
	for range 2 {
		_, _, err := e.jsapi.QueryOrderByOutTradeNo(ctx, queryReq("SB-fault-1"))
		apiError(t, err, http.StatusInternalServerError, "SYSTEM_ERROR")
	}
	if _, _, err := e.jsapi.QueryOrderByOutTradeNo(ctx, queryReq("SB-fault-1")); err != nil {
		t.Errorf("third query: %v", err)
	}
	if status := e.control("GET", "/control/faults", nil, &f); status != 200 || len(f.FailNext) != 0 {
		t.Errorf("get: %d %+v", status, f)
	}

	var bad map[string]any
	for _, body := range []map[string]any{
		{"fail_next": []map[string]any{{"route": "nowhere"}}},
		{"drop_notification": 1}, // typo: unknown field
		{"latency_ms": -1},
	} {
		if status := e.control("POST", "/control/faults", body, &bad); status != http.StatusBadRequest {
			t.Errorf("%v accepted: %d", body, status)
		}
	}
}

func TestLatencyFault(t *testing.T) {
	e := newEnv(t)
	if err := e.srv.SetFaults(wechatpay.Faults{LatencyMS: 60}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, _, err := e.jsapi.QueryOrderByOutTradeNo(context.Background(), queryReq("SB-none"))
	apiError(t, err, http.StatusNotFound, "ORDER_NOT_EXIST")
	if d := time.Since(start); d < 60*time.Millisecond {
		t.Errorf("answered in %v despite 60 ms latency", d)
	}
}

func TestPrepayValidation(t *testing.T) {
	e := newEnv(t)
	strict := newEnv(t, withConfig(func(c *wechatpay.Config) { c.AllowHTTPNotify = false }))
	long := func(n int) string {
		b := make([]rune, n)
		for i := range b {
			b[i] = '缴'
		}
		return string(b)
	}
	ok := "https://merchant.example/notify"
	cases := []struct {
		name   string
		env    *env
		mutate func(m map[string]any)
		status int
		code   string
	}{
		{"short out_trade_no", e, func(m map[string]any) { m["out_trade_no"] = "SB1" }, 400, "PARAM_ERROR"},
		{"bad char", e, func(m map[string]any) { m["out_trade_no"] = "SB 123456" }, 400, "PARAM_ERROR"},
		{"allowed chars", e, func(m map[string]any) { m["out_trade_no"] = "SB_a-b|c*d" }, 200, ""},
		{"description 127", e, func(m map[string]any) { m["out_trade_no"] = "SB-desc-127"; m["description"] = long(127) }, 200, ""},
		{"description 128", e, func(m map[string]any) { m["description"] = long(128) }, 400, "PARAM_ERROR"},
		{"attach 129", e, func(m map[string]any) { m["attach"] = long(129) }, 400, "PARAM_ERROR"},
		{"notify query", e, func(m map[string]any) { m["notify_url"] = ok + "?a=1" }, 400, "PARAM_ERROR"},
		{"notify http remote", e, func(m map[string]any) { m["notify_url"] = "http://merchant.example/notify" }, 400, "PARAM_ERROR"},
		{"notify http loopback", e, func(m map[string]any) { m["out_trade_no"] = "SB-loop-1"; m["notify_url"] = "http://127.0.0.1:9/n" }, 200, ""},
		{"notify http loopback strict", strict, func(m map[string]any) { m["notify_url"] = "http://127.0.0.1:9/n" }, 400, "PARAM_ERROR"},
		{"zero amount", e, func(m map[string]any) { m["amount"] = map[string]any{"total": 0} }, 400, "PARAM_ERROR"},
		{"USD", e, func(m map[string]any) { m["amount"] = map[string]any{"total": 1, "currency": "USD"} }, 400, "PARAM_ERROR"},
		{"no openid", e, func(m map[string]any) { delete(m, "payer") }, 400, "PARAM_ERROR"},
		{"other appid", e, func(m map[string]any) { m["appid"] = "wx0000000000000000" }, 400, "APPID_MCHID_NOT_MATCH"},
		{"other mchid", e, func(m map[string]any) { m["mchid"] = "1900000001" }, 400, "MCH_NOT_EXISTS"},
		{"bad time_expire", e, func(m map[string]any) { m["time_expire"] = "2025-01-01 10:00:00" }, 400, "PARAM_ERROR"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := map[string]any{
				"appid": creds.AppID, "mchid": creds.MchID, "description": "社保缴费", "out_trade_no": "SB-valid-1",
				"notify_url": ok, "amount": map[string]any{"total": 100, "currency": "CNY"}, "payer": map[string]any{"openid": "o1"},
			}
			c.mutate(m)
			_, err := c.env.client.Post(context.Background(), wechatHost+"/v3/pay/transactions/jsapi", m)
			if c.status == 200 {
				if err != nil {
					t.Errorf("rejected: %v", err)
				}
				return
			}
			apiError(t, err, c.status, c.code)
		})
	}
}
