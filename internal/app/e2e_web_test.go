package app_test

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// TestE2EWebPayFlow pays through the citizen pages as a browser without
// JavaScript does: forms, cookies, redirects, the sandbox cashier.
func TestE2EWebPayFlow(t *testing.T) {
	t.Parallel()
	e := startApp(t)
	b := newBrowser(t, e)
	home := b.get(t, "/").want(t, http.StatusOK)
	for _, region := range []string{"110000", "440100", "320100", "510100"} {
		if !strings.Contains(home.html, `value="`+region+`"`) {
			t.Errorf("home page does not offer region %s", region)
		}
	}
	if r := b.get(t, "/me"); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
		t.Fatalf("/me without a session: %d to %q, want 303 to /login", r.Status, r.Header.Get("Location"))
	}
	b.signIn(t, "13800000001")
	me := b.get(t, "/me").want(t, http.StatusOK)
	b.personal(t, me)
	if !strings.Contains(me.html, "110***********") {
		t.Errorf("/me does not show the masked ID number 110***********…")
	}
	for _, secret := range []string{"11010519850307451", "13800000001", "张伟"} {
		if strings.Contains(me.html, secret) {
			t.Errorf("/me shows %q unmasked", secret)
		}
	}

	pay := me.form(t, "/orders").values("")
	if len(pay["bill"]) == 0 || pay.Get("csrf") == "" || pay.Get("key") == "" || pay.Get("channel") != "wechatpay" {
		t.Fatalf("pay form sends %v, want checked bills, csrf, key and channel", pay)
	}
	noCSRF := url.Values{"bill": pay["bill"], "key": {"other-key"}, "channel": {"wechatpay"}}
	badCSRF := url.Values{"bill": pay["bill"], "key": {"other-key"}, "channel": {"wechatpay"}, "csrf": {strings.Repeat("0", 64)}}
	evil := http.Header{"Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"}}
	for name, c := range map[string]struct {
		form url.Values
		hdr  http.Header
	}{"cross-site": {pay, evil}, "no csrf field": {noCSRF, sameOrigin(e)}, "wrong csrf": {badCSRF, sameOrigin(e)}} {
		if r := b.post(t, "/orders", c.form, c.hdr); r.Status != http.StatusForbidden {
			t.Errorf("%s POST /orders: status %d, want 403", name, r.Status)
		}
	}
	r := b.post(t, "/orders", pay, sameOrigin(e)).want(t, http.StatusSeeOther)
	cashierURL, orderPath := cashierRedirect(t, e, r.Header.Get("Location"))
	if again := b.post(t, "/orders", pay, sameOrigin(e)); again.Header.Get("Location") != r.Header.Get("Location") {
		t.Errorf("the same form twice: second redirect %q, want %q (one order)", again.Header.Get("Location"), r.Header.Get("Location"))
	}

	cashier := b.get(t, cashierURL).want(t, http.StatusOK)
	f := cashier.form(t, "/sandbox/wechatpay/cashier/")
	if r := b.post(t, f.Action, f.values("success"), evil); r.Status != http.StatusForbidden {
		t.Errorf("cross-site POST to the cashier: status %d, want 403", r.Status)
	}
	r = b.post(t, f.Action, f.values("success"), sameOrigin(e)).want(t, http.StatusSeeOther)
	if want := orderPath + "?cashier=success"; r.Header.Get("Location") != want {
		t.Fatalf("cashier redirects to %q, want %q", r.Header.Get("Location"), want)
	}
	var result page
	eventually(t, "the result page to say 缴费成功", func() bool {
		result = b.get(t, r.Header.Get("Location")).want(t, http.StatusOK)
		return strings.Contains(result.html, "缴费成功")
	})
	b.personal(t, result)
	wallet := b.get(t, "/vouchers").want(t, http.StatusOK)
	b.personal(t, wallet)
	links := regexp.MustCompile(`href="(/vouchers/vch_[A-Z0-9]+)"`).FindAllStringSubmatch(wallet.html, -1)
	if len(links) != 3 {
		t.Fatalf("wallet links to %d vouchers, want 3", len(links))
	}
	v := b.get(t, links[0][1]).want(t, http.StatusOK)
	b.personal(t, v)
	if !strings.Contains(v.html, "<svg") {
		t.Error("voucher page has no <svg> QR code")
	}
	code := regexp.MustCompile(`/verify/([A-Z0-9]+)"`).FindStringSubmatch(v.html)
	if code == nil {
		t.Fatal("voucher page has no /verify/{code} link")
	}
	if pub := newBrowser(t, e).get(t, "/verify/"+code[1]).want(t, http.StatusOK); !strings.Contains(pub.html, "凭证真实有效") {
		t.Errorf("public verify page does not say 凭证真实有效")
	}
	if done := b.get(t, "/me").want(t, http.StatusOK); !strings.Contains(done.html, "您当前没有应缴账单") {
		t.Error("/me still lists bills due after paying them all")
	}
	out := b.get(t, "/me").form(t, "/logout").values("")
	b.post(t, "/logout", out, sameOrigin(e)).want(t, http.StatusSeeOther)
	if r := b.get(t, "/me"); r.Status != http.StatusSeeOther {
		t.Errorf("/me after logout: %d, want 303 to /login", r.Status)
	}
}

