package ticket_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/shebao-project/shebao/internal/console/consoletest"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/ticket"
)

var smsCode = regexp.MustCompile(`\d{6}`)

// citizenToken signs a person in with an SMS code, as the citizen pages do.
func citizenToken(t *testing.T, w *consoletest.World, p *identity.Person) string {
	t.Helper()
	if err := w.Identity.SendSMSCode(w.Ctx, p.Phone); err != nil {
		t.Fatal(err)
	}
	msgs := w.SMS.Messages(p.Phone)
	token, _, err := w.Identity.LoginSMS(w.Ctx, p.Phone, smsCode.FindString(msgs[len(msgs)-1].Text))
	if err != nil {
		t.Fatal(err)
	}
	return token
}

type page struct {
	code int
	body string
	loc  string
}

func call(t *testing.T, h http.Handler, method, path, token string, form url.Values) page {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, path, body)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if token != "" {
		r.AddCookie(&http.Cookie{Name: "sb_session", Value: token})
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return page{rec.Code, rec.Body.String(), rec.Header().Get("Location")}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// TestCitizenFiling: from an order page, a person opens the form (order and
// category filled in), is shown the FAQ's answers first, files anyway, and
// follows the ticket; nobody else can see it or attach their order.
func TestCitizenFiling(t *testing.T) {
	w := consoletest.New(t)
	p, other := w.Person(t, 1), w.Person(t, 2)
	o := w.Order(t, p, "2026-05", 80_000, payment.Posting)
	if _, err := w.Tickets.SeedFAQ(w.Ctx); err != nil {
		t.Fatal(err)
	}
	h, err := w.Tickets.CitizenHandler(ticket.CitizenDeps{Citizens: w.Identity, Orders: w.Payments})
	if err != nil {
		t.Fatal(err)
	}
	if pg := call(t, h, "GET", "/tickets", "", nil); pg.code != http.StatusSeeOther || pg.loc != "/login" {
		t.Fatalf("signed out: %d %s", pg.code, pg.loc)
	}
	token := citizenToken(t, w, p)
	pg := call(t, h, "GET", "/tickets/new?order="+o.ID, token, nil)
	if pg.code != 200 || !strings.Contains(pg.body, `value="`+o.ID+`" selected`) || !strings.Contains(pg.body, `value="not_credited" selected`) {
		t.Fatalf("form: %d\n%s", pg.code, pg.body)
	}
	csrf := csrfField.FindStringSubmatch(pg.body)[1]
	form := url.Values{"csrf": {csrf}, "category": {"not_credited"}, "order": {o.ID}, "text": {"缴费已经三天了，社保记录还是查不到"}}
	pg = call(t, h, "POST", "/tickets/new", token, form)
	if pg.code != 200 || !strings.Contains(pg.body, "缴费成功，3个工作日后仍未到账怎么办") || !strings.Contains(pg.body, `name="confirm" value="1"`) {
		t.Fatalf("suggestions: %d\n%s", pg.code, pg.body)
	}
	if ts, _ := w.Tickets.ForPerson(w.Ctx, p.ID); len(ts) != 0 {
		t.Fatal("a ticket was filed before the person confirmed")
	}
	form.Set("confirm", "1")
	pg = call(t, h, "POST", "/tickets/new", token, form)
	if pg.code != http.StatusSeeOther || !strings.HasPrefix(pg.loc, "/tickets/T") {
		t.Fatalf("file: %d %s", pg.code, pg.loc)
	}
	id := strings.TrimPrefix(pg.loc, "/tickets/")
	tk, _, err := w.Tickets.Thread(w.Ctx, id)
	if err != nil || tk.OrderID != o.ID || tk.Category != "not_credited" || tk.Status != ticket.Open {
		t.Fatalf("filed %+v, %v", tk, err)
	}
	if pg = call(t, h, "GET", pg.loc, token, nil); pg.code != 200 || !strings.Contains(pg.body, "社保记录还是查不到") {
		t.Fatalf("thread: %d", pg.code)
	}
	if pg = call(t, h, "POST", "/tickets/"+id+"/reply", token, url.Values{"text": {"补充：订单截图已保存"}}); pg.code != http.StatusForbidden {
		t.Fatalf("reply without csrf: %d", pg.code)
	}
	if pg = call(t, h, "POST", "/tickets/"+id+"/reply", token, url.Values{"csrf": {csrf}, "text": {"补充：订单截图已保存"}}); pg.code != http.StatusSeeOther {
		t.Fatalf("reply: %d %s", pg.code, pg.body)
	}

	otherToken := citizenToken(t, w, other)
	if pg = call(t, h, "GET", "/tickets/"+id, otherToken, nil); pg.code != http.StatusNotFound {
		t.Fatalf("another person's ticket: %d", pg.code)
	}
	form = url.Values{"csrf": {csrfField.FindStringSubmatch(call(t, h, "GET", "/tickets/new", otherToken, nil).body)[1]},
		"category": {"payment"}, "order": {o.ID}, "text": {"这不是我的订单但我想附上"}, "confirm": {"1"}}
	if pg = call(t, h, "POST", "/tickets/new", otherToken, form); pg.code != http.StatusBadRequest && pg.code != http.StatusNotFound {
		t.Fatalf("attaching another's order: %d", pg.code)
	}
}
