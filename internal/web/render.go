package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/policy"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages lists every page template; each is parsed with the layout.
var pages = []string{"home", "login", "code", "record", "base", "order", "wallet", "voucher", "verify", "error"}

type templates struct{ byName map[string]*template.Template }

func parseTemplates() (*templates, error) {
	t := &templates{byName: map[string]*template.Template{}}
	for _, p := range pages {
		tpl, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+p+".html")
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", p, err)
		}
		t.byName[p] = tpl
	}
	return t, nil
}

var funcs = template.FuncMap{
	"yuan":      func(f money.Fen) string { return f.Display() },
	"yuanText":  yuanText,
	"insurance": insuranceName,
	"period":    periodLabel,
	"when":      func(t time.Time) string { return t.In(payment.Beijing()).Format("2006-01-02 15:04") },
	"date":      func(t time.Time) string { return t.In(payment.Beijing()).Format("2006年1月2日") },
	"state":     stateLabel,
	"stamp":     stamp,
	"pick":      func(b billing.Bill, checked bool) billChoice { return billChoice{b, checked} },
}

// billChoice is a bill on the pay form and whether it starts ticked.
type billChoice struct {
	Bill    billing.Bill
	Checked bool
}

// page is what every template receives.
type page struct {
	Title   string
	Person  *identity.Person
	CSRF    string
	Demo    bool
	Refresh bool // add a no-JS refresh while a payment is pending
	Error   *apperr.Error
	Static  func(string) string
	Data    any
}

func (h *handler) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	p.Demo = h.Demo
	p.Static = h.static.url
	var buf bytes.Buffer
	if err := h.tpl.byName[name].Execute(&buf, p); err != nil {
		h.Log.ErrorContext(r.Context(), "render", "page", name, "err", err)
		http.Error(w, "系统繁忙，请稍后再试。", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if p.Person != nil {
		w.Header().Set("Cache-Control", "no-store") // personal pages are never cached
	}
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// pageError shows an error page with the safe face of err and a way out.
func (h *handler) pageError(w http.ResponseWriter, r *http.Request, p *identity.Person, err error) {
	e, ok := apperr.As(err)
	if !ok {
		var pe *policy.Error
		if asPolicy(err, &pe) {
			e = apperr.New(apperr.Invalid, pe.Code, pe.Message, pe.MessageEn)
		} else {
			e = apperr.InternalError(err)
		}
	}
	status := map[apperr.Kind]int{apperr.Invalid: 400, apperr.Unauthorized: 401, apperr.Forbidden: 403, apperr.NotFound: 404,
		apperr.Conflict: 409, apperr.RateLimited: 429, apperr.Unavailable: 503, apperr.Refused: 422}[e.Kind]
	if status == 0 {
		status = http.StatusInternalServerError
		h.Log.ErrorContext(r.Context(), "page error", "path", r.URL.Path, "err", err)
	}
	h.render(w, r, status, "error", page{Title: "出错了", Person: p, Error: e})
}

// stamp shows an RFC 3339 time from a signed voucher as 2026-11-27 08:16:45.
func stamp(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return t.In(payment.Beijing()).Format("2006-01-02 15:04:05")
}

func insuranceName(code string) string {
	if n, ok := policy.Insurance(code); ok {
		return n.Name
	}
	return code
}

// periodLabel turns "2026-11" into 2026年11月 and "2027" into 2027年度.
func periodLabel(p string) string {
	if y, m, ok := strings.Cut(p, "-"); ok {
		return y + "年" + strings.TrimPrefix(m, "0") + "月"
	}
	return p + "年度"
}

// yuanText is an amount as a screen reader should say it: 1454元 rather
// than the digits of ¥1,454.00 one by one.
func yuanText(f money.Fen) string {
	y, c := int64(f)/100, int64(f)%100
	s := fmt.Sprintf("%d元", y)
	if c/10 > 0 {
		s += fmt.Sprintf("%d角", c/10)
	}
	if c%10 > 0 {
		s += fmt.Sprintf("%d分", c%10)
	}
	return s
}

func stateLabel(s payment.State) string {
	return map[payment.State]string{
		payment.Created: "正在创建", payment.AwaitingPayment: "待支付", payment.Paid: "已支付，待入账",
		payment.Posting: "已支付，正在入账", payment.Credited: "缴费成功", payment.Closed: "已关闭",
		payment.Failed: "未能创建", payment.Held: "已支付，人工审核中", payment.Refunding: "退款中", payment.Refunded: "已退款",
	}[s]
}