// signIn logs phone in through the pages: phone, SMS code, session cookie.
func (b *browser) signIn(t *testing.T, phone string) {
	t.Helper()
	codePage := b.post(t, "/login/code", url.Values{"phone": {phone}}, sameOrigin(b.e)).want(t, http.StatusOK)
	login := codePage.form(t, "/login").values("")
	login.Set("code", b.e.smsCode(t, phone))
	r := b.post(t, "/login", login, sameOrigin(b.e)).want(t, http.StatusSeeOther)
	if r.Header.Get("Location") != "/me" {
		t.Fatalf("login redirects to %q, want /me", r.Header.Get("Location"))
	}
	res := http.Response{Header: r.Header}
	for _, c := range res.Cookies() {
		if c.Value != "" && (!c.HttpOnly || c.SameSite == http.SameSiteNoneMode || c.SameSite == http.SameSiteDefaultMode) {
			t.Errorf("session cookie %s is not HttpOnly with SameSite Lax or Strict", c.Name)
		}
	}
}

// TestE2EWebErrors: other people's pages are not found and show nothing of
// them; bad form input is an error page with the right status, never a 500.
func TestE2EWebErrors(t *testing.T) {
	t.Parallel()
	e := startApp(t)
	tokA, _ := e.login(t, "13800000003")
	o := e.payOrder(t, tokA, e.order(t, tokA, "web-a", ids(e.bills(t, tokA))))
	vs := e.vouchers(t, tokA, o.ID)
	tokA2, _ := e.login(t, "13800000002")
	open := e.order(t, tokA2, "web-a2", ids(e.bills(t, tokA2)[:1]))
	b := newBrowser(t, e)
	b.signIn(t, "13800000004")
	form := b.get(t, "/me").form(t, "/orders").values("")
	csrf := url.Values{"csrf": {form.Get("csrf")}}
	theirBill := url.Values{"csrf": csrf["csrf"], "key": {"x"}, "channel": {"wechatpay"}, "bill": {open.BillIDs[0]}}
	noBill := url.Values{"csrf": csrf["csrf"], "key": {"y"}, "channel": {"wechatpay"}}
	for _, c := range []struct {
		method, path string
		form         url.Values
		status       int
		text         string
	}{
		{"GET", "/orders/" + o.ID, nil, 404, ""},
		{"GET", "/orders/" + o.ID + "/state", nil, 404, ""},
		{"GET", "/vouchers/" + vs[0].ID, nil, 404, ""},
		{"POST", "/orders/" + open.ID + "/close", csrf, 404, ""},
		{"POST", "/orders", theirBill, 404, ""},
		{"POST", "/orders", noBill, 400, ""},
		{"GET", "/orders/ord_NOSUCHORDER", nil, 404, ""},
		{"GET", "/no-such-page", nil, 404, "没有找到这个页面"},
		{"GET", "/verify/NOSUCHCODE", nil, 200, "查无此凭证"},
	} {
		var p page
		if c.method == "GET" {
			p = b.get(t, c.path)
		} else {
			p = b.post(t, c.path, c.form, sameOrigin(e))
		}
		if p.Status != c.status || !strings.Contains(p.html, c.text) {
			t.Errorf("%s %s: %d, want %d with %q", c.method, c.path, p.Status, c.status, c.text)
		}
		for _, leak := range []string{o.OutTradeNo, open.OutTradeNo, vs[0].Code} {
			if strings.Contains(p.html, leak) {
				t.Errorf("%s %s shows another person's %s", c.method, c.path, leak)
			}
		}
	}
	if got := e.getOrder(t, tokA2, open.ID); got.State != "awaiting_payment" {
		t.Errorf("another person's close attempt left the order %s", got.State)
	}
	anon := newBrowser(t, e)
	if p := anon.post(t, "/login/code", url.Values{"phone": {"123"}}, sameOrigin(e)); p.Status != 400 || !strings.Contains(p.html, "手机号格式不正确") {
		t.Errorf("bad phone: %d, want 400 with 手机号格式不正确", p.Status)
	}
	anon.post(t, "/login/code", url.Values{"phone": {"13800000001"}}, sameOrigin(e)).want(t, http.StatusOK)
	if p := anon.post(t, "/login", url.Values{"phone": {"13800000001"}, "code": {"12"}}, sameOrigin(e)); p.Status != 401 {
		t.Errorf("wrong code: %d, want 401", p.Status)
	}
}

