package app_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// raiseToCeiling has 张伟 (Beijing) choose the ceiling base for every
// insurance on the base page, so this month's bills pass the 5,000-yuan line
// above which a payment needs a second factor.
func raiseToCeiling(t *testing.T, e *env) *browser {
	t.Helper()
	b := newBrowser(t, e)
	b.signIn(t, "13800000001")
	form := b.get(t, "/me/base").want(t, http.StatusOK).form(t, "/me/base").values("")
	for k := range form {
		if strings.HasPrefix(k, "base_") {
			form.Set(k, "ceiling")
		}
	}
	b.post(t, "/me/base", form, sameOrigin(e)).want(t, http.StatusSeeOther)
	return b
}

type confirmStatus struct {
	Methods        []string `json:"methods"`
	Confirmed      bool     `json:"confirmed"`
	ConfirmedUntil string   `json:"confirmed_until"`
}

// TestE2ESecondFactorLargePayment: a payment above the review line is
// refused until the payer confirms with a factor other than the one they
// signed in with; then the same request (same key) goes through.
func TestE2ESecondFactorLargePayment(t *testing.T) {
	t.Parallel()
	e := startApp(t)
	raiseToCeiling(t, e)
	const phone = "13800000001"
	token, _ := e.login(t, phone)
	bills := e.bills(t, token)
	var total int64
	for _, b := range bills {
		total += b.AmountFen
	}
	if total <= 500_000 {
		t.Fatalf("bills total %d fen, want above the 5,000-yuan line", total)
	}
	create := func() resp {
		return e.call(t, http.MethodPost, "/api/v1/orders", token, keyHeader("large-1"),
			map[string]any{"bill_ids": ids(bills), "channel": "wechatpay"})
	}
	refused := wantError(t, create(), http.StatusForbidden, "second_factor_required", "")
	var allowed []string
	_ = json.Unmarshal(refused.Error.Allowed, &allowed)
	if !strings.Contains(refused.Error.Message, "元") || strings.Join(allowed, ",") != "face" {
		t.Fatalf("refusal %+v: want the amount and, for an SMS session without a PIN, only face", refused.Error)
	}
	// An SMS code is no second factor for a session opened by SMS code.
	wantError(t, e.call(t, http.MethodPost, "/api/v1/me/confirmations", token, nil, map[string]string{"method": "sms", "code": "123456"}),
		http.StatusBadRequest, "second_factor_same", "method")
	wantError(t, e.call(t, http.MethodPost, "/api/v1/me/confirmations/sms-code", token, nil, nil), http.StatusBadRequest, "second_factor_same", "method")

	// With an e-card password set, that is one.
	e.call(t, http.MethodPost, "/api/v1/auth/sms-codes", "", nil, map[string]string{"phone": phone}).want(t, http.StatusAccepted)
	e.call(t, http.MethodPut, "/api/v1/me/ecard-pin", token, nil, map[string]string{"pin": "246810", "code": e.smsCode(t, phone)}).want(t, http.StatusNoContent)
	var st confirmStatus
	e.call(t, http.MethodGet, "/api/v1/me/confirmations", token, nil, nil).want(t, http.StatusOK).json(t, &st)
	if st.Confirmed || strings.Join(st.Methods, ",") != "ecard_password,face" {
		t.Fatalf("confirmation status %+v", st)
	}
	wantError(t, e.call(t, http.MethodPost, "/api/v1/me/confirmations", token, nil, map[string]string{"method": "ecard_password", "pin": "111111"}),
		http.StatusBadRequest, "pin_wrong", "pin")
	wantError(t, create(), http.StatusForbidden, "second_factor_required", "")
	e.call(t, http.MethodPost, "/api/v1/me/confirmations", token, nil, map[string]string{"method": "ecard_password", "pin": "246810"}).want(t, http.StatusCreated)
	e.call(t, http.MethodGet, "/api/v1/me/confirmations", token, nil, nil).want(t, http.StatusOK).json(t, &st)
	if !st.Confirmed || st.ConfirmedUntil == "" {
		t.Fatalf("after confirming: %+v", st)
	}
	var o order
	create().want(t, http.StatusCreated).json(t, &o)
	e.payOrder(t, token, o)

	// Another session is not confirmed by this one's password.
	other, _ := e.login(t, phone)
	wantError(t, e.call(t, http.MethodPost, "/api/v1/me/phone/sms-code", other, nil, map[string]string{"phone": "13900000009"}),
		http.StatusForbidden, "second_factor_required", "")
}

