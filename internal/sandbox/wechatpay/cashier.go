package wechatpay

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/shebao-project/shebao/internal/money"
)

//go:embed assets/cashier.html assets/cashier.css
var assets embed.FS // read-only: embed.FS cannot be modified

// merchantName is what the sandbox cashier shows as the payee.
const merchantName = "社保缴费（沙箱）"

// parsePages parses the cashier templates once at start and derives the
// stylesheet's cache-busting version from its content.
func parsePages() (*template.Template, string, error) {
	t, err := template.ParseFS(assets, "assets/cashier.html")
	if err != nil {
		return nil, "", fmt.Errorf("wechatpay sandbox: cashier templates: %w", err)
	}
	css, err := assets.ReadFile("assets/cashier.css")
	if err != nil {
		return nil, "", fmt.Errorf("wechatpay sandbox: cashier stylesheet: %w", err)
	}
	sum := sha256.Sum256(css)
	return t, hex.EncodeToString(sum[:6]), nil
}

type cashierPage struct {
	Title, CSS, Merchant            string
	Description, Amount, OutTradeNo string
	Notice, Action, Return          string
}

type cashierResult struct {
	Title, CSS, Merchant, Message, Again string
	OK                                   bool
}

// handleCashierPage stands in for WeChat's payment sheet: the page a user
// sees after wx.requestPayment (or after scanning a Native code).
func (s *Server) handleCashierPage(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("prepay_id")
	ret := ""
	if u := safeReturn(r.URL.Query().Get("return")); u != nil {
		ret = u.String()
	}
	now := s.now()
	s.mu.Lock()
	p := s.prepays[key]
	var page cashierPage
	live := p != nil && (p.order.paid() || now.Sub(p.createdAt) < prepayTTL)
	if live {
		o := p.order
		page = cashierPage{
			Title: "确认支付", CSS: s.cssURL(), Merchant: merchantName, Description: o.description,
			Amount: money.Fen(o.total).Yuan(), OutTradeNo: o.outTradeNo, Action: s.cashierURL(key), Return: ret,
		}
		switch {
		case o.paid():
			page.Notice = "该订单已支付，无需重复支付。"
		case o.state == stateClosed:
			page.Notice = "该订单已关闭，无法支付。"
		case o.stateDesc == descInsufficient:
			page.Notice = "上次支付失败：零钱余额不足。"
		}
	}
	s.mu.Unlock()
	if !live {
		s.renderResult(w, http.StatusNotFound, cashierResult{Title: "支付会话不存在或已过期", Message: "请返回商户页面重新发起支付。"})
		return
	}
	s.render(w, http.StatusOK, "page", page)
}

// handleCashierPost applies the user's choice. JSON callers (tests, demo
// scripts) get JSON; a browser form gets a 303 to the merchant's return path
// with cashier=<outcome>, or a result page when there is none.
func (s *Server) handleCashierPost(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("prepay_id")
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var req struct {
			Outcome string `json:"outcome"`
		}
		body, err := io.ReadAll(r.Body)
		if err == nil {
			err = decodeBody(body, &req)
		}
		if err != nil {
			s.controlError(w, http.StatusBadRequest, "PARAM_ERROR", "请求体须为JSON：{\"outcome\":\"success|cancel|insufficient\"}")
			return
		}
		res, ae := s.pay(key, req.Outcome)
		if ae != nil {
			s.controlJSON(w, ae.Status, ae)
			return
		}
		s.controlJSON(w, http.StatusOK, res)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.renderResult(w, http.StatusBadRequest, cashierResult{Title: "请求无效", Message: "表单无法解析。"})
		return
	}
	ret := safeReturn(r.PostFormValue("return"))
	res, ae := s.pay(key, r.PostFormValue("outcome"))
	if ae != nil {
		s.renderResult(w, ae.Status, cashierResult{Title: "无法完成支付", Message: ae.Message})
		return
	}
	if ret != nil {
		q := ret.Query()
		q.Set("cashier", res.Outcome)
		ret.RawQuery = q.Encode()
		http.Redirect(w, r, ret.String(), http.StatusSeeOther)
		return
	}
	s.renderResult(w, http.StatusOK, s.resultFor(key, res.Outcome))
}

func (s *Server) resultFor(key, outcome string) cashierResult {
	switch outcome {
	case outcomeSuccess:
		return cashierResult{Title: "支付成功", Message: "已通知商户，请返回商户页面查看结果。", OK: true}
	case outcomeInsufficient:
		return cashierResult{Title: "支付失败：余额不足", Message: "订单仍未支付，可更换支付方式后重试。", Again: s.cashierURL(key)}
	default:
		return cashierResult{Title: "已取消支付", Message: "订单仍未支付，可返回商户重新发起。", Again: s.cashierURL(key)}
	}
}

// safeReturn accepts only a same-site path ("/x", not "//host" or "/\host",
// which browsers treat as another host), so the cashier cannot be used as
// an open redirect. Anything else is ignored.
func safeReturn(raw string) *url.URL {
	if !strings.HasPrefix(raw, "/") || strings.HasPrefix(raw, "//") || strings.ContainsAny(raw, "\\\r\n\t") {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return nil
	}
	return u
}

func (s *Server) cashierURL(key string) string {
	return s.prefix + "/cashier/" + url.PathEscape(key)
}

func (s *Server) cssURL() string { return s.prefix + "/cashier.css?v=" + s.cssVersion }

func (s *Server) renderResult(w http.ResponseWriter, status int, res cashierResult) {
	res.CSS, res.Merchant = s.cssURL(), merchantName
	s.render(w, status, "result", res)
}

// render writes an HTML page with a policy that allows nothing but this
// server's stylesheet and form posts back to it: the pages need no script.
func (s *Server) render(w http.ResponseWriter, status int, name string, data any) {
	var b strings.Builder
	if err := s.pages.ExecuteTemplate(&b, name, data); err != nil {
		s.log.Error("wechatpay sandbox: render cashier", "template", name, "err", err)
		http.Error(w, "页面渲染失败", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

func (s *Server) handleCashierCSS(w http.ResponseWriter, r *http.Request) {
	css, err := assets.ReadFile("assets/cashier.css")
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
