package console_test

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/shebao-project/shebao/internal/console"
	"github.com/shebao-project/shebao/internal/console/consoletest"
	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/operator"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/store/sqlite"
	"github.com/shebao-project/shebao/internal/ticket"
)

// TestEveryRouteChecksTheRole hits every guarded route with each role and
// with no session: a role the permission table refuses gets 403; no
// session gets 302 to the login page for a page and 403 for a post; an
// allowed role gets neither (nor a server error).
func TestEveryRouteChecksTheRole(t *testing.T) {
	w := consoletest.New(t)
	h := newConsole(t, w)
	p := w.Person(t, 1)
	held := w.Order(t, p, "2026-05", 80_000, payment.Held)
	tk, err := w.Tickets.Open(w.Ctx, ticket.OpenParams{PersonID: p.ID, Category: "payment", Text: "支付提示超出限额怎么办"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Tickets.SeedFAQ(w.Ctx); err != nil {
		t.Fatal(err)
	}
	victim := w.Operator(t, "victim", operator.Support)
	ids := map[string]string{"/admin/holds/": held.ID, "/admin/orders/": held.ID, "/admin/tickets/": tk.ID,
		"/admin/faq/": "1", "/admin/retries/": "1", "/admin/operators/": victim.Operator.ID}
	tokens := map[operator.Role]string{}
	for _, role := range operator.Roles() {
		tokens[role] = signIn(t, w, "op."+string(role), role)
	}
	form := url.Values{"reason": {"checked with the payer by phone"}, "text": {"您好，已为您核实处理。"}, "question": {"测试问题"},
		"answer": {"测试答复内容"}, "category": {"other"}, "minutes": {"45"}, "who": {"payer"}, "field": {"phone"},
		"role": {"auditor"}, "password": {consoletest.Password}, "channel": {"wechatpay"}, "date": {"2026-05-31"},
		"out_trade_no": {"SBX"}, "kind": {payment.DiffMissingInBill}}
	for _, rt := range console.Routes() {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		path = strings.TrimSuffix(path, "{$}")
		for prefix, id := range ids {
			if strings.HasPrefix(path, prefix) {
				path = strings.Replace(path, "{id}", id, 1)
			}
		}
		t.Run(rt.Pattern, func(t *testing.T) {
			rec := do(t, h, method, path, "", form)
			want := http.StatusForbidden
			if method == http.MethodGet {
				want = http.StatusFound
			}
			if rec.Code != want || (want == http.StatusFound && !strings.HasPrefix(rec.Header().Get("Location"), "/admin/login")) {
				t.Errorf("no session: %d %s, want %d", rec.Code, rec.Header().Get("Location"), want)
			}
			for _, role := range operator.Roles() {
				token := tokens[role]
				if path == "/admin/logout" {
					token = signIn(t, w, "out."+string(role), role)
				}
				f := url.Values{}
				for k, v := range form {
					f[k] = v
				}
				if path == "/admin/operators" {
					f.Set("name", "new."+string(role)) // each creation its own name
				}
				rec := do(t, h, method, path, token, f)
				allowed := role.Can(rt.Perm)
				switch {
				case !allowed && rec.Code != http.StatusForbidden:
					t.Errorf("%s: %d, want 403", role, rec.Code)
				case allowed && (rec.Code == http.StatusForbidden || rec.Code == http.StatusFound || rec.Code >= 500):
					t.Errorf("%s: %d, want allowed; body %.300s", role, rec.Code, rec.Body.String())
				}
			}
		})
	}
}

// TestPostsNeedTheSessionsToken: a signed-in post without the CSRF token,
// with another session's token, or from another site is refused.
func TestPostsNeedTheSessionsToken(t *testing.T) {
	w := consoletest.New(t)
	h := newConsole(t, w)
	held := w.Order(t, w.Person(t, 1), "2026-05", 80_000, payment.Held)
	token := signIn(t, w, "li.na", operator.Reviewer)
	other := signIn(t, w, "wang", operator.Reviewer)
	path := "/admin/holds/" + held.ID + "/release"
	for name, form := range map[string]url.Values{
		"no token":        {"reason": {"ok"}, "csrf": {""}},
		"another session": {"reason": {"ok"}, "csrf": {console.CSRFToken(other)}},
	} {
		if rec := do(t, h, http.MethodPost, path, token, form); rec.Code != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, rec.Code)
		}
	}
	r := strings.NewReader(url.Values{"reason": {"ok"}, "csrf": {console.CSRFToken(token)}}.Encode())
	req := newPost(path, r)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.AddCookie(&http.Cookie{Name: "sb_admin", Value: token})
	rec := serve(h, req)
	if rec.Code != http.StatusForbidden {
		t.Errorf("cross-site post: %d, want 403", rec.Code)
	}
	o, err := w.DB.OrderByID(w.Ctx, held.ID)
	if err != nil || o.State != payment.Held {
		t.Fatalf("order %s after refused posts: %v", o.State, err)
	}
}

// TestRetryNow: a failing posting is listed and can be moved to now.
func TestRetryNow(t *testing.T) {
	w := consoletest.New(t)
	h := newConsole(t, w)
	o := w.Order(t, w.Person(t, 1), "2026-05", 80_000, payment.Posting)
	err := w.DB.InTx(w.Ctx, func(tx *sqlite.Tx) error {
		return tx.EnqueueJob(w.Ctx, jobs.Job{Kind: payment.JobPost, Ref: o.ID, RunAt: w.Clock.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	js, err := w.Runner.Claim(w.Ctx, 1)
	if err != nil || len(js) != 1 {
		t.Fatalf("claim: %v %v", js, err)
	}
	if err := w.Runner.Record(w.Ctx, js[0], errors.New("core system: 503 Service Unavailable")); err != nil {
		t.Fatal(err)
	}
	if due, err := w.Runner.Claim(w.Ctx, 1); err != nil || len(due) != 0 {
		t.Fatalf("the failed job is due again at once: %v %v", due, err)
	}
	token := signIn(t, w, "li.na", operator.Reviewer)
	rec := do(t, h, http.MethodGet, "/admin/retries", token, nil)
	if !strings.Contains(rec.Body.String(), "503 Service Unavailable") || !strings.Contains(rec.Body.String(), o.ID) {
		t.Fatalf("retries page: %s", rec.Body.String())
	}
	rec = do(t, h, http.MethodPost, "/admin/retries/"+strconv.FormatInt(js[0].ID, 10)+"/run", token, url.Values{"reason": {"core system back"}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("retry now: %d %s", rec.Code, rec.Body.String())
	}
	if due, err := w.Runner.Claim(w.Ctx, 1); err != nil || len(due) != 1 {
		t.Fatalf("the job is not due now: %v %v", due, err)
	}
}
