package app_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/shebao-project/shebao/internal/auditlog"
	"github.com/shebao-project/shebao/internal/identity"
)

// TestE2EProxyPayment: a child in Beijing pays their parent's resident
// medical premium in Chengdu under a family grant the parent consented to
// by SMS; a stranger cannot use it; once revoked, it cannot be used again;
// every step is in the hash-chained audit log.
func TestE2EProxyPayment(t *testing.T) {
	t.Parallel()
	e := startApp(t)
	child, _ := e.login(t, "13800000001")
	stranger, _ := e.login(t, "13800000002")
	check, _ := identity.IDCheckDigit("51010419600808351")
	parentID := "51010419600808351" + string(check)

	var g struct {
		ID      string `json:"id"`
		Status  string `json:"status"`
		Grantor struct {
			Name     string `json:"name"`
			IDNumber string `json:"id_number"`
		} `json:"grantor"`
	}
	req := map[string]any{"relationship": "parent", "document_type": "resident_id", "document_number": parentID,
		"insurances": []string{"390"}, "until": "2099-12"}
	e.call(t, "POST", "/api/v1/proxies", child, nil, req).want(t, http.StatusCreated).json(t, &g)
	if g.Status != "pending" || g.Grantor.IDNumber != "510***********"+parentID[14:] {
		t.Fatalf("new grant %+v", g)
	}
	wantError(t, e.call(t, "POST", "/api/v1/proxies", child, nil, req), 409, "grant_exists", "")
	// Not yet consented: not usable.
	wantError(t, e.call(t, "GET", "/api/v1/proxies/"+g.ID+"/bills", child, nil, nil), 403, "grant_not_active", "")
	wantError(t, e.call(t, "POST", "/api/v1/proxies/"+g.ID+"/consent", child, nil, map[string]string{"code": "000000"}), 401, "grant_code_invalid", "code")
	e.call(t, "POST", "/api/v1/proxies/"+g.ID+"/consent", child, nil, map[string]string{"code": e.smsCode(t, "13800000004")}).want(t, 200).json(t, &g)
	if g.Status != "active" {
		t.Fatalf("after consent: %+v", g)
	}

	// The stranger sees nothing of it.
	wantError(t, e.call(t, "GET", "/api/v1/proxies/"+g.ID+"/bills", stranger, nil, nil), 404, "grant_not_found", "")

	var due struct {
		Bills []bill `json:"bills"`
	}
	e.call(t, "GET", "/api/v1/proxies/"+g.ID+"/bills", child, nil, nil).want(t, 200).json(t, &due)
	if len(due.Bills) != 1 || due.Bills[0].Insurance != "390" {
		t.Fatalf("parent's bills seen by the child: %+v", due.Bills)
	}
	wantError(t, e.call(t, "POST", "/api/v1/orders", stranger, keyHeader("s1"),
		map[string]any{"bill_ids": ids(due.Bills), "channel": "wechatpay", "grant_id": g.ID}), 404, "grant_not_found", "")
	var o order
	e.call(t, "POST", "/api/v1/orders", child, keyHeader("p1"),
		map[string]any{"bill_ids": ids(due.Bills), "channel": "wechatpay", "grant_id": g.ID}).want(t, 201).json(t, &o)
	e.payOrder(t, child, o)

	// The fiscal receipt names the payer and the insured person.
	var vs struct {
		Vouchers []struct {
			Kind     string          `json:"kind"`
			Document json.RawMessage `json:"document"`
		} `json:"vouchers"`
	}
	e.call(t, "GET", "/api/v1/orders/"+o.ID+"/vouchers", child, nil, nil).want(t, 200).json(t, &vs)
	for _, v := range vs.Vouchers {
		if v.Kind != "fiscal_receipt" {
			continue
		}
		var d struct {
			Fiscal struct {
				Payer   string `json:"payer"`
				Insured struct {
					Name string `json:"name"`
				} `json:"insured"`
			} `json:"fiscal_receipt"`
		}
		_ = json.Unmarshal(v.Document, &d)
		if d.Fiscal.Payer != "张*" || d.Fiscal.Insured.Name != "刘*" {
			t.Errorf("fiscal receipt payer %q insured %q, want 张* and 刘*", d.Fiscal.Payer, d.Fiscal.Insured.Name)
		}
	}
	// The parent sees the grant and the order, and revokes the grant.
	parent, _ := e.login(t, "13800000004")
	e.call(t, "GET", "/api/v1/orders/"+o.ID, parent, nil, nil).want(t, 200)
	e.call(t, "DELETE", "/api/v1/me/grants/"+g.ID, parent, nil, nil).want(t, 200).json(t, &g)
	if g.Status != "revoked" {
		t.Fatalf("after revoke: %+v", g)
	}
	wantError(t, e.call(t, "GET", "/api/v1/proxies/"+g.ID+"/bills", child, nil, nil), 403, "grant_not_active", "")

	n, problem, err := auditlog.Verify(t.Context(), e.run.App.AuditReader())
	if err != nil || problem != nil || n < 4 {
		t.Fatalf("audit log: %d entries, problem %+v, err %v", n, problem, err)
	}
}

// TestE2ECardAccountChannel pays Guangzhou bills through the social
// security card account: the bank's page takes the PIN, its signed
// notification credits the order.
func TestE2ECardAccountChannel(t *testing.T) {
	t.Parallel()
	e := startApp(t)
	token, _ := e.login(t, "13800000002")
	bs := e.bills(t, token)
	var o struct {
		ID  string `json:"id"`
		Pay struct {
			CashierURL string `json:"cashier_url"`
		} `json:"pay"`
	}
	e.call(t, "POST", "/api/v1/orders", token, keyHeader("card1"), map[string]any{"bill_ids": ids(bs), "channel": "ssc_account"}).
		want(t, http.StatusCreated).json(t, &o)
	if !strings.HasPrefix(o.Pay.CashierURL, e.URL+"/sandbox/ssc/") {
		t.Fatalf("card account order has no bank page: %+v", o)
	}
	e.raw(t, "POST", strings.TrimPrefix(o.Pay.CashierURL, e.URL), nil, map[string]string{"outcome": "success", "pin": "123456"}).want(t, 200)
	got := e.waitState(t, token, o.ID, "credited")
	if len(e.vouchers(t, token, got.ID)) != 3 {
		t.Fatal("credited without three vouchers")
	}
}
