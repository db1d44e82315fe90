package console

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"regexp"
	"time"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/operator"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/pii"
	"github.com/shebao-project/shebao/internal/policy"
	"github.com/shebao-project/shebao/internal/ticket"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages lists every page template; each is parsed with the layout.
var pages = []string{"login", "error", "dashboard", "holds", "refunds", "orders", "order", "recon", "retries",
	"credits", "tickets", "ticket", "faq", "settings", "audit", "operators", "policies", "policy_pack", "policy_new", "policy_preview"}

type templates struct{ byName map[string]*template.Template }

func parseTemplates() (*templates, error) {
	t := &templates{byName: map[string]*template.Template{}}
	for _, p := range pages {
		tpl, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+p+".html")
		if err != nil {
			return nil, fmt.Errorf("console: template %s: %w", p, err)
		}
		t.byName[p] = tpl
	}
	return t, nil
}

// page is what every template receives.
type page struct {
	Title  string
	Nav    string // the current menu item
	Op     *operator.Operator
	CSRF   string
	Error  *apperr.Error
	Notice string
	Data   any
	Static func(string) string
	Region func(string) string
}

// Can reports whether the signed-in operator's role grants perm, so that
// the menu and the forms only offer what the server would allow.
func (p page) Can(perm string) bool { return p.Op != nil && p.Op.Role.Can(operator.Permission(perm)) }

var stateLabels = map[payment.State]string{payment.Created: "已创建", payment.AwaitingPayment: "待支付", payment.Paid: "已支付",
	payment.Posting: "入账中", payment.Credited: "已入账", payment.Closed: "已关闭", payment.Failed: "失败", payment.Held: "冻结审核",
	payment.Refunding: "退款中", payment.Refunded: "已退款"}

var channelLabels = map[string]string{"wechatpay": "微信支付", "wechatpay_native": "微信扫码支付", "ssc_account": "社保卡金融账户",
	"unionpay": "银联", payment.CreditChannel: "社保信用付", payment.OffsetChannel: "家庭共济（医保个人账户）"}

var funcs = template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.In(payment.Beijing()).Format("2006-01-02 15:04")
	},
	"yuan":  func(f money.Fen) string { return f.Display() },
	"state": func(s payment.State) string { return or(stateLabels[s], string(s)) },
	"role":  func(r operator.Role) string { return r.Label() },
	"cat":   ticket.CategoryLabel,
	"cats":  ticket.Categories,
	"roles": operator.Roles,
	"channel": func(c string) string {
		return or(channelLabels[c], c)
	},
	"insurance": insuranceName,
	"navItems":  navItems,
	"mins":      minutes,
	"secs":      seconds,
	"scrub":     scrub,
}

type navItem struct{ Key, Href, Label, Perm string }

// navItems is the menu; each item shows only to roles that may open it.
func navItems() []navItem {
	return []navItem{
		{"dashboard", "/admin/", "概览", string(operator.ViewDashboard)},
		{"holds", "/admin/holds", "冻结订单", string(operator.ViewHolds)},
		{"refunds", "/admin/refunds", "退款", string(operator.ViewRefunds)},
		{"credits", "/admin/credits", "信用付逾期", string(operator.ViewOrders)},
		{"orders", "/admin/orders", "订单查询", string(operator.ViewOrders)},
		{"recon", "/admin/recon", "对账差异", string(operator.ViewRecon)},
		{"retries", "/admin/retries", "入账重试", string(operator.ViewRetries)},
		{"tickets", "/admin/tickets", "工单", string(operator.ViewTickets)},
		{"faq", "/admin/faq", "知识库", string(operator.ViewTickets)},
		{"policies", "/admin/policies", "政策包", string(operator.ViewDashboard)},
		{"audit", "/admin/audit", "操作审计", string(operator.ViewAudit)},
		{"operators", "/admin/operators", "操作员", string(operator.ManageOperators)},
		{"settings", "/admin/settings", "设置", string(operator.EditSettings)},
	}
}

// minutes shows a duration to the nearest minute: 50m30s is 51分钟.
func minutes(d time.Duration) string {
	if d < 30*time.Second {
		return "不足1分钟"
	}
	return fmt.Sprintf("%d分钟", d.Round(time.Minute)/time.Minute)
}