// cashierRedirect checks the pay form's redirect goes to the sandbox
// cashier on this origin with return=/orders/{id}, and returns the
// cashier's path and query and the order's path.
func cashierRedirect(t *testing.T, e *env, loc string) (cashier, orderPath string) {
	t.Helper()
	u, err := url.Parse(loc)
	if err != nil || (u.Host != "" && u.Scheme+"://"+u.Host != e.URL) || !strings.HasPrefix(u.Path, "/sandbox/wechatpay/cashier/") {
		t.Fatalf("pay form redirects to %q, want the sandbox cashier on %s", loc, e.URL)
	}
	ret := u.Query().Get("return")
	if !regexp.MustCompile(`^/orders/ord_[A-Z0-9]+$`).MatchString(ret) {
		t.Fatalf("cashier return %q, want /orders/{id}", ret)
	}
	return u.RequestURI(), ret
}

// TestE2ETamperedVoucher edits a stored receipt's amount in the database
// while the server runs: verification must then fail, in the API and on
// the public page.
func TestE2ETamperedVoucher(t *testing.T) {
	t.Parallel()
	e := startApp(t)
	token, _ := e.login(t, "13800000003")
	o := e.payOrder(t, token, e.order(t, token, "tamper", ids(e.bills(t, token))))
	vs := wantVoucherSet(t, e.vouchers(t, token, o.ID), o.ID)
	code := vs["fiscal_receipt"].Code

	db := e.sqlDB(t)
	var payload []byte
	if err := db.QueryRowContext(t.Context(), `SELECT payload FROM vouchers WHERE code = $1`, code).Scan(&payload); err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(payload, []byte(`"fen":`)) + len(`"fen":`)
	if i < len(`"fen":`) || payload[i] < '1' || payload[i] > '9' {
		t.Fatalf("no amount in fen in the stored payload: %s", payload)
	}
	payload[i] = '1' + (payload[i]-'1'+1)%9 // another non-zero leading digit
	if res, err := db.ExecContext(t.Context(), `UPDATE vouchers SET payload = $1 WHERE code = $2`, payload, code); err != nil {
		t.Fatal(err)
	} else if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("updated %d rows", n)
	}

	if got := e.verify(t, code); got.Valid || got.Reason != "bad_signature" {
		t.Errorf("verify of the altered receipt = %+v, want valid:false bad_signature", got)
	}
	if got := e.verify(t, vs["acceptance_receipt"].Code); !got.Valid {
		t.Errorf("the untouched acceptance receipt no longer verifies: %+v", got)
	}
	p := newBrowser(t, e).get(t, "/verify/"+code).want(t, http.StatusOK)
	if !strings.Contains(p.html, "未通过查验") || strings.Contains(p.html, "凭证真实有效") {
		t.Errorf("verify page for the altered receipt does not say 未通过查验")
	}
}

