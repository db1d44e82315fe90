package ssc

import (
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Debit states (the protocol brief's state machine).
const (
	stateNotPay   = "NOTPAY"
	stateSuccess  = "SUCCESS"
	stateClosed   = "CLOSED"
	statePayError = "PAYERROR"
	stateRefund   = "REFUND"
)

// tokenTTL is how long a payment token opens the confirmation page, like a
// bank's payment session; asking again with the same request issues another.
const tokenTTL = 30 * time.Minute

var (
	validTradeNo   = regexp.MustCompile(`^[0-9A-Za-z_\-|*]{6,32}$`)
	validHolderRef = regexp.MustCompile(`^[0-9A-Za-z_-]{1,64}$`)
	// idNumber is the shape of a resident ID number (GB 11643): the bank
	// refuses it as a holder reference, because the agency must never send it.
	idNumber = regexp.MustCompile(`^[0-9]{17}[0-9Xx]$`)
)

// createRequest is POST /v1/debits. It is comparable, so idempotency is a
// plain == against the request first accepted.
type createRequest struct {
	MerchantID  string `json:"merchant_id"`
	OutTradeNo  string `json:"out_trade_no"`
	AmountFen   int64  `json:"amount_fen"`
	Currency    string `json:"currency"`
	HolderRef   string `json:"holder_ref"`
	Description string `json:"description"`
	NotifyURL   string `json:"notify_url"`
	ExpireAt    string `json:"expire_at"`
}

// debit is one debit order and everything the bank knows about it.
type debit struct {
	req                   createRequest
	card                  string // masked; the full number never leaves the bank
	state                 string
	failCode, failMessage string
	pinErrors             int
	bankSerial            string
	createdAt, successAt  time.Time
	expireAt              time.Time // zero: no expiry
	token                 string
	tokenExpire           time.Time
	refund                *refund
	finalEvent            *event // DEBIT.SUCCESS or DEBIT.FAILED, kept for resend
}

func (d *debit) paid() bool { return d.state == stateSuccess || d.state == stateRefund }

// debitView is a debit on the wire; the token fields only in a create answer.
type debitView struct {
	MerchantID    string `json:"merchant_id"`
	OutTradeNo    string `json:"out_trade_no"`
	State         string `json:"state"`
	AmountFen     int64  `json:"amount_fen"`
	HolderRef     string `json:"holder_ref"`
	CardMasked    string `json:"card_masked"`
	Description   string `json:"description"`
	BankSerial    string `json:"bank_serial,omitempty"`
	SuccessTime   string `json:"success_time,omitempty"`
	FailCode      string `json:"fail_code,omitempty"`
	FailMessage   string `json:"fail_message,omitempty"`
	ExpireAt      string `json:"expire_at,omitempty"`
	PaymentToken  string `json:"payment_token,omitempty"`
	ConfirmURL    string `json:"confirm_url,omitempty"`
	TokenExpireAt string `json:"token_expire_at,omitempty"`
}

func (d *debit) view() debitView {
	return debitView{
		MerchantID: d.req.MerchantID, OutTradeNo: d.req.OutTradeNo, State: d.state, AmountFen: d.req.AmountFen,
		HolderRef: d.req.HolderRef, CardMasked: d.card, Description: d.req.Description, BankSerial: d.bankSerial,
		SuccessTime: fmtTime(d.successAt), FailCode: d.failCode, FailMessage: d.failMessage, ExpireAt: fmtTime(d.expireAt),
	}
}

// expireLocked closes an unpaid debit whose expire_at has passed, as banks
// do on their own; checked lazily wherever the debit is touched.
func (s *Server) expireLocked(d *debit, now time.Time) {
	if d.state == stateNotPay && !d.expireAt.IsZero() && !now.Before(d.expireAt) {
		d.state, d.failCode, d.failMessage = stateClosed, "ORDER_EXPIRED", "订单已超过支付期限"
	}
}

// handleCreate is POST /v1/debits.
func (s *Server) handleCreate(r *http.Request, body []byte) (any, error) {
	var req createRequest
	if ae := decodeBody(body, &req); ae != nil {
		return nil, ae
	}
	now := s.now()
	expireAt, ae := s.checkCreate(req, now)
	if ae != nil {
		return nil, ae
	}
	token, err := s.rnd.String(alnum, 32)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.debits[req.OutTradeNo]
	if d == nil {
		if ae := s.checkLimitsLocked(req.HolderRef, req.AmountFen, now); ae != nil {
			return nil, ae
		}
		d = &debit{req: req, card: s.maskedCard(req.HolderRef), state: stateNotPay, createdAt: now, expireAt: expireAt}
		s.debits[req.OutTradeNo] = d
	} else {
		s.expireLocked(d, now)
		// The number's state comes first: "paid" is what the agency must
		// act on, whatever else differs in its retry.
		switch {
		case d.paid():
			return nil, newAPIError(http.StatusConflict, "ORDER_PAID", "该订单已支付")
		case d.state != stateNotPay:
			return nil, newAPIError(http.StatusConflict, "ORDER_CLOSED", "该订单已关闭或扣款失败，请使用新的商户订单号")
		case d.req != req:
			return nil, newAPIError(http.StatusConflict, "OUT_TRADE_NO_CONFLICT", "商户订单号已用于另一笔不同的扣款请求")
		}
	}
	if d.token == "" || !now.Before(d.tokenExpire) {
		d.token, d.tokenExpire = token, now.Add(tokenTTL)
		if !d.expireAt.IsZero() && d.expireAt.Before(d.tokenExpire) {
			d.tokenExpire = d.expireAt
		}
		s.tokens[token] = d
	}
	v := d.view()
	v.PaymentToken, v.TokenExpireAt = d.token, fmtTime(d.tokenExpire)
	v.ConfirmURL = requestOrigin(r) + s.confirmPath(d.token)
	return v, nil
}

// checkCreate validates a create request as the bank would, before any state.
func (s *Server) checkCreate(req createRequest, now time.Time) (time.Time, *apiError) {
	switch {
	case req.MerchantID != s.creds.MerchantID:
		return time.Time{}, paramError("merchant_id 与签名商户号不一致")
	case !validTradeNo.MatchString(req.OutTradeNo):
		return time.Time{}, paramError("out_trade_no 须为6至32位字母、数字或_-|*")
	case req.AmountFen <= 0:
		return time.Time{}, paramError("amount_fen 须为正整数（分）")
	case req.Currency != "CNY":
		return time.Time{}, paramError("currency 仅支持 CNY")
	case idNumber.MatchString(req.HolderRef):
		return time.Time{}, paramError("holder_ref 不得使用身份证号，请使用持卡人在商户处的标识")
	case !validHolderRef.MatchString(req.HolderRef):
		return time.Time{}, paramError("holder_ref 须为1至64位字母、数字、_或-")
	case req.Description == "" || utf8.RuneCountInString(req.Description) > 127:
		return time.Time{}, paramError("description 须为1至127个字符")
	}
	if msg := s.checkNotifyURL(req.NotifyURL, true); msg != "" {
		return time.Time{}, paramError(msg)
	}
	if req.ExpireAt == "" {
		return time.Time{}, nil
	}
	at, err := time.Parse(time.RFC3339, req.ExpireAt)
	if err != nil || !at.After(now) {
		return time.Time{}, paramError("expire_at 须为晚于当前时间的RFC 3339时间")
	}
	return at, nil
}

// checkNotifyURL returns why raw is not a usable notify URL, or "".
func (s *Server) checkNotifyURL(raw string, required bool) string {
	u, err := url.Parse(raw)
	switch {
	case raw == "" && !required:
		return ""
	case raw == "":
		return "notify_url 为必填项"
	case len(raw) > 255:
		return "notify_url 不超过255个字符"
	case err != nil || !u.IsAbs() || u.Host == "" || u.User != nil || u.Fragment != "" || u.RawQuery != "":
		return "notify_url 须为不带参数的完整URL"
	case u.Scheme == "https", u.Scheme == "http" && s.allowHTTPNotify && isLoopback(u.Hostname()):
		return ""
	}
	return "notify_url 须为https地址"
}

func isLoopback(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// handleQuery is GET /v1/debits/{out_trade_no}.
func (s *Server) handleQuery(r *http.Request, _ []byte) (any, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleRefundsLocked(now)
	d := s.debits[r.PathValue("out_trade_no")]
	if d == nil {
		return nil, newAPIError(http.StatusNotFound, "ORDER_NOT_FOUND", "订单不存在")
	}
	s.expireLocked(d, now)
	return d.view(), nil
}

// handleClose is POST /v1/debits/{out_trade_no}/close: idempotent for an
// unpaid debit, refused for a paid one.
func (s *Server) handleClose(r *http.Request, body []byte) (any, error) {
	var req struct {
		MerchantID string `json:"merchant_id"`
	}
	if ae := decodeBody(body, &req); ae != nil {
		return nil, ae
	}
	if req.MerchantID != s.creds.MerchantID {
		return nil, paramError("merchant_id 与签名商户号不一致")
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.debits[r.PathValue("out_trade_no")]
	if d == nil {
		return nil, newAPIError(http.StatusNotFound, "ORDER_NOT_FOUND", "订单不存在")
	}
	s.expireLocked(d, now)
	if d.paid() {
		return nil, newAPIError(http.StatusConflict, "ORDER_PAID", "订单已支付，不能关闭")
	}
	if d.state != stateClosed {
		d.state = stateClosed
		if d.failCode == "" {
			d.failCode, d.failMessage = "MERCHANT_CLOSED", "商户已关闭订单"
		}
	}
	return d.view(), nil
}

func (s *Server) confirmPath(token string) string {
	return s.prefix + "/confirm/" + url.PathEscape(token)
}

// requestOrigin is the scheme and host the agency used to reach the bank,
// which in demo mode is where the holder's browser reaches it too.
func requestOrigin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p
	}
	return scheme + "://" + r.Host
}
