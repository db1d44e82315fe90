package app_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/shebao-project/shebao/internal/auditlog"
)

type deletionAnswer struct {
	ID      string           `json:"id"`
	Deleted map[string]int64 `json:"deleted"`
	Kept    []struct {
		Item  string  `json:"item"`
		Term  string  `json:"term"`
		Until *string `json:"until"`
	} `json:"kept"`
}

// count runs a COUNT(*) query on the test server's database.
func (e *env) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := e.sqlDB(t).QueryRowContext(t.Context(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// TestE2EDeletion: a parent with WeChat bindings, an e-card PIN, message
// and display preferences, a grant to their child and an order the child
// paid asks for deletion. The account-only data goes, the person is signed
// out everywhere, WeChat and the PIN no longer sign them in, the child can
// no longer pay for them; the order's vouchers still verify and the audit
// chain holds. A second request is harmless, and the request is the
// person's own to read. (The books are audited when the test ends, by
// startApp's cleanup.)
func TestE2EDeletion(t *testing.T) {
	t.Parallel()
	e := startApp(t)
	const parentPhone, childPhone = "13800000004", "13800000001"
	parentID := demoID("51010419600808351")
	token, me := e.login(t, parentPhone)

	// Before: a PIN, message and display preferences.
	e.call(t, "POST", "/api/v1/auth/sms-codes", "", nil, map[string]string{"phone": parentPhone})
	e.call(t, "PUT", "/api/v1/me/ecard-pin", token, nil, map[string]string{"pin": "135790", "code": e.smsCode(t, parentPhone)}).want(t, http.StatusNoContent)
	e.call(t, "PUT", "/api/v1/me/notice-preferences", token, nil, map[string]bool{"reminders": true}).want(t, http.StatusOK)
	if _, err := e.sqlDB(t).ExecContext(t.Context(), `INSERT INTO display_prefs (person_id, care, voice, lang, updated_at)
		VALUES ($1, true, false, 'zh', 1)`, me.ID); err != nil {
		t.Fatal(err)
	}
	var miniOpenID string
	if err := e.sqlDB(t).QueryRowContext(t.Context(), `SELECT mp_openid FROM persons WHERE id = $1`, me.ID).Scan(&miniOpenID); err != nil || miniOpenID == "" {
		t.Fatalf("the demo parent has no mini-program binding: %q, %v", miniOpenID, err)
	}

	// The child asks for a grant, the parent consents, the child pays.
	child, _ := e.login(t, childPhone)
	var g struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	e.call(t, "POST", "/api/v1/proxies", child, nil, map[string]any{"relationship": "parent", "document_type": "resident_id",
		"document_number": parentID, "insurances": []string{"390"}, "until": "2099-12"}).want(t, http.StatusCreated).json(t, &g)
	e.call(t, "POST", "/api/v1/proxies/"+g.ID+"/consent", child, nil, map[string]string{"code": e.smsCode(t, parentPhone)}).want(t, 200).json(t, &g)
	var due struct {
		Bills []bill `json:"bills"`
	}
	e.call(t, "GET", "/api/v1/proxies/"+g.ID+"/bills", child, nil, nil).want(t, 200).json(t, &due)
	var o order
	e.call(t, "POST", "/api/v1/orders", child, keyHeader("del-p1"),
		map[string]any{"bill_ids": ids(due.Bills), "channel": "wechatpay", "grant_id": g.ID}).want(t, 201).json(t, &o)
	paid := e.payOrder(t, child, o)
	vouchers := e.vouchers(t, child, paid.ID)

	// A WeChat-only session must step up; nothing asked yet.
	code, _ := e.jsCode(t, miniOpenID)
	var wx struct {
		Token string `json:"token"`
	}
	e.call(t, "POST", "/api/v1/auth/sessions", "", nil, map[string]string{"method": "wechat_miniprogram", "code": code}).want(t, http.StatusCreated).json(t, &wx)
	wantError(t, e.call(t, "POST", "/api/v1/me/deletion-request", wx.Token, nil, map[string]bool{"confirm": true}), http.StatusForbidden, "step_up_required", "")
	wantError(t, e.call(t, "GET", "/api/v1/me/deletion-request", token, nil, nil), http.StatusNotFound, "deletion_request_not_found", "")
	wantError(t, e.call(t, "POST", "/api/v1/me/deletion-request", token, nil, map[string]bool{"confirm": false}), http.StatusBadRequest, "deletion_unconfirmed", "confirm")

	var first deletionAnswer
	e.call(t, "POST", "/api/v1/me/deletion-request", token, nil, map[string]bool{"confirm": true}).want(t, http.StatusOK).json(t, &first)
	for k, want := range map[string]int64{"wechat_bindings": 2, "ecard_pin": 1, "notice_preferences": 1, "display_preferences": 1,
		"grants_revoked": 1, "sessions": 2} {
		if first.Deleted[k] != want {
			t.Errorf("deleted %s = %d, want %d (all: %v)", k, first.Deleted[k], want, first.Deleted)
		}
	}
	terms := map[string]string{}
	for _, k := range first.Kept {
		terms[k.Item] = k.Term
		if (k.Term == "until") != (k.Until != nil) {
			t.Errorf("kept %s: term %s, until %v", k.Item, k.Term, k.Until)
		}
	}
	for item, term := range map[string]string{"insured_record": "register", "orders_ledger": "long_term", "fiscal_receipt": "long_term",
		"acceptance_receipt": "until", "transaction_statement": "until", "audit_log": "until"} {
		if terms[item] != term {
			t.Errorf("kept %s: term %q, want %q", item, terms[item], term)
		}
	}

	// Signed out everywhere; the stored rows are gone.
	wantError(t, e.call(t, "GET", "/api/v1/me", token, nil, nil), http.StatusUnauthorized, "unauthenticated", "")
	wantError(t, e.call(t, "GET", "/api/v1/me", wx.Token, nil, nil), http.StatusUnauthorized, "unauthenticated", "")
	for query, want := range map[string]int{
		`SELECT COUNT(*) FROM persons WHERE id = $1 AND openid = '' AND mp_openid = ''`:                  1,
		`SELECT COUNT(*) FROM ecard_pins WHERE person_id = $1`:                                           0,
		`SELECT COUNT(*) FROM display_prefs WHERE person_id = $1`:                                        0,
		`SELECT COUNT(*) FROM notice_prefs WHERE person_id = $1`:                                         0,
		`SELECT COUNT(*) FROM sessions WHERE person_id = $1`:                                             0,
		`SELECT COUNT(*) FROM grants WHERE grantor_id = $1 AND status = 'revoked'`:                       1,
		`SELECT COUNT(*) FROM orders WHERE person_id = $1 AND state = 'credited'`:                        1,
		`SELECT COUNT(*) FROM enrolments WHERE person_id = $1`:                                           1,
		`SELECT COUNT(*) FROM audit_log WHERE action = 'person.deletion' AND actor = $1 AND target = $1`: 1,
	} {
		if n := e.count(t, query, me.ID); n != want {
			t.Errorf("%s: %d, want %d", query, n, want)
		}
	}

	// WeChat no longer signs the parent in, nor does the PIN.
	code, _ = e.jsCode(t, miniOpenID)
	wantError(t, e.call(t, "POST", "/api/v1/auth/sessions", "", nil, map[string]string{"method": "wechat_miniprogram", "code": code}),
		http.StatusForbidden, "wechat_not_bound", "")
	wantError(t, e.call(t, "POST", "/api/v1/auth/sessions", "", nil, map[string]string{"method": "ecard_password", "id_number": parentID, "pin": "135790"}),
		http.StatusBadRequest, "pin_not_set", "")
	// The child can no longer pay for the parent.
	wantError(t, e.call(t, "GET", "/api/v1/proxies/"+g.ID+"/bills", child, nil, nil), http.StatusForbidden, "grant_not_active", "")
	wantError(t, e.call(t, "POST", "/api/v1/orders", child, keyHeader("del-p2"),
		map[string]any{"bill_ids": ids(due.Bills), "channel": "wechatpay", "grant_id": g.ID}), http.StatusForbidden, "grant_not_active", "")
	// The vouchers still verify; the audit chain is whole.
	for _, v := range vouchers {
		if got := e.verify(t, v.Code); !got.Valid {
			t.Errorf("voucher %s after the deletion: %+v", v.Kind, got)
		}
	}
	if n, problem, err := auditlog.Verify(t.Context(), e.run.App.AuditReader()); err != nil || problem != nil || n == 0 {
		t.Fatalf("audit log: %d entries, problem %+v, err %v", n, problem, err)
	}

	// Back with an SMS code: reminders are off, the request is there, and
	// asking again deletes only what is new (this session).
	token, _ = e.login(t, parentPhone)
	var prefs struct {
		Reminders bool `json:"reminders"`
	}
	e.call(t, "GET", "/api/v1/me/notice-preferences", token, nil, nil).want(t, http.StatusOK).json(t, &prefs)
	if prefs.Reminders {
		t.Error("reminders on after the deletion request")
	}
	var latest deletionAnswer
	e.call(t, "GET", "/api/v1/me/deletion-request", token, nil, nil).want(t, http.StatusOK).json(t, &latest)
	if latest.ID != first.ID {
		t.Errorf("latest request %s, want %s", latest.ID, first.ID)
	}
	var second deletionAnswer
	e.call(t, "POST", "/api/v1/me/deletion-request", token, nil, map[string]bool{"confirm": true}).want(t, http.StatusOK).json(t, &second)
	for k, n := range second.Deleted {
		if want := map[string]int64{"sessions": 1}[k]; n != want {
			t.Errorf("second request deleted %s = %d, want %d", k, n, want)
		}
	}
	if len(second.Kept) != len(first.Kept) {
		t.Errorf("second request keeps %d items, the first %d", len(second.Kept), len(first.Kept))
	}

	// Nobody else reads it: the child has no request of their own, and
	// the route takes no id.
	wantError(t, e.call(t, "GET", "/api/v1/me/deletion-request", child, nil, nil), http.StatusNotFound, "deletion_request_not_found", "")
	wantError(t, e.raw(t, "GET", "/api/v1/me/deletion-request", nil, nil), http.StatusUnauthorized, "unauthenticated", "")
}

// TestE2EDeletionRefusedWhileOrderOpen: an order awaiting payment blocks
// the deletion, which then deletes nothing; once closed, it goes through.
func TestE2EDeletionRefusedWhileOrderOpen(t *testing.T) {
	t.Parallel()
	e := startApp(t)
	token, me := e.login(t, "13800000002")
	o := e.order(t, token, "del-open", ids(e.bills(t, token)))
	r := wantError(t, e.call(t, "POST", "/api/v1/me/deletion-request", token, nil, map[string]bool{"confirm": true}),
		http.StatusConflict, "deletion_orders_in_progress", "")
	if !strings.Contains(r.Error.Message, o.ID) || !strings.Contains(r.Error.MessageEn, o.ID) {
		t.Errorf("refusal does not name the order %s: %+v", o.ID, r)
	}
	if n := e.count(t, `SELECT COUNT(*) FROM persons WHERE id = $1 AND openid <> '' AND mp_openid <> ''`, me.ID); n != 1 {
		t.Error("a refused deletion removed the WeChat bindings")
	}
	e.call(t, "GET", "/api/v1/me", token, nil, nil).want(t, http.StatusOK)
	e.call(t, "POST", "/api/v1/orders/"+o.ID+"/close", token, nil, nil).want(t, http.StatusOK)
	e.call(t, "POST", "/api/v1/me/deletion-request", token, nil, map[string]bool{"confirm": true}).want(t, http.StatusOK)
}

// TestE2EWebDeletion: 我的数据 through the pages: the box must be ticked,
// the outcome is shown and the browser is signed out; the request is in
// the store like one made through the API.
func TestE2EWebDeletion(t *testing.T) {
	t.Parallel()
	e := startApp(t)
	b := newBrowser(t, e)
	b.signIn(t, "13800000003")
	p := b.get(t, "/me/data").want(t, http.StatusOK)
	if !strings.Contains(p.html, "依法保留") || !strings.Contains(p.html, "网络安全法") {
		t.Errorf("my data page does not say what is kept and why:\n%s", p.html)
	}
	form := p.form(t, "/me/data/delete").values("")
	if form.Has("confirm") {
		t.Fatal("the confirmation box is ticked before the person ticks it")
	}
	b.post(t, "/me/data/delete", form, sameOrigin(e)).want(t, http.StatusBadRequest)
	form.Set("confirm", "yes")
	done := b.post(t, "/me/data/delete", form, sameOrigin(e)).want(t, http.StatusOK)
	if !strings.Contains(done.html, "您已退出登录") {
		t.Errorf("outcome page:\n%s", done.html)
	}
	if r := b.get(t, "/me"); r.Status != http.StatusSeeOther {
		t.Errorf("/me after the deletion: %d, want 303 to sign in", r.Status)
	}
	if n := e.count(t, `SELECT COUNT(*) FROM deletion_requests d JOIN persons p ON p.id = d.person_id
		WHERE p.openid = '' AND p.mp_openid = ''`); n != 1 {
		t.Errorf("%d deletion requests with the bindings gone, want 1", n)
	}
}
