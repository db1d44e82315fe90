package wxplatform

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

//go:embed assets/pages.html assets/pages.css
var assets embed.FS // read-only: embed.FS cannot be modified

// parsePages parses the page templates once at start and derives the
// stylesheet's cache-busting version from its content.
func parsePages() (*template.Template, string, error) {
	t, err := template.ParseFS(assets, "assets/pages.html")
	if err != nil {
		return nil, "", fmt.Errorf("wxplatform sandbox: page templates: %w", err)
	}
	css, err := assets.ReadFile("assets/pages.css")
	if err != nil {
		return nil, "", fmt.Errorf("wxplatform sandbox: stylesheet: %w", err)
	}
	sum := sha256.Sum256(css)
	return t, hex.EncodeToString(sum[:6]), nil
}

// userChoice is one radio button of "你是哪位微信用户？".
type userChoice struct {
	ID, Value, Label, Detail string
	Checked                  bool
}

// newUserValue is the radio value that asks for a fresh WeChat user.
const newUserValue = "new"

type authorizePage struct {
	Title, CSS, Action               string
	AppID, AppName, Scope, ScopeText string
	RedirectURI, State               string
	Users                            []userChoice
}

type subscribePage struct {
	Title, CSS, Action                       string
	AppID, AppName, TemplateIDs, RedirectURL string
	Scene, Reserved, Current                 string
	Templates                                []templateLine
	Users                                    []userChoice
}

type templateLine struct{ Title, Detail string }

type errorPage struct {
	Title, CSS, Message, Code string
}

// userChoices lists appID's preset users, then "新微信用户"; current (an
// openid, or "") is checked, else the first entry.
func (s *Server) userChoices(appID, current string) []userChoice {
	s.mu.Lock()
	presets := s.users.presetsOf(appID)
	cur := s.users.get(appID, current)
	s.mu.Unlock()
	var out []userChoice
	if cur != nil && !cur.preset {
		out = append(out, userChoice{Value: cur.openID, Label: cur.label, Detail: "openid " + cur.openID})
	}
	for _, p := range presets {
		out = append(out, userChoice{Value: p.openID, Label: p.label, Detail: "openid " + p.openID})
	}
	out = append(out, userChoice{Value: newUserValue, Label: "新微信用户", Detail: "生成一个新的 openid，如同第一次使用的人"})
	checked := 0
	for i := range out {
		out[i].ID = "user-" + strconv.Itoa(i)
		if cur != nil && out[i].Value == cur.openID {
			checked = i
		}
	}
	out[checked].Checked = true
	return out
}

func (s *Server) cssURL() string { return s.prefix + "/pages.css?v=" + s.cssVersion }

func (s *Server) renderError(w http.ResponseWriter, status int, title, message, code string) {
	s.render(w, status, "error", errorPage{Title: title, CSS: s.cssURL(), Message: message, Code: code}, nil)
}

// render writes an HTML page with a policy that allows nothing but this
// server's stylesheet and form posts back to it, plus the one origin the
// form's answer redirects to (browsers apply form-action to redirects that
// follow a submission). The pages need no script.
func (s *Server) render(w http.ResponseWriter, status int, name string, data any, redirectTo *url.URL) {
	var b strings.Builder
	if err := s.pages.ExecuteTemplate(&b, name, data); err != nil {
		s.log.Error("wxplatform sandbox: render page", "template", name, "err", err)
		http.Error(w, "页面渲染失败", http.StatusInternalServerError)
		return
	}
	formAction := "'self'"
	if redirectTo != nil {
		formAction += " " + redirectTo.Scheme + "://" + redirectTo.Host
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; form-action "+formAction+"; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

func (s *Server) handleCSS(w http.ResponseWriter, r *http.Request) {
	css, err := assets.ReadFile("assets/pages.css")
	if err != nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.URL.Query().Get("v") == s.cssVersion {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	_, _ = w.Write(css)
}
