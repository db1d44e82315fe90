package ticket

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/payment"
)

//go:embed templates/*.html static/tickets.css
var files embed.FS

var pageNames = []string{"list", "new", "thread", "error"}

// pageSet holds every page parsed once per language.
type pageSet struct {
	byLang map[string]map[string]*template.Template
}

func parsePages() (*pageSet, error) {
	ps := &pageSet{byLang: map[string]map[string]*template.Template{}}
	for lang, cat := range catalogues {
		ps.byLang[lang] = map[string]*template.Template{}
		for _, p := range pageNames {
			t, err := template.New("layout.html").Funcs(funcsFor(lang, cat)).ParseFS(files, "templates/layout.html", "templates/"+p+".html")
			if err != nil {
				return nil, fmt.Errorf("ticket: template %s: %w", p, err)
			}
			ps.byLang[lang][p] = t
		}
	}
	return ps, nil
}

func funcsFor(lang string, cat map[string]string) template.FuncMap {
	return template.FuncMap{
		"t": func(k string) string {
			if v, ok := cat[k]; ok {
				return v
			}
			return k
		},
		"cats": Categories,
		"cat": func(code string) string {
			for _, c := range Categories() {
				if c.Code == code {
					return map[bool]string{true: c.LabelEn, false: c.Label}[lang == "en"]
				}
			}
			return code
		},
		"when": func(t time.Time) string { return t.In(beijing).Format("2006-01-02 15:04") },
		"msg": func(e *apperr.Error) string {
			if lang == "en" {
				return e.MessageEn
			}
			return e.Message
		},
		"yuan": func(o payment.Order) string { return o.AmountFen.Display() },
	}
}

// view is what every ticket page receives.
type view struct {
	Lang, Title, CSRF, CSS string
	Person                 *identity.Person
	Error                  *apperr.Error
	Data                   any
}

func (c *citizen) render(w http.ResponseWriter, r *http.Request, v *visit, status int, name, title string, data any) {
	c.renderErr(w, r, v, status, name, title, data, nil)
}

func (c *citizen) renderErr(w http.ResponseWriter, r *http.Request, v *visit, status int, name, title string, data any, e *apperr.Error) {
	var buf bytes.Buffer
	err := c.tpl.byLang[v.lang][name].Execute(&buf, view{Lang: v.lang, Title: title, CSRF: v.csrf, CSS: c.static.url(),
		Person: v.p, Error: e, Data: data})
	if err != nil {
		c.s.log.ErrorContext(r.Context(), "ticket render", "page", name, "err", err)
		http.Error(w, "系统繁忙，请稍后再试。", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", v.lang)
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// staticFile serves the pages' stylesheet under a content-hashed URL.
type staticFile struct {
	body []byte
	hash string
}

func loadCSS() (*staticFile, error) {
	b, err := files.ReadFile("static/tickets.css")
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	return &staticFile{body: b, hash: hex.EncodeToString(sum[:6])}, nil
}

func (s *staticFile) url() string { return "/tickets/static/tickets.css?v=" + s.hash }

func (s *staticFile) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(s.body)
}

// catalogues are the pages' words in the citizen pages' two languages.
var catalogues = map[string]map[string]string{
	"zh-CN": {
		"brand": "社保缴费", "home": "首页", "title.list": "我的工单", "title.new": "提交工单", "title.thread": "工单详情",
		"title.error": "出错了", "new": "提交新工单", "none": "您还没有工单。", "category": "问题类型", "choose": "请选择",
		"text": "问题描述", "text.hint": "请写明遇到的问题，不必填写身份证号、手机号。", "order": "相关订单（可选）", "no_order": "不关联订单",
		"submit": "提交", "suggest.title": "提交前，这些答案也许能解决您的问题：", "suggest.why": "匹配词",
		"solved": "问题已解决，返回首页", "file_anyway": "仍要提交工单", "status.open": "待答复", "status.answered": "已答复",
		"status.closed": "已关闭", "due": "预计答复时间不晚于", "reply": "补充说明", "send": "发送", "close": "问题已解决，关闭工单",
		"you": "我", "agency": "经办人员", "system": "系统", "back": "返回我的工单", "hotline": "也可拨打12333咨询。", "opened": "提交时间",
	},
	"en": {
		"brand": "Social insurance", "home": "Home", "title.list": "My tickets", "title.new": "Open a ticket", "title.thread": "Ticket",
		"title.error": "Something went wrong", "new": "Open a new ticket", "none": "You have no tickets.", "category": "What is it about",
		"choose": "Choose", "text": "Describe the problem", "text.hint": "Say what happened; no need to give your ID or phone number.",
		"order": "Related order (optional)", "no_order": "No order", "submit": "Submit",
		"suggest.title": "Before you submit, these answers may solve your problem:", "suggest.why": "Matched",
		"solved": "That solved it — back to the home page", "file_anyway": "Open the ticket anyway", "status.open": "Waiting for an answer",
		"status.answered": "Answered", "status.closed": "Closed", "due": "Answer expected by", "reply": "Add a message", "send": "Send",
		"close": "Solved — close the ticket", "you": "You", "agency": "Agency", "system": "System", "back": "Back to my tickets",
		"hotline": "You can also call 12333.", "opened": "Opened",
	},
}