// TestE2ESecondFactorFace: the face check of the signed-in person confirms;
// a check of someone else does not.
func TestE2ESecondFactorFace(t *testing.T) {
	t.Parallel()
	e := startApp(t)
	token, _ := e.login(t, "13800000002")
	var s struct {
		SessionID string `json:"session_id"`
		URL       string `json:"url"`
	}
	e.call(t, http.MethodPost, "/api/v1/me/confirmations/face", token, nil, map[string]string{}).want(t, http.StatusCreated).json(t, &s)
	confirm := func(tok, sid string) resp {
		return e.call(t, http.MethodPost, "/api/v1/me/confirmations", tok, nil, map[string]string{"method": "face", "session_id": sid})
	}
	wantError(t, confirm(token, s.SessionID), http.StatusConflict, "face_pending", "")
	e.raw(t, http.MethodPost, strings.TrimPrefix(s.URL, e.URL), nil, map[string]string{"outcome": "passed"}).want(t, http.StatusOK)
	// Someone else cannot use 李娜's passed check.
	stranger, _ := e.login(t, "13800000003")
	wantError(t, confirm(stranger, s.SessionID), http.StatusBadRequest, "face_session_invalid", "session_id")
	// …and the check, once tried, is used up, so 李娜 starts another.
	e.call(t, http.MethodPost, "/api/v1/me/confirmations/face", token, nil, map[string]string{}).want(t, http.StatusCreated).json(t, &s)
	e.raw(t, http.MethodPost, strings.TrimPrefix(s.URL, e.URL), nil, map[string]string{"outcome": "passed"}).want(t, http.StatusOK)
	confirm(token, s.SessionID).want(t, http.StatusCreated)
}

// TestE2EChangePhone: a confirmed person moves their number to one whose
// code they receive; the old number is told and no longer signs in.
func TestE2EChangePhone(t *testing.T) {
	t.Parallel()
	e := startApp(t)
	const old, fresh = "13800000003", "13900000009"
	token, _ := e.login(t, old)
	wantError(t, e.call(t, http.MethodPut, "/api/v1/me/phone", token, nil, map[string]string{"phone": fresh, "code": "123456"}),
		http.StatusForbidden, "second_factor_required", "")
	e.call(t, http.MethodPost, "/api/v1/auth/sms-codes", "", nil, map[string]string{"phone": old}).want(t, http.StatusAccepted)
	e.call(t, http.MethodPut, "/api/v1/me/ecard-pin", token, nil, map[string]string{"pin": "135790", "code": e.smsCode(t, old)}).want(t, http.StatusNoContent)
	e.call(t, http.MethodPost, "/api/v1/me/confirmations", token, nil, map[string]string{"method": "ecard_password", "pin": "135790"}).want(t, http.StatusCreated)

	wantError(t, e.call(t, http.MethodPost, "/api/v1/me/phone/sms-code", token, nil, map[string]string{"phone": "13800000002"}),
		http.StatusConflict, "phone_in_use", "phone")
	wantError(t, e.call(t, http.MethodPost, "/api/v1/me/phone/sms-code", token, nil, map[string]string{"phone": old}),
		http.StatusBadRequest, "phone_unchanged", "phone")
	e.call(t, http.MethodPost, "/api/v1/me/phone/sms-code", token, nil, map[string]string{"phone": fresh}).want(t, http.StatusAccepted)
	wantError(t, e.call(t, http.MethodPut, "/api/v1/me/phone", token, nil, map[string]string{"phone": fresh, "code": "000000"}),
		http.StatusUnauthorized, "sms_code_invalid", "code")
	var p person
	e.call(t, http.MethodPut, "/api/v1/me/phone", token, nil, map[string]string{"phone": fresh, "code": e.smsCode(t, fresh)}).want(t, http.StatusOK).json(t, &p)
	if p.Phone != "139****0009" {
		t.Fatalf("phone after the change: %q", p.Phone)
	}
	// The old number heard of it.
	var box struct {
		Messages []struct{ Text string } `json:"messages"`
	}
	e.raw(t, http.MethodGet, "/sandbox/sms?phone="+url.QueryEscape(old), nil, nil).want(t, http.StatusOK).json(t, &box)
	told := false
	for _, m := range box.Messages {
		told = told || strings.Contains(m.Text, "手机号已改为139****0009")
	}
	if !told {
		t.Errorf("the old number was not told of the change: %+v", box.Messages)
	}
	// The new number signs in; the old one no longer finds anybody.
	if _, again := e.login(t, fresh); again.ID != p.ID {
		t.Errorf("the new number signs in as %q, want %q", again.ID, p.ID)
	}
	e.call(t, http.MethodPost, "/api/v1/auth/sms-codes", "", nil, map[string]string{"phone": old}).want(t, http.StatusAccepted)
	wantError(t, e.call(t, http.MethodPost, "/api/v1/auth/sessions", "", nil, map[string]string{"method": "sms", "phone": old, "code": e.smsCode(t, old)}),
		http.StatusNotFound, "person_not_found", "phone")
}

