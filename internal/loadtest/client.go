package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/shebao-project/shebao/internal/sandbox/sms"
)

// client speaks the public API and the demo sandboxes, as a citizen's app would.
type client struct {
	base    string // the platform
	sandbox string // its sandboxes: the same server in demo mode, or `shebao sandbox`
	hc      *http.Client
}

func (c *client) do(ctx context.Context, method, path, token string, hdr map[string]string, body, out any) error {
	return c.doURL(ctx, method, c.base+path, token, hdr, body, out)
}

func (c *client) doURL(ctx context.Context, method, u, token string, hdr map[string]string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return err
	}
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, u, res.StatusCode, bytes.TrimSpace(data))
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

// citizen runs one person's payment from SMS code to vouchers, timing each step.
func (c *client) citizen(ctx context.Context, phone string, rec *recorder) bool {
	step := func(name string, f func() error) bool {
		start := time.Now()
		if err := f(); err != nil {
			if ctx.Err() == nil { // the run ending is not the server failing
				rec.fail(name)
			}
			return false
		}
		rec.ok(name, time.Since(start))
		return true
	}
	var token string
	var bills struct {
		Bills []struct {
			ID string `json:"id"`
		} `json:"bills"`
	}
	var order struct {
		ID    string `json:"id"`
		State string `json:"state"`
		Pay   struct {
			PrepayID   string `json:"prepay_id"`
			CashierURL string `json:"cashier_url"`
		} `json:"pay"`
	}
	return step("sms_code", func() error {
		return c.do(ctx, "POST", "/api/v1/auth/sms-codes", "", nil, map[string]string{"phone": phone}, nil)
	}) && step("login", func() error {
		var box struct {
			Messages []sms.Message `json:"messages"`
		}
		if err := c.doURL(ctx, "GET", c.sandbox+"/sandbox/sms?phone="+url.QueryEscape(phone), "", nil, nil, &box); err != nil {
			return fmt.Errorf("no code: %v", err)
		}
		code := sms.NewestCode(box.Messages)
		if code == "" {
			return fmt.Errorf("no code in the outbox for %s", phone)
		}
		var s struct {
			Token string `json:"token"`
		}
		err := c.do(ctx, "POST", "/api/v1/auth/sessions", "", nil,
			map[string]string{"method": "sms", "phone": phone, "code": code}, &s)
		token = s.Token
		return err
	}) && step("bills", func() error {
		if err := c.do(ctx, "GET", "/api/v1/me/bills", token, nil, nil, &bills); err != nil || len(bills.Bills) == 0 {
			return fmt.Errorf("no bills: %v", err)
		}
		return nil
	}) && step("order", func() error {
		ids := make([]string, len(bills.Bills))
		for i, b := range bills.Bills {
			ids[i] = b.ID
		}
		return c.do(ctx, "POST", "/api/v1/orders", token, map[string]string{"Idempotency-Key": "load-" + phone},
			map[string]any{"bill_ids": ids, "channel": "wechatpay"}, &order)
	}) && step("pay", func() error {
		cashier := order.Pay.CashierURL
		if cashier == "" {
			cashier = c.sandbox + "/sandbox/wechatpay/cashier/" + url.PathEscape(order.Pay.PrepayID)
		}
		return c.doURL(ctx, "POST", cashier, "", nil, map[string]string{"outcome": "success"}, nil)
	}) && step("credited", func() error {
		// As the mini-program's result page does (clients/miniprogram,
		// waitForOrder): first look after 300 ms, then wait twice as long
		// each time up to 3 s. A generator polling faster would load the
		// server with requests no citizen's phone makes.
		deadline := time.Now().Add(30 * time.Second)
		for wait := 300 * time.Millisecond; ; wait = min(wait*2, 3*time.Second) {
			time.Sleep(wait)
			if err := c.do(ctx, "GET", "/api/v1/orders/"+order.ID, token, nil, nil, &order); err != nil {
				return err
			}
			if order.State == "credited" {
				return nil
			}
			if time.Now().After(deadline) || ctx.Err() != nil {
				return fmt.Errorf("order %s still %s", order.ID, order.State)
			}
		}
	}) && step("vouchers", func() error {
		var v struct {
			Vouchers []json.RawMessage `json:"vouchers"`
		}
		if err := c.do(ctx, "GET", "/api/v1/orders/"+order.ID+"/vouchers", token, nil, nil, &v); err != nil {
			return err
		}
		if len(v.Vouchers) != 3 {
			return fmt.Errorf("%d vouchers", len(v.Vouchers))
		}
		return nil
	})
}
