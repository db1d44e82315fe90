package wechatpay

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// prepayRequest is the body of JSAPI and Native prepay
// (https://pay.weixin.qq.com/doc/v3/merchant/4012525182). Fields the sandbox
// does not act on (detail, scene_info, settle_info, …) are accepted and ignored.
type prepayRequest struct {
	AppID       string `json:"appid"`
	MchID       string `json:"mchid"`
	Description string `json:"description"`
	OutTradeNo  string `json:"out_trade_no"`
	TimeExpire  string `json:"time_expire"`
	Attach      string `json:"attach"`
	NotifyURL   string `json:"notify_url"`
	GoodsTag    string `json:"goods_tag"`
	Amount      *struct {
		Total    *int64 `json:"total"`
		Currency string `json:"currency"`
	} `json:"amount"`
	Payer *struct {
		OpenID string `json:"openid"`
	} `json:"payer"`
}

// outTradeNoPattern: 6–32 characters of digits, letters, _ - | * (DOC 4012525182).
var outTradeNoPattern = regexp.MustCompile(`^[0-9A-Za-z_\-|*]{6,32}$`)

// validatePrepay applies WeChat's documented field rules. Lengths count
// characters, not bytes, which is the lenient reading of "string(127)".
func (s *Server) validatePrepay(req *prepayRequest, tradeType string) error {
	switch {
	case req.AppID == "":
		return paramError("appid", "appid 为必填项")
	case req.MchID == "":
		return paramError("mchid", "mchid 为必填项")
	case req.MchID != s.creds.MchID:
		return newAPIError(http.StatusBadRequest, "MCH_NOT_EXISTS", "商户号不存在")
	case !s.boundApps[req.AppID]:
		return newAPIError(http.StatusBadRequest, "APPID_MCHID_NOT_MATCH", "appid和mchid不匹配")
	case !outTradeNoPattern.MatchString(req.OutTradeNo):
		return paramError("out_trade_no", "out_trade_no 须为6-32位数字、字母、_-|*")
	case req.Description == "" || utf8.RuneCountInString(req.Description) > 127:
		return paramError("description", "description 为必填项且不超过127个字符")
	case utf8.RuneCountInString(req.Attach) > 128:
		return paramError("attach", "attach 不超过128个字符")
	case req.Amount == nil || req.Amount.Total == nil:
		return paramError("amount/total", "amount.total 为必填项")
	case *req.Amount.Total <= 0:
		return paramError("amount/total", "amount.total 必须大于0")
	case req.Amount.Currency != "" && req.Amount.Currency != "CNY":
		return paramError("amount/currency", "境内商户仅支持人民币 CNY")
	case tradeType == "JSAPI" && (req.Payer == nil || req.Payer.OpenID == ""):
		return paramError("payer/openid", "payer.openid 为必填项")
	}
	if issue := s.checkNotifyURL(req.NotifyURL); issue != "" {
		return paramError("notify_url", issue)
	}
	if req.TimeExpire != "" {
		if _, err := time.Parse(time.RFC3339, req.TimeExpire); err != nil {
			return paramError("time_expire", "time_expire 须为RFC 3339格式，如2018-06-08T10:34:56+08:00")
		}
	}
	return nil
}

// checkNotifyURL returns why raw is unacceptable as a notify_url, or "".
// WeChat requires an https URL that it can reach and that carries no query
// (DOC 4012525182); demo mode may use http on loopback.
func (s *Server) checkNotifyURL(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		return "notify_url 为必填项"
	case len(raw) > 255:
		return "notify_url 不超过255个字符"
	case err != nil || !u.IsAbs() || u.Host == "" || u.User != nil || u.Fragment != "":
		return "notify_url 须为完整的URL地址"
	case strings.Contains(raw, "?"):
		return "notify_url 不能携带参数"
	case u.Scheme == "https":
		return ""
	case u.Scheme == "http" && s.allowHTTPNotify && isLoopback(u.Hostname()):
		return ""
	default:
		return "notify_url 须为https地址"
	}
}

