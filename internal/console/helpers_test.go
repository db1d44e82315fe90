package console_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/shebao-project/shebao/internal/console"
	"github.com/shebao-project/shebao/internal/console/consoletest"
	"github.com/shebao-project/shebao/internal/operator"
)

// newConsole boots the console over the World's real services.
func newConsole(t *testing.T, w *consoletest.World) http.Handler {
	t.Helper()
	h, err := console.NewHandler(console.Deps{Operators: w.Operators, Tickets: w.Tickets, Payments: w.Payments, Persons: w.Identity,
		Store: w.DB.ConsoleStore(), Now: w.Clock.Now, Log: w.Log, Wake: w.Runner.Wake})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// do sends one request to h with the session token (if any) and, for a
// form post, the session's CSRF token added to form.
func do(t *testing.T, h http.Handler, method, path, token string, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader
	if method == http.MethodPost {
		if form == nil {
			form = url.Values{}
		}
		if token != "" && !form.Has("csrf") {
			form.Set("csrf", console.CSRFToken(token))
		}
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, path, body)
	if method == http.MethodPost {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if token != "" {
		r.AddCookie(&http.Cookie{Name: "sb_admin", Value: token})
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// signIn creates an operator of role and returns a session token.
func signIn(t *testing.T, w *consoletest.World, name string, role operator.Role) string {
	t.Helper()
	return w.Login(t, w.Operator(t, name, role))
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// csrfOf scrapes a page's CSRF token, as a browser's form would send it.
func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no csrf field on the page")
	}
	return m[1]
}

func newPost(path string, body io.Reader) *http.Request {
	r := httptest.NewRequest(http.MethodPost, path, body)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}