// TestE2EWebSecondFactor: in the pages, a large payment shows the
// confirmation step; the e-card password there goes on to the cashier.
func TestE2EWebSecondFactor(t *testing.T) {
	t.Parallel()
	e := startApp(t)
	b := raiseToCeiling(t, e)
	token, _ := e.login(t, "13800000001")
	e.call(t, http.MethodPost, "/api/v1/auth/sms-codes", "", nil, map[string]string{"phone": "13800000001"}).want(t, http.StatusAccepted)
	e.call(t, http.MethodPut, "/api/v1/me/ecard-pin", token, nil, map[string]string{"pin": "246810", "code": e.smsCode(t, "13800000001")}).want(t, http.StatusNoContent)

	pay := b.get(t, "/me").want(t, http.StatusOK).form(t, "/orders").values("")
	step := b.post(t, "/orders", pay, sameOrigin(e)).want(t, http.StatusForbidden)
	if !strings.Contains(step.html, "请再次确认是本人在缴费") || !strings.Contains(step.html, "元") {
		t.Fatal("a large payment does not show the confirmation step with the amount")
	}
	b.personal(t, step)
	form := step.form(t, "/orders/confirm").values("")
	if form.Get("method") != "ecard_password" || form.Get("key") != pay.Get("key") || len(form["bill"]) != len(pay["bill"]) {
		t.Fatalf("the confirmation form does not carry the order: %v", form)
	}
	form.Set("pin", "000000")
	if wrong := b.post(t, "/orders/confirm", form, sameOrigin(e)); wrong.Status != http.StatusBadRequest || !strings.Contains(wrong.html, "密码不正确") {
		t.Errorf("wrong password: %d", wrong.Status)
	}
	form.Set("pin", "246810")
	r := b.post(t, "/orders/confirm", form, sameOrigin(e)).want(t, http.StatusSeeOther)
	if loc := r.Header.Get("Location"); !strings.Contains(loc, "/cashier/") && !strings.HasPrefix(loc, "/orders/") {
		t.Fatalf("after confirming, sent to %q, want the cashier or the order", loc)
	}
}

