package console_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/console/consoletest"
	"github.com/shebao-project/shebao/internal/operator"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/ticket"
)

// browser is an operator's browser: cookies kept, redirects not followed.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newBrowser(t *testing.T, h http.Handler) *browser {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: srv.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (b *browser) get(path string) (int, string, http.Header) {
	b.t.Helper()
	res, err := b.c.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body), res.Header
}

func (b *browser) post(path string, form url.Values) (int, string, http.Header) {
	b.t.Helper()
	res, err := b.c.PostForm(b.base+path, form)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body), res.Header
}

// login signs in through the form and returns a page's CSRF token.
func (b *browser) login(w *consoletest.World, c *operator.Created) string {
	b.t.Helper()
	if code, _, hdr := b.get("/admin/holds"); code != http.StatusFound || hdr.Get("Location") != "/admin/login?next=%2Fadmin%2Fholds" {
		b.t.Fatalf("signed out: %d %s", code, hdr.Get("Location"))
	}
	w.Clock.Advance(30 * time.Second)
	code, _, hdr := b.post("/admin/login", url.Values{"name": {c.Operator.Name}, "password": {consoletest.Password},
		"code": {w.Code(b.t, c)}, "next": {"/admin/holds"}})
	if code != http.StatusSeeOther || hdr.Get("Location") != "/admin/holds" {
		b.t.Fatalf("login: %d %s", code, hdr.Get("Location"))
	}
	cookie := hdr.Get("Set-Cookie")
	for _, attr := range []string{"sb_admin=", "Path=/admin", "HttpOnly", "SameSite=Strict"} {
		if !strings.Contains(cookie, attr) {
			b.t.Fatalf("session cookie %q lacks %s", cookie, attr)
		}
	}
	_, body, _ := b.get("/admin/holds")
	return csrfOf(b.t, body)
}

// TestHoldsFlow: a reviewer signs in, sees held orders with the payer
// masked, releases one and refunds another with reasons; both decisions
// reach the payment service and the audit log, whose chain verifies.
func TestHoldsFlow(t *testing.T) {
	w := consoletest.New(t)
	p := w.Person(t, 1)
	release := w.Order(t, p, "2026-04", 80_000, payment.Held)
	refund := w.Order(t, p, "2026-05", 90_000, payment.Held)
	b := newBrowser(t, newConsole(t, w))
	csrf := b.login(w, w.Operator(t, "li.na", operator.Reviewer))

	_, body, _ := b.get("/admin/holds")
	for _, want := range []string{release.ID, refund.ID, "张*", "139****0001", "¥800.00"} {
		if !strings.Contains(body, want) {
			t.Errorf("holds page lacks %q", want)
		}
	}
	for _, never := range []string{p.Phone, p.IDNumber, "张伟"} {
		if strings.Contains(body, never) {
			t.Errorf("holds page shows %q in full", never)
		}
	}
	if code, body, _ := b.post("/admin/holds/"+release.ID+"/release", url.Values{"csrf": {csrf}}); code != http.StatusBadRequest || !strings.Contains(body, "理由") {
		t.Fatalf("release without reason: %d", code)
	}
	if code, _, hdr := b.post("/admin/holds/"+release.ID+"/release", url.Values{"csrf": {csrf}, "reason": {"payer confirmed by phone"}}); code != http.StatusSeeOther || hdr.Get("Location") != "/admin/holds?done=released" {
		t.Fatalf("release: %d %s", code, hdr.Get("Location"))
	}
	if code, _, _ := b.post("/admin/holds/"+refund.ID+"/refund", url.Values{"csrf": {csrf}, "reason": {"payer did not make this payment"}}); code != http.StatusSeeOther {
		t.Fatalf("refund: %d", code)
	}
	for id, want := range map[string]payment.State{release.ID: payment.Posting, refund.ID: payment.Refunding} {
		if o, err := w.DB.OrderByID(w.Ctx, id); err != nil || o.State != want {
			t.Fatalf("order %s: %s, %v; want %s", id, o.State, err, want)
		}
	}
	if code, _, _ := b.post("/admin/holds/"+refund.ID+"/release", url.Values{"csrf": {csrf}, "reason": {"changed my mind"}}); code != http.StatusConflict {
		t.Fatalf("release after refund: %d, want 409", code)
	}
	if _, body, _ := b.get("/admin/refunds"); !strings.Contains(body, "RF") || !strings.Contains(body, refund.ID) {
		t.Fatal("the refund is not listed")
	}
	es, err := w.Operators.Recent(w.Ctx, 0, 20)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range es {
		if e.Operator == "li.na" && strings.HasPrefix(e.Action, "hold.") {
			actions = append(actions, e.Action+" "+e.Target+" "+e.Reason)
		}
	}
	want := []string{"hold.release.failed " + refund.ID + " changed my mind", "hold.release " + refund.ID + " changed my mind",
		"hold.refund " + refund.ID + " payer did not make this payment", "hold.release " + release.ID + " payer confirmed by phone"}
	if strings.Join(actions, "|") != strings.Join(want, "|") {
		t.Fatalf("audit:\n%s\nwant\n%s", strings.Join(actions, "\n"), strings.Join(want, "\n"))
	}
	if v, err := w.Operators.VerifyAudit(w.Ctx); err != nil || !v.OK {
		t.Fatalf("audit chain: %+v %v", v, err)
	}
}

