package ssc

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
)

//go:embed assets/confirm.html assets/confirm.css
var assets embed.FS

// merchantName is the payee the bank page shows.
const merchantName = "社保缴费（沙箱）"

// parsePages parses the page templates once at start and derives the
// stylesheet's cache-busting version from its content.
func parsePages() (*template.Template, string, error) {
	t, err := template.ParseFS(assets, "assets/confirm.html")
	if err != nil {
		return nil, "", fmt.Errorf("ssc sandbox: page templates: %w", err)
	}
	css, err := assets.ReadFile("assets/confirm.css")
	if err != nil {
		return nil, "", fmt.Errorf("ssc sandbox: stylesheet: %w", err)
	}
	sum := sha256.Sum256(css)
	return t, hex.EncodeToString(sum[:6]), nil
}

type confirmPage struct {
	Brand                                 Brand
	Title, CSS, Merchant                  string
	Amount, Description, Card, OutTradeNo string
	Notice, Error, Action, Return         string
}

type resultPage struct {
	Brand                              Brand
	Title, CSS, Message, Again, Return string
	OK                                 bool
}

// handlePage is GET /confirm/{token}: the bank's page where the holder
// confirms the debit with the card's transaction PIN.
func (s *Server) handlePage(w http.ResponseWriter, r *http.Request) {
	s.showPage(w, r.PathValue("token"), safeReturn(r.URL.Query().Get("return")), "", http.StatusOK)
}

func (s *Server) showPage(w http.ResponseWriter, token, ret, pinError string, status int) {
	now := s.now()
	s.mu.Lock()
	d, ae := s.liveDebitLocked(token, now)
	var page confirmPage
	paid := d != nil && d.paid()
	if ae == nil && !paid {
		page = confirmPage{
			Title: "确认付款", Merchant: merchantName, Amount: yuan(d.req.AmountFen), Description: d.req.Description,
			Card: d.card, OutTradeNo: d.req.OutTradeNo, Notice: d.failMessage, Error: pinError,
			Action: s.confirmPath(token), Return: ret,
		}
	}
	s.mu.Unlock()
	switch {
	case ae != nil:
		s.renderResult(w, ae.Status, resultPage{Title: "无法支付", Message: ae.Message, Return: ret})
	case paid:
		s.renderResult(w, http.StatusOK, resultPage{Title: "该订单已支付", Message: "无需重复付款。", Return: ret, OK: true})
	default:
		page.CSS, page.Brand = s.cssURL(), s.brand
		s.render(w, status, "page", page)
	}
}

// handleConfirm is POST /confirm/{token}. Scripts send JSON
// {"outcome":…,"pin":…} and get JSON; the page's forms get a 303 to the
// merchant's return path with cashier=<result>, or a result page. A wrong
// PIN or a malformed one shows the page again, as a bank lets the holder
// retry in place.
func (s *Server) handleConfirm(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var req struct {
			Outcome string `json:"outcome"`
			PIN     string `json:"pin"`
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			s.controlError(w, paramError("请求体读取失败或过大"))
			return
		}
		if ae := decodeBody(body, &req); ae != nil {
			s.controlError(w, ae)
			return
		}
		res, ae := s.confirm(token, req.Outcome, req.PIN)
		if ae != nil {
			s.controlError(w, ae)
			return
		}
		s.controlJSON(w, http.StatusOK, res)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.renderResult(w, http.StatusBadRequest, resultPage{Title: "请求无效", Message: "表单无法解析。"})
		return
	}
	ret := safeReturn(r.PostFormValue("return"))
	res, ae := s.confirm(token, r.PostFormValue("outcome"), r.PostFormValue("pin"))
	switch {
	case ae != nil && ae.Code == "PIN_FORMAT":
		s.showPage(w, token, ret, ae.Message, http.StatusBadRequest)
	case ae != nil:
		s.renderResult(w, ae.Status, resultPage{Title: "无法支付", Message: ae.Message, Return: ret})
	case res.Result == outcomeWrongPIN:
		s.showPage(w, token, ret, "", http.StatusOK)
	case ret != "":
		u, _ := url.Parse(ret) // safeReturn parsed it already
		q := u.Query()
		q.Set("cashier", res.Result)
		u.RawQuery = q.Encode()
		http.Redirect(w, r, u.String(), http.StatusSeeOther)
	default:
		s.renderResult(w, http.StatusOK, s.resultFor(token, res))
	}
}

func (s *Server) resultFor(token string, res confirmResult) resultPage {
	switch res.Result {
	case outcomeSuccess:
		return resultPage{Title: "扣款成功", Message: "已通知商户，请返回商户页面查看缴费结果。", OK: true}
	case outcomeCancel, outcomeInsufficient, resultLimit:
		return resultPage{Title: "未扣款", Message: res.Message + "。订单仍未支付，可重试或更换支付方式。", Again: s.confirmPath(token)}
	default: // frozen, PIN locked: final
		return resultPage{Title: "扣款失败", Message: res.Message + "。请联系" + s.brand.Operator + "，或更换支付方式。"}
	}
}

// safeReturn accepts only a same-site path ("/x", not "//host" or "/\host",
// which browsers treat as another host), so the page cannot be used as an
// open redirect. Anything else is dropped.
func safeReturn(raw string) string {
	if !strings.HasPrefix(raw, "/") || strings.HasPrefix(raw, "//") || strings.ContainsAny(raw, "\\\r\n\t") {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return ""
	}
	return u.String()
}

func yuan(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }

func (s *Server) cssURL() string { return s.prefix + "/confirm.css?v=" + s.cssVersion }

func (s *Server) renderResult(w http.ResponseWriter, status int, res resultPage) {
	res.CSS, res.Brand = s.cssURL(), s.brand
	s.render(w, status, "result", res)
}

// render writes an HTML page under a policy that allows nothing but this
// server's stylesheet and form posts back to it: the page needs no script,
// and a PIN page must not be framed.
func (s *Server) render(w http.ResponseWriter, status int, name string, data any) {
	var b strings.Builder
	if err := s.pages.ExecuteTemplate(&b, name, data); err != nil {
		s.log.Error("ssc sandbox: render page", "template", name, "err", err)
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

func (s *Server) handleCSS(w http.ResponseWriter, r *http.Request) {
	css, err := assets.ReadFile("assets/confirm.css")
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