// TestE2EWebSecondFactorFace: without an e-card password, the page's face
// check confirms; the order form survives the trip to the liveness service.
func TestE2EWebSecondFactorFace(t *testing.T) {
	t.Parallel()
	e := startApp(t)
	b := raiseToCeiling(t, e)
	pay := b.get(t, "/me").want(t, http.StatusOK).form(t, "/orders").values("")
	step := b.post(t, "/orders", pay, sameOrigin(e)).want(t, http.StatusForbidden)
	if strings.Contains(step.html, `name="pin"`) || strings.Contains(step.html, `value="send"`) {
		t.Error("an SMS session without a password is offered the password or another SMS code")
	}
	face := step.form(t, "/orders/confirm").values("face")
	if face.Get("action") != "face" {
		t.Fatalf("no face check on the confirmation step: %v", face)
	}
	r := b.post(t, "/orders/confirm", face, sameOrigin(e)).want(t, http.StatusSeeOther)
	check := r.Header.Get("Location")
	if !strings.Contains(check, "/sandbox/face/") {
		t.Fatalf("face check at %q", check)
	}
	// The person passes the check on the liveness service's page.
	e.raw(t, http.MethodPost, strings.TrimPrefix(check, e.URL), nil, map[string]string{"outcome": "passed"}).want(t, http.StatusOK)
	done := b.get(t, "/confirm/face").want(t, http.StatusSeeOther)
	if loc := done.Header.Get("Location"); !strings.Contains(loc, "/cashier/") && !strings.HasPrefix(loc, "/orders/") {
		t.Fatalf("after the face check, sent to %q, want the cashier or the order", loc)
	}
	// The cookie that carried the form is gone: a second return does nothing.
	if again := b.get(t, "/confirm/face"); again.Header.Get("Location") != "/me" {
		t.Errorf("second return: %d %q", again.Status, again.Header.Get("Location"))
	}
}

// TestE2EWebChangePhone: through the pages, confirm with a face check, then
// move to a new number with the code sent to it.
func TestE2EWebChangePhone(t *testing.T) {
	t.Parallel()
	e := startApp(t)
	b := newBrowser(t, e)
	b.signIn(t, "13800000004")
	if !strings.Contains(b.get(t, "/me").want(t, http.StatusOK).html, `href="/me/phone"`) {
		t.Error("the record page does not link to the phone change")
	}
	step := b.get(t, "/me/phone").want(t, http.StatusOK)
	if !strings.Contains(step.html, "更换手机号前") {
		t.Fatal("the phone page does not ask for a confirmation first")
	}
	r := b.post(t, "/me/phone/confirm", step.form(t, "/me/phone/confirm").values("face"), sameOrigin(e)).want(t, http.StatusSeeOther)
	e.raw(t, http.MethodPost, strings.TrimPrefix(r.Header.Get("Location"), e.URL), nil, map[string]string{"outcome": "passed"}).want(t, http.StatusOK)
	if back := b.get(t, "/confirm/face").want(t, http.StatusSeeOther); back.Header.Get("Location") != "/me/phone" {
		t.Fatalf("after the face check: %q", back.Header.Get("Location"))
	}
	form := b.get(t, "/me/phone").want(t, http.StatusOK).form(t, "/me/phone/code").values("")
	form.Set("phone", "13800000001")
	if taken := b.post(t, "/me/phone/code", form, sameOrigin(e)); taken.Status != http.StatusConflict || !strings.Contains(taken.html, "已关联其他参保人") {
		t.Errorf("another person's number: %d", taken.Status)
	}
	form.Set("phone", "13900000008")
	codePage := b.post(t, "/me/phone/code", form, sameOrigin(e)).want(t, http.StatusOK)
	save := codePage.form(t, "/me/phone").values("")
	save.Set("code", e.smsCode(t, "13900000008"))
	if done := b.post(t, "/me/phone", save, sameOrigin(e)).want(t, http.StatusSeeOther); done.Header.Get("Location") != "/me/phone?changed=1" {
		t.Fatalf("after the change: %q", done.Header.Get("Location"))
	}
	if p := b.get(t, "/me/phone?changed=1").want(t, http.StatusOK); !strings.Contains(p.html, "139****0008") {
		t.Error("the page does not show the new number")
	}
}