// browser is a user agent without JavaScript: a cookie jar, redirects
// shown rather than followed, and every page's security headers checked.
type browser struct {
	e  *env
	hc *http.Client
}

func newBrowser(t *testing.T, e *env) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{e: e, hc: &http.Client{Jar: jar, Timeout: 15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// sameOrigin is what a browser sends with a form post to the page's origin.
func sameOrigin(e *env) http.Header {
	return http.Header{"Origin": {e.URL}, "Sec-Fetch-Site": {"same-origin"}}
}

type page struct {
	resp
	html string
}

func (p page) want(t *testing.T, status int) page {
	t.Helper()
	p.resp.want(t, status)
	return p
}

func (b *browser) get(t *testing.T, path string) page {
	t.Helper()
	return b.do(t, http.MethodGet, path, nil, http.Header{"Sec-Fetch-Site": {"same-origin"}})
}

func (b *browser) post(t *testing.T, path string, form url.Values, hdr http.Header) page {
	t.Helper()
	hdr = hdr.Clone()
	hdr.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(t, http.MethodPost, path, strings.NewReader(form.Encode()), hdr)
}

func (b *browser) do(t *testing.T, method, path string, body io.Reader, hdr http.Header) page {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, b.e.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = hdr
	res, err := b.hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	p := page{resp{res.StatusCode, res.Header, data}, string(data)}
	if p.Status >= 500 {
		t.Errorf("%s %s answered %d", method, path, p.Status)
	}
	checkSecurityHeaders(t, method+" "+path, p)
	return p
}

// checkSecurityHeaders: every HTML page forbids inline script, framing and
// sniffing, and carries no inline script or event handler itself.
func checkSecurityHeaders(t *testing.T, what string, p page) {
	t.Helper()
	if !strings.HasPrefix(p.Header.Get("Content-Type"), "text/html") {
		return
	}
	csp := map[string]string{}
	for _, d := range strings.Split(p.Header.Get("Content-Security-Policy"), ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		csp[name] = value
	}
	scripts, ok := csp["script-src"]
	if !ok {
		scripts, ok = csp["default-src"]
	}
	if !ok || strings.Contains(scripts, "'unsafe-inline'") || strings.Contains(scripts, "'unsafe-eval'") || strings.Contains(scripts, "*") {
		t.Errorf("%s: Content-Security-Policy %q allows inline or foreign script", what, p.Header.Get("Content-Security-Policy"))
	}
	if csp["frame-ancestors"] != "'none'" && p.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("%s: page may be framed", what)
	}
	if p.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("%s: no X-Content-Type-Options: nosniff", what)
	}
	for _, el := range elements(t, p.html) {
		if el.Name.Local == "script" && attr(el, "src") == "" {
			t.Errorf("%s: inline <script>", what)
		}
		for _, a := range el.Attr {
			if strings.HasPrefix(strings.ToLower(a.Name.Local), "on") {
				t.Errorf("%s: inline event handler %s on <%s>", what, a.Name.Local, el.Name.Local)
			}
		}
	}
}

