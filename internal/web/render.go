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
	"github.com/shebao-project/shebao/internal/voucher"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages lists every page template; each is parsed with the layout.
var pages = []string{"home", "login", "code", "record", "base", "order", "wallet", "voucher", "verify", "history", "error", "mydata", "confirm", "phone", "credit", "repayment", "family"}

// templates holds every page parsed once per language: the language's
// catalogue and formats are bound into the template funcs, so a template
// writes {{t "key"}} wherever it is, whatever its dot.
type templates struct {
	byLang map[string]map[string]*template.Template
	cats   map[string]catalogue
}

func parseTemplates(cats map[string]catalogue) (*templates, error) {
	t := &templates{byLang: map[string]map[string]*template.Template{}, cats: cats}
	for _, lang := range languages {
		t.byLang[lang] = map[string]*template.Template{}
		fm := funcsFor(lang, cats[lang])
		for _, p := range pages {
			tpl, err := template.New("layout.html").Funcs(fm).ParseFS(templateFS, "templates/layout.html", "templates/partials.html", "templates/"+p+".html")
			if err != nil {
				return nil, fmt.Errorf("web: template %s: %w", p, err)
			}
			t.byLang[lang][p] = tpl
		}
	}
	return t, nil
}

// funcsFor binds the template funcs to one language.
func funcsFor(lang string, c catalogue) template.FuncMap {
	en := lang == langEN
	return template.FuncMap{
		"t":         c.translate,
		"yuan":      func(f money.Fen) string { return f.Display() },
		"yuanText":  func(f money.Fen) string { return yuanText(lang, f) },
		"amount":    func(f money.Fen) template.HTML { return amountHTML(lang, f) },
		"insurance": func(code string) string { return insuranceName(lang, code) },
		"period":    func(p string) string { return periodLabel(lang, p) },
		"when":      func(t time.Time) string { return t.In(payment.Beijing()).Format("2006-01-02 15:04") },
		"date": func(t time.Time) string {
			if en {
				return t.In(payment.Beijing()).Format("2 January 2006")
			}
			return t.In(payment.Beijing()).Format("2006年1月2日")
		},
		"state": func(s payment.State) string { return c.must("state." + string(s)) },
		"stamp": stamp,
		"pick":  func(b billing.Bill, checked bool) billChoice { return billChoice{b, checked} },
		"msg": func(e *apperr.Error) string {
			if en {
				return e.MessageEn
			}
			return e.Message
		},
		"kind": func(k voucher.Kind) string {
			if en {
				return k.TitleEn()
			}
			return k.Title()
		},
		"verdict": func(r voucher.Result) string {
			if en {
				return r.MessageEn
			}
			return r.Message
		},
		"note": func(n policy.Note) string {
			if en {
				return n.En
			}
			return n.Zh
		},
		"regionName": func(name, nameEn string) string {
			if en && nameEn != "" {
				return nameEn
			}
			return name
		},
		"channel": func(code string) string { return c.must("channel." + code) },
		"pct":     percent,
		"menu":    func(p page, class string) menuData { return menuData{Class: class, Current: p.Nav} },
	}
}

// goKeys are the catalogue keys the Go code builds at run time; checkKeys
// verifies them at start with the templates' literal keys.
func goKeys() []string {
	keys := []string{}
	for _, s := range []payment.State{payment.Created, payment.AwaitingPayment, payment.Paid, payment.Posting, payment.Credited,
		payment.Closed, payment.Failed, payment.Held, payment.Refunding, payment.Refunded} {
		keys = append(keys, "state."+string(s))
	}
	for _, k := range []voucher.Kind{voucher.FiscalReceipt, voucher.AcceptanceReceipt, voucher.TransactionStatement} {
		keys = append(keys, "kind."+string(k))
	}
	for code := range channelCodes {
		keys = append(keys, "channel."+code)
	}
	for _, hs := range errorHelp {
		keys = append(keys, hs...)
	}
	for _, l := range helpLinks {
		if l[1] != "" {
			keys = append(keys, l[1])
		}
	}
	for _, st := range []string{"paid", "partial", "due", "arrears", "missing", "none"} {
		keys = append(keys, "month."+st)
	}
	for _, m := range []string{"face", "sms", "ecard_password", "national_login"} {
		keys = append(keys, "auth."+m)
	}
	keys = append(keys, "title.home", "title.login", "title.code", "title.record", "title.base", "title.order",
		"title.wallet", "title.verify", "title.history", "title.error")
	return append(keys, flowSteps...)
}

// menuData is the menu as a header bar (class menu) or a bottom tab bar
// (class tabs), with the current item.
type menuData struct{ Class, Current string }

// percent shows a rate written as a decimal ("0.108") as a percentage
// ("10.8%") by moving the decimal point, so no float rounds it.
func percent(rate string) string {
	i, f, _ := strings.Cut(rate, ".")
	if rate == "" || strings.Trim(i+f, "0123456789") != "" {
		return rate
	}
	for len(f) < 2 {
		f += "0"
	}
	whole := strings.TrimLeft(i+f[:2], "0")
	if whole == "" {
		whole = "0"
	}
	if frac := strings.TrimRight(f[2:], "0"); frac != "" {
		return whole + "." + frac + "%"
	}
	return whole + "%"
}

// billChoice is a bill on the pay form and whether it starts ticked.
type billChoice struct {
	Bill    billing.Bill
	Checked bool
}