// seconds writes a handling time as minutes and seconds.
func seconds(n int64) string {
	if n < 60 {
		return fmt.Sprintf("%d秒", n)
	}
	return fmt.Sprintf("%d分%02d秒", n/60, n%60)
}

func insuranceName(code string) string {
	if n, ok := policy.Insurance(code); ok {
		return n.Name
	}
	return code
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

var (
	idPattern    = regexp.MustCompile(`\b\d{17}[\dXx]\b`)
	phonePattern = regexp.MustCompile(`\b1[3-9]\d{9}\b`)
)

// scrub masks ID and mobile numbers a person typed into free text (a
// ticket), so the console's pages do not show them in full either.
func scrub(s string) string {
	s = idPattern.ReplaceAllStringFunc(s, pii.MaskIDNumber)
	return phonePattern.ReplaceAllStringFunc(s, pii.MaskPhone)
}

func (h *handler) regionName(code string) string {
	if h.Policies != nil {
		for _, r := range h.Policies.Regions() {
			if r.Code == code {
				return r.Name
			}
		}
	}
	return code
}

func (h *handler) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	p.Static, p.Region = h.static.url, h.regionName
	var buf bytes.Buffer
	if err := h.tpl.byName[name].Execute(&buf, p); err != nil {
		h.Log.ErrorContext(r.Context(), "console render", "page", name, "err", err)
		http.Error(w, "页面生成失败", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// show renders a signed-in page.
func (h *handler) show(w http.ResponseWriter, r *http.Request, c *call, name, title, nav string, data any) {
	h.render(w, r, http.StatusOK, name, page{Title: title, Nav: nav, Op: c.op, CSRF: c.csrf, Data: data, Notice: notices[r.URL.Query().Get("done")]})
}

// notices are the fixed messages a redirect after a post may show: a code
// in the URL, never text, so a link cannot put words in the console's mouth.
var notices = map[string]string{
	"released": "已解除冻结，订单将继续入账。", "refunded": "已决定退款，款项将原路退回。", "resolved": "差异已标记为已处理。",
	"scheduled": "已安排立即重试入账。", "replied": "答复已发送。", "closed": "工单已关闭。", "faq": "知识库已保存。",
	"settings":       "设置已保存。",
	"refund_retried": "已重新发起退款：新的退款单号见下表，系统将立即提交支付机构。",
	"refund_applied": "支付机构确认原退款其实已经成功：已按成功入账，未重新发起。", "operator": "操作员状态已更新。",
	"card_refund_retried": "已重新发起社保卡多扣款项的退款：新的退款单号见下表，系统将立即提交发卡银行。",
	"card_refund_applied": "发卡银行确认原退款其实已经成功：已按成功入账，未重新发起。",
	"policy_published":    "政策包已发布，自其生效月份起适用；其他服务器将在30秒内生效。", "policy_rolled_back": "政策包已回滚，原政策恢复适用。",
}

func statusOf(e *apperr.Error) int {
	if s, ok := map[apperr.Kind]int{apperr.Invalid: 400, apperr.Unauthorized: 401, apperr.Forbidden: 403, apperr.NotFound: 404,
		apperr.Conflict: 409, apperr.RateLimited: 429, apperr.Unavailable: 503, apperr.Refused: 422}[e.Kind]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// pageError shows the safe face of err; the cause goes to the log only.
func (h *handler) pageError(w http.ResponseWriter, r *http.Request, c *call, err error) {
	e, ok := apperr.As(err)
	if !ok {
		e = apperr.InternalError(err)
	}
	if e.Kind == apperr.Internal {
		h.Log.ErrorContext(r.Context(), "console error", "path", r.URL.Path, "err", err)
	}
	p := page{Title: "出错了", Error: e}
	if c != nil {
		p.Op, p.CSRF = c.op, c.csrf
	}
	h.render(w, r, statusOf(e), "error", p)
}

func (h *handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.pageError(w, r, nil, apperr.New(apperr.NotFound, "not_found", "页面不存在。", "No such page."))
}

// done redirects after a successful form post, with a notice to show.
func done(w http.ResponseWriter, r *http.Request, to, notice string) {
	http.Redirect(w, r, to+"?done="+notice, http.StatusSeeOther)
}
