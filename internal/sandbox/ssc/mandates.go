package ssc

import (
	"net/http"
	"regexp"
	"time"
	"unicode/utf8"
)

// validMandateRef is the shape of a mandate_ref, the same alphabet as
// trade numbers and up to 64 characters.
var validMandateRef = regexp.MustCompile(`^[0-9A-Za-z_\-|*]{6,64}$`)

// mandateRequest is POST /v1/mandates; comparable for idempotency.
type mandateRequest struct {
	MerchantID   string `json:"merchant_id"`
	MandateRef   string `json:"mandate_ref"`
	HolderRef    string `json:"holder_ref"`
	MaxAmountFen int64  `json:"max_amount_fen"`
}

// mandate is a holder's standing authorisation of the merchant's debits.
type mandate struct {
	req       mandateRequest
	card      string
	createdAt time.Time
}

type mandateView struct {
	MerchantID   string `json:"merchant_id"`
	MandateRef   string `json:"mandate_ref"`
	HolderRef    string `json:"holder_ref"`
	MaxAmountFen int64  `json:"max_amount_fen"`
	CardMasked   string `json:"card_masked"`
	State        string `json:"state"`
	CreateTime   string `json:"create_time"`
}

func (m *mandate) view() mandateView {
	return mandateView{MerchantID: m.req.MerchantID, MandateRef: m.req.MandateRef, HolderRef: m.req.HolderRef,
		MaxAmountFen: m.req.MaxAmountFen, CardMasked: m.card, State: "ACTIVE", CreateTime: fmtTime(m.createdAt)}
}

// handleMandate is POST /v1/mandates: idempotent by mandate_ref.
func (s *Server) handleMandate(_ *http.Request, body []byte) (any, error) {
	var req mandateRequest
	if ae := decodeBody(body, &req); ae != nil {
		return nil, ae
	}
	switch {
	case req.MerchantID != s.creds.MerchantID:
		return nil, paramError("merchant_id 与签名商户号不一致")
	case !validMandateRef.MatchString(req.MandateRef):
		return nil, paramError("mandate_ref 须为6至64位字母、数字或_-|*")
	case idNumber.MatchString(req.HolderRef):
		return nil, paramError("holder_ref 不得使用身份证号，请使用持卡人在商户处的标识")
	case !validHolderRef.MatchString(req.HolderRef):
		return nil, paramError("holder_ref 须为1至64位字母、数字、_或-")
	case req.MaxAmountFen <= 0:
		return nil, paramError("max_amount_fen 须为正整数（分）")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.mandates[req.MandateRef]
	if m == nil {
		m = &mandate{req: req, card: s.maskedCard(req.HolderRef), createdAt: s.now()}
		s.mandates[req.MandateRef] = m
	} else if m.req != req {
		return nil, newAPIError(http.StatusConflict, "MANDATE_CONFLICT", "协议号已用于另一份不同的代扣授权")
	}
	return m.view(), nil
}

// mandatedDebitRequest is POST /v1/mandated-debits; comparable.
type mandatedDebitRequest struct {
	MerchantID  string `json:"merchant_id"`
	OutTradeNo  string `json:"out_trade_no"`
	MandateRef  string `json:"mandate_ref"`
	AmountFen   int64  `json:"amount_fen"`
	Currency    string `json:"currency"`
	HolderRef   string `json:"holder_ref"`
	Description string `json:"description"`
}

// handleMandatedDebit is POST /v1/mandated-debits: the bank debits at once,
// without the holder, and the answer is final (SUCCESS or PAYERROR). The
// same request again returns the debit as it stands.
func (s *Server) handleMandatedDebit(_ *http.Request, body []byte) (any, error) {
	var req mandatedDebitRequest
	if ae := decodeBody(body, &req); ae != nil {
		return nil, ae
	}
	switch {
	case req.MerchantID != s.creds.MerchantID:
		return nil, paramError("merchant_id 与签名商户号不一致")
	case !validTradeNo.MatchString(req.OutTradeNo):
		return nil, paramError("out_trade_no 须为6至32位字母、数字或_-|*")
	case req.AmountFen <= 0:
		return nil, paramError("amount_fen 须为正整数（分）")
	case req.Currency != "CNY":
		return nil, paramError("currency 仅支持 CNY")
	case req.Description == "" || utf8.RuneCountInString(req.Description) > 127:
		return nil, paramError("description 须为1至127个字符")
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.mandates[req.MandateRef]
	if m == nil || m.req.HolderRef != req.HolderRef {
		return nil, newAPIError(http.StatusNotFound, "MANDATE_NOT_FOUND", "代扣授权不存在或与持卡人不符")
	}
	key := createRequest{MerchantID: req.MerchantID, OutTradeNo: req.OutTradeNo, AmountFen: req.AmountFen,
		Currency: req.Currency, HolderRef: req.HolderRef, Description: req.Description, NotifyURL: "mandate:" + req.MandateRef}
	if d := s.debits[req.OutTradeNo]; d != nil {
		if d.req != key {
			return nil, newAPIError(http.StatusConflict, "OUT_TRADE_NO_CONFLICT", "商户订单号已用于另一笔不同的扣款请求")
		}
		return d.view(), nil
	}
	d := &debit{req: key, card: m.card, state: stateNotPay, createdAt: now}
	s.debits[req.OutTradeNo] = d
	switch {
	case req.AmountFen > m.req.MaxAmountFen:
		d.state, d.failCode, d.failMessage = statePayError, "MANDATE_LIMIT_EXCEEDED", "超过代扣授权的单笔上限"
	case s.faults.BalanceFen > 0 && req.AmountFen > s.faults.BalanceFen:
		d.state, d.failCode, d.failMessage = statePayError, "INSUFFICIENT_BALANCE", "社保卡金融账户余额不足"
	default:
		if ae := s.checkLimitsLocked(req.HolderRef, req.AmountFen, now); ae != nil {
			d.state, d.failCode, d.failMessage = statePayError, ae.Code, ae.Message
			break
		}
		serial, err := s.bankSerial(now)
		if err != nil {
			delete(s.debits, req.OutTradeNo)
			return nil, err
		}
		d.state, d.bankSerial, d.successAt = stateSuccess, serial, now
		s.dayUsed[req.HolderRef+"|"+dayOf(now)] += req.AmountFen
	}
	return d.view(), nil
}
