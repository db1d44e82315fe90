package wechatpay

import (
	"time"
)

// Trade states of a payment order and their Chinese descriptions as the
// order query returns them (https://pay.weixin.qq.com/doc/v3/merchant/4013070356).
// USERPAYING and PAYERROR belong to 付款码 payments and are listed for
// completeness; the sandbox's JSAPI/Native orders never enter them.
const (
	stateNotPay     = "NOTPAY"
	stateUserPaying = "USERPAYING"
	stateSuccess    = "SUCCESS"
	stateClosed     = "CLOSED"
	stateRefund     = "REFUND"
	statePayError   = "PAYERROR"
)

func tradeStateDesc(state string) string {
	switch state {
	case stateNotPay:
		return "订单未支付"
	case stateUserPaying:
		return "用户支付中，需要输入密码"
	case stateSuccess:
		return "支付成功"
	case stateClosed:
		return "订单已关闭"
	case stateRefund:
		return "订单发生过退款"
	case statePayError:
		return "支付失败，请重新下单支付"
	}
	return ""
}

// descInsufficient marks an order whose last payment attempt failed for lack
// of balance; it stays NOTPAY and the payer may try again, as in WeChat.
const descInsufficient = "订单未支付：用户零钱余额不足，支付失败，可更换支付方式后重试"

// prepayTTL is how long a prepay_id (and so the cashier page) stays usable
// (https://pay.weixin.qq.com/doc/v3/merchant/4012525182: "有效期为2小时").
const prepayTTL = 2 * time.Hour

// order is one payment order, keyed by the merchant's out_trade_no.
type order struct {
	appID, mchID, outTradeNo string
	tradeType                string // JSAPI or NATIVE
	description, attach      string
	notifyURL, openID        string
	total                    int64
	currency                 string
	timeExpire               time.Time // zero when the merchant set none
	fingerprint              string    // the prepay parameters, to tell a retry from a reuse
	createdAt                time.Time
	prepayKey                string // current prepay_id, or the Native code
	prepayAt                 time.Time
	state, stateDesc         string
	transactionID, bankType  string
	successTime              time.Time
	payerTotal               int64
	refunds                  []*refund
	successEvent             *event // the TRANSACTION.SUCCESS notification, kept for resend
}

// prepay is one issued prepay_id (or Native code): each stays valid for
// prepayTTL even after a newer one was issued for the same order.
type prepay struct {
	order     *order
	createdAt time.Time
}

func (o *order) paid() bool { return o.state == stateSuccess || o.state == stateRefund }

// refundable is what is left to refund: the amount paid minus every refund
// that has not been closed.
func (o *order) refundable() int64 {
	left := o.total
	for _, rf := range o.refunds {
		if rf.status != refundClosed {
			left -= rf.amount
		}
	}
	return left
}

// transaction is the order query response and the TRANSACTION.SUCCESS
// plaintext, field for field the SDK's payments.Transaction.
type transaction struct {
	AppID          string            `json:"appid"`
	MchID          string            `json:"mchid"`
	OutTradeNo     string            `json:"out_trade_no"`
	TransactionID  string            `json:"transaction_id,omitempty"`
	TradeType      string            `json:"trade_type,omitempty"`
	TradeState     string            `json:"trade_state"`
	TradeStateDesc string            `json:"trade_state_desc"`
	BankType       string            `json:"bank_type,omitempty"`
	Attach         string            `json:"attach"`
	SuccessTime    string            `json:"success_time,omitempty"`
	Payer          *transactionPayer `json:"payer,omitempty"`
	Amount         transactionAmount `json:"amount"`
	Promotion      []json0           `json:"promotion_detail"`
}

type transactionPayer struct {
	OpenID string `json:"openid"`
}

type transactionAmount struct {
	Total         int64  `json:"total"`
	PayerTotal    *int64 `json:"payer_total,omitempty"`
	Currency      string `json:"currency"`
	PayerCurrency string `json:"payer_currency"`
}

// json0 keeps promotion_detail an empty array, as WeChat sends it.
type json0 struct{}

// transactionOf renders o as WeChat reports it. An unpaid order has no
// transaction_id, trade_type, payer_total or success_time yet.
func (s *Server) transactionOf(o *order) transaction {
	t := transaction{
		AppID: o.appID, MchID: o.mchID, OutTradeNo: o.outTradeNo,
		TradeState: o.state, TradeStateDesc: o.stateDesc, Attach: o.attach,
		Amount:    transactionAmount{Total: o.total, Currency: o.currency, PayerCurrency: o.currency},
		Promotion: []json0{},
	}
	if o.openID != "" {
		t.Payer = &transactionPayer{OpenID: o.openID}
	}
	if o.paid() {
		t.TransactionID = o.transactionID
		t.TradeType = o.tradeType
		t.BankType = o.bankType
		t.SuccessTime = s.fmtTime(o.successTime)
		payer := o.payerTotal
		t.Amount.PayerTotal = &payer
	}
	return t
}