// personal checks a page with personal data is not cacheable.
func (b *browser) personal(t *testing.T, p page) {
	t.Helper()
	if !strings.Contains(p.Header.Get("Cache-Control"), "no-store") {
		t.Errorf("personal page has Cache-Control %q, want no-store", p.Header.Get("Cache-Control"))
	}
}

// elements lists the start tags (and, as "/name", the end tags) of a page, read with encoding/xml in
// its lenient HTML mode (golang.org/x/net/html is not a dependency).
func elements(t *testing.T, doc string) []xml.StartElement {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(doc))
	d.Strict, d.AutoClose, d.Entity = false, xml.HTMLAutoClose, xml.HTMLEntity
	var out []xml.StartElement
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out
		} else if err != nil {
			t.Fatalf("page is not parseable HTML: %v", err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			el.Name.Local = strings.ToLower(el.Name.Local)
			out = append(out, el.Copy())
		case xml.EndElement: // kept as "/name", so forms can be delimited
			out = append(out, xml.StartElement{Name: xml.Name{Local: "/" + strings.ToLower(el.Name.Local)}})
		}
	}
}

func attr(el xml.StartElement, name string) string {
	for _, a := range el.Attr {
		if strings.EqualFold(a.Name.Local, name) {
			return a.Value
		}
	}
	return ""
}

// htmlForm is a form and its controls in document order.
type htmlForm struct {
	Action   string
	Controls []xml.StartElement
}

// form returns the first form whose action starts with action.
func (p page) form(t *testing.T, action string) htmlForm {
	t.Helper()
	var f *htmlForm
	for _, el := range elements(t, p.html) {
		switch {
		case el.Name.Local == "form" && f == nil && strings.HasPrefix(attr(el, "action"), action):
			f = &htmlForm{Action: attr(el, "action")}
		case el.Name.Local == "/form" && f != nil:
			return *f
		case f != nil && (el.Name.Local == "input" || el.Name.Local == "button"):
			f.Controls = append(f.Controls, el)
		}
	}
	if f == nil {
		t.Fatalf("no form with action %s… on the page:\n%s", action, p.html)
	}
	return *f
}

// values is what a browser submits when button (by value; "" for none) is
// pressed: named inputs, checked boxes and radios only, and that button.
func (f htmlForm) values(button string) url.Values {
	v := url.Values{}
	for _, c := range f.Controls {
		name := attr(c, "name")
		if name == "" {
			continue
		}
		typ := strings.ToLower(attr(c, "type"))
		checked := false
		for _, a := range c.Attr {
			checked = checked || strings.EqualFold(a.Name.Local, "checked")
		}
		switch {
		case c.Name.Local == "button" || typ == "submit":
			if button != "" && attr(c, "value") == button {
				v.Add(name, button)
			}
		case typ == "checkbox" || typ == "radio":
			if checked {
				v.Add(name, attr(c, "value"))
			}
		default:
			v.Add(name, attr(c, "value"))
		}
	}
	return v
}

// TestE2ECareModeFollowsPerson: care mode switched on while signed in on
// one device is on when the same person signs in on another.
func TestE2ECareModeFollowsPerson(t *testing.T) {
	e := startApp(t)
	phone := "13800000004"
	first := newBrowser(t, e)
	first.signIn(t, phone)
	me := first.get(t, "/me").want(t, http.StatusOK)
	csrf := me.form(t, "/prefs").values("").Get("csrf")
	first.post(t, "/prefs", url.Values{"care": {"on"}, "back": {"/me"}, "csrf": {csrf}}, sameOrigin(e)).want(t, http.StatusSeeOther)

	second := newBrowser(t, e) // another phone, no cookies
	if home := second.get(t, "/"); strings.Contains(home.html, `class="p-national care"`) {
		t.Fatal("care mode is on before signing in on a new device")
	}
	second.signIn(t, phone)
	if page := second.get(t, "/me").want(t, http.StatusOK); !strings.Contains(page.html, " care\"") {
		t.Errorf("care mode did not follow the person to a new device")
	}
}