// TestUnmask: the order page masks; opening the phone takes a reason, is
// logged first, and comes back in the POST's answer only.
func TestUnmask(t *testing.T) {
	w := consoletest.New(t)
	p := w.Person(t, 1)
	o := w.Order(t, p, "2026-05", 80_000, payment.Credited)
	b := newBrowser(t, newConsole(t, w))
	csrf := b.login(w, w.Operator(t, "zhou", operator.Support))
	_, body, _ := b.get("/admin/orders?q=" + o.OutTradeNo)
	if !strings.Contains(body, o.ID) {
		t.Fatal("search by out_trade_no found nothing")
	}
	_, body, _ = b.get("/admin/orders/" + o.ID)
	if strings.Contains(body, p.Phone) || !strings.Contains(body, "139****0001") {
		t.Fatal("the order page does not mask the phone")
	}
	if code, _, _ := b.post("/admin/orders/"+o.ID+"/unmask", url.Values{"csrf": {csrf}, "who": {"payer"}, "field": {"phone"}}); code != http.StatusBadRequest {
		t.Fatalf("unmask without reason: %d", code)
	}
	code, body, hdr := b.post("/admin/orders/"+o.ID+"/unmask", url.Values{"csrf": {csrf}, "who": {"payer"}, "field": {"phone"}, "reason": {"call back about ticket"}})
	if code != http.StatusOK || !strings.Contains(body, p.Phone) || hdr.Get("Cache-Control") != "no-store" {
		t.Fatalf("unmask: %d, cache %q", code, hdr.Get("Cache-Control"))
	}
	es, _ := w.Operators.Recent(w.Ctx, 0, 1)
	if es[0].Action != "pii.unmask" || es[0].Target != p.ID || es[0].Reason != "call back about ticket" || es[0].Detail != "phone of the payer of order "+o.ID {
		t.Fatalf("last audit entry %+v", es[0])
	}
}

// TestTicketsFlow: support answers a ticket from the queue; the queue marks
// it overdue once its time passed, and the dashboard shows the real time.
func TestTicketsFlow(t *testing.T) {
	w := consoletest.New(t)
	p := w.Person(t, 1)
	tk, err := w.Tickets.Open(w.Ctx, ticket.OpenParams{PersonID: p.ID, Category: "not_credited",
		Text: "缴费3天了还没到账，我的电话13900000001，身份证110105198503014519"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Tickets.SeedFAQ(w.Ctx); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, newConsole(t, w))
	csrf := b.login(w, w.Operator(t, "zhou", operator.Support))
	_, body, _ := b.get("/admin/tickets")
	if !strings.Contains(body, tk.ID) || strings.Contains(body, "class=\"overdue\"") {
		t.Fatal("queue: ticket missing or overdue too soon")
	}
	if strings.Contains(body, "13900000001") || !strings.Contains(body, "139****0001") {
		t.Fatal("queue shows a phone typed into the ticket in full")
	}
	for range 2 { // the operator keeps working: the session stays alive
		w.Clock.Advance(25 * time.Minute)
		b.get("/admin/")
	}
	w.RunJobs()
	_, body, _ = b.get("/admin/tickets")
	if !strings.Contains(body, "class=\"overdue\"") || !strings.Contains(body, "已升级") {
		t.Fatal("queue does not mark the overdue ticket")
	}
	_, body, _ = b.get("/admin/tickets/" + tk.ID)
	if !strings.Contains(body, "缴费成功，3个工作日后仍未到账怎么办") || strings.Contains(body, "110105198503014519") {
		t.Fatal("ticket page: no FAQ suggestion, or the ID number in full")
	}
	if code, _, _ := b.post("/admin/tickets/"+tk.ID+"/reply", url.Values{"csrf": {csrf}, "text": {"已核实，今天内到账。"}}); code != http.StatusSeeOther {
		t.Fatalf("reply: %d", code)
	}
	if got, _, _ := w.Tickets.Thread(w.Ctx, tk.ID); got.Status != ticket.Answered || got.FirstResponse() < 50*time.Minute {
		t.Fatalf("after reply: %s, first response %s", got.Status, got.FirstResponse())
	}
	_, body, _ = b.get("/admin/")
	if !strings.Contains(body, "<svg") || !strings.Contains(body, "工单平均首次响应<b>51分钟") {
		t.Fatalf("dashboard lacks the chart or the real response time: %s", body)
	}
}