// page is what every template receives.
type page struct {
	Title     string // a catalogue key
	TitleArgs []any
	Person    *identity.Person
	CSRF      string
	Demo      bool
	Refresh   bool // add a no-JS refresh while a payment is pending
	Error     *apperr.Error
	Static    func(string) string
	Data      any

	Lang    string  // zh-CN or en: <html lang>, the catalogue, the formats
	Care    bool    // 关怀模式: larger type, higher contrast, voice
	Voice   bool    // speak each step (care mode, not muted)
	Profile profile // the regional presentation profile
	Region  string  // before login: the region chosen on the home page
	Nav     string  // the current menu item: me, history, vouchers
	Step    int     // step-by-step profiles: this page's step in flowSteps (1-based)
	Back    string  // where the preference switches return to
	Help    []helpItem
	Ticket  string // where to open a ticket, if the deployment has one
	// Scripts are more scripts the page needs (same-origin URLs), after app.js.
	Scripts []string
}

// Steps is the progress indicator of step-by-step profiles.
func (p page) Steps() []stepItem {
	if !p.Profile.Steps || p.Step == 0 {
		return nil
	}
	out := make([]stepItem, len(flowSteps))
	for i, k := range flowSteps {
		out[i] = stepItem{Key: k, N: i + 1, Current: i+1 == p.Step, Done: i+1 < p.Step}
	}
	return out
}

// StepCount is the number of steps in the flow.
func (p page) StepCount() int { return len(flowSteps) }

type stepItem struct {
	Key           string
	N             int
	Current, Done bool
}

// flowSteps are the four steps of the main flow (product brief, seed §1).
var flowSteps = []string{"step.auth", "step.confirm", "step.pay", "step.done"}

func (h *handler) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	p.Demo = h.Demo
	p.Static = h.static.url
	p.Lang = pickLang(r)
	prefs := h.prefsFor(r)
	p.Care, p.Voice = prefs.Care, prefs.Care && prefs.Voice
	p.Ticket = h.TicketURL
	region := p.Region
	if p.Person != nil {
		region = p.Person.Region
	}
	p.Profile = h.profileOf(region)
	if p.Back == "" {
		p.Back = backFor(r, p.Person != nil)
	}
	if p.Error != nil && p.Help == nil {
		p.Help = helpFor(p.Error.Code)
	}
	var buf bytes.Buffer
	if err := h.tpl.byLang[p.Lang][name].Execute(&buf, p); err != nil {
		h.Log.ErrorContext(r.Context(), "render", "page", name, "err", err)
		http.Error(w, h.tpl.cats[p.Lang].must("error.busy"), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", p.Lang)
	w.Header().Add("Vary", "Accept-Language, Cookie")
	if p.Person != nil {
		w.Header().Set("Cache-Control", "no-store") // personal pages are never cached
	}
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// backFor is where a preference switch on this page returns: the page
// itself when it was a GET, else the person's record or the home page.
func backFor(r *http.Request, signedIn bool) string {
	if r.Method == http.MethodGet {
		return r.URL.RequestURI()
	}
	if signedIn {
		return "/me"
	}
	return "/"
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
	h.render(w, r, status, "error", page{Title: "title.error", Person: p, Error: e})
}

// stamp shows an RFC 3339 time from a signed voucher as 2026-11-27 08:16:45.
func stamp(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return t.In(payment.Beijing()).Format("2006-01-02 15:04:05")
}

func insuranceName(lang, code string) string {
	if n, ok := policy.Insurance(code); ok {
		if lang == langEN {
			return n.NameEn
		}
		return n.Name
	}
	return code
}

// periodLabel turns "2026-11" into 2026年11月 (Nov 2026) and "2027" into
// 2027年度 (year 2027).
func periodLabel(lang, p string) string {
	if y, m, ok := strings.Cut(p, "-"); ok {
		if lang == langEN {
			if t, err := time.Parse("2006-01", p); err == nil {
				return t.Format("Jan 2006")
			}
			return p
		}
		return y + "年" + strings.TrimPrefix(m, "0") + "月"
	}
	if lang == langEN {
		return "year " + p
	}
	return p + "年度"
}

// yuanText is an amount as a screen reader or the voice should say it:
// 1454元5角 rather than the digits of ¥1,454.50 one by one; in English
// "1,454.50 yuan".
func yuanText(lang string, f money.Fen) string {
	if lang == langEN {
		d := f.Display()
		d = strings.TrimPrefix(d, "¥")
		d = strings.Replace(d, "-¥", "-", 1)
		return strings.TrimSuffix(d, ".00") + " yuan"
	}
	v := int64(f)
	sign := ""
	if v < 0 {
		sign, v = "负", -v
	}
	y, c := v/100, v%100
	s := fmt.Sprintf("%s%d元", sign, y)
	if c/10 > 0 {
		s += fmt.Sprintf("%d角", c/10)
	}
	if c%10 > 0 {
		if c/10 == 0 {
			s += "零"
		}
		s += fmt.Sprintf("%d分", c%10)
	}
	return s
}

// amountHTML shows ¥1,454.00 to the eye and gives assistive technology the
// spoken form: the visible digits are hidden from it, the words are hidden
// from the eye.
func amountHTML(lang string, f money.Fen) template.HTML {
	return template.HTML(`<span class="amt"><span aria-hidden="true">` + template.HTMLEscapeString(f.Display()) +
		`</span><span class="sr">` + template.HTMLEscapeString(yuanText(lang, f)) + `</span></span>`)
}