func isLoopback(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// fingerprint captures the parameters that make two prepay calls "the same
// order": a repeat with them all equal is a retry and gets a usable prepay
// id, any difference is a reuse of out_trade_no (403 OUT_TRADE_NO_USED).
func fingerprint(req *prepayRequest, tradeType string) string {
	openID := ""
	if req.Payer != nil {
		openID = req.Payer.OpenID
	}
	b, _ := json.Marshal([]string{tradeType, req.AppID, req.MchID, req.Description, req.Attach,
		req.NotifyURL, req.GoodsTag, req.TimeExpire, fmt.Sprint(*req.Amount.Total), currencyOf(req), openID})
	return string(b)
}

func currencyOf(req *prepayRequest) string {
	if req.Amount.Currency == "" {
		return "CNY"
	}
	return req.Amount.Currency
}

// prepay creates the order or recognises a retry, and returns the current
// prepay key: a prepay_id for JSAPI, a code_url code for Native. The state
// rules follow the brief §4: paid → 400 ORDERPAID, closed → 400 ORDER_CLOSED.
func (s *Server) prepay(body []byte, tradeType string) (string, error) {
	var req prepayRequest
	if err := decodeBody(body, &req); err != nil {
		return "", err
	}
	if err := s.validatePrepay(&req, tradeType); err != nil {
		return "", err
	}
	fp := fingerprint(&req, tradeType)
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[req.OutTradeNo]
	if o != nil {
		switch {
		case o.paid():
			return "", newAPIError(http.StatusBadRequest, "ORDERPAID", "订单已支付")
		case o.state == stateClosed:
			return "", newAPIError(http.StatusBadRequest, "ORDER_CLOSED", "订单已关闭")
		case o.fingerprint != fp:
			return "", newAPIError(http.StatusForbidden, "OUT_TRADE_NO_USED", "商户订单号重复")
		case now.Sub(o.prepayAt) < prepayTTL:
			return o.prepayKey, nil
		}
	} else {
		o = &order{
			appID: req.AppID, mchID: req.MchID, outTradeNo: req.OutTradeNo, tradeType: tradeType,
			description: req.Description, attach: req.Attach, notifyURL: req.NotifyURL,
			total: *req.Amount.Total, currency: currencyOf(&req), fingerprint: fp, createdAt: now,
			state: stateNotPay, stateDesc: tradeStateDesc(stateNotPay),
		}
		if req.Payer != nil {
			o.openID = req.Payer.OpenID
		}
		if req.TimeExpire != "" {
			te, _ := time.Parse(time.RFC3339, req.TimeExpire) // validated above
			o.timeExpire = te
		}
	}
	key, err := s.newPrepayKey(now, tradeType)
	if err != nil {
		return "", err
	}
	s.orders[o.outTradeNo] = o
	o.prepayKey, o.prepayAt = key, now
	s.prepays[key] = &prepay{order: o, createdAt: now}
	return key, nil
}

func (s *Server) newPrepayKey(now time.Time, tradeType string) (string, error) {
	if tradeType == "NATIVE" {
		return s.rnd.String(alnum, 9)
	}
	return s.ids.prepayID(now)
}

func (s *Server) handlePrepayJSAPI(w http.ResponseWriter, _ *http.Request, body []byte) error {
	id, err := s.prepay(body, "JSAPI")
	if err != nil {
		return err
	}
	s.reply(w, http.StatusOK, map[string]string{"prepay_id": id})
	return nil
}

// handlePrepayNative answers Native (QR code) prepay, the same request as
// JSAPI without payer, answered with a weixin:// code_url instead of a
// prepay_id. The code after pr= doubles as the sandbox cashier's id.
func (s *Server) handlePrepayNative(w http.ResponseWriter, _ *http.Request, body []byte) error {
	code, err := s.prepay(body, "NATIVE")
	if err != nil {
		return err
	}
	s.reply(w, http.StatusOK, map[string]string{"code_url": "weixin://wxpay/bizpayurl?pr=" + code})
	return nil
}
