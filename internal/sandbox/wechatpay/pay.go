package wechatpay

import (
	"net/http"
	"time"
)

// Cashier outcomes: what the payer did in WeChat's payment sheet. They stand
// in for wx.requestPayment's results: success, the user's cancel (the order
// stays NOTPAY), and a failed attempt for lack of balance (also NOTPAY,
// retryable, as WeChat lets the payer switch card and try again).
const (
	outcomeSuccess      = "success"
	outcomeCancel       = "cancel"
	outcomeInsufficient = "insufficient"
)

// bankType is what WeChat reports for balance (零钱) payments.
const bankType = "OTHERS"

// payResult is the JSON answer of POST /cashier/{prepay_id}.
type payResult struct {
	OutTradeNo string `json:"out_trade_no"`
	TradeState string `json:"trade_state"`
	Outcome    string `json:"outcome"`
}

// pay applies a cashier outcome to the order behind a prepay key.
func (s *Server) pay(key, outcome string) (payResult, *apiError) {
	switch outcome {
	case outcomeSuccess, outcomeCancel, outcomeInsufficient:
	default:
		return payResult{}, paramError("outcome", "outcome 须为 success、cancel 或 insufficient")
	}
	now := s.now()
	s.mu.Lock()
	res, queued, err := s.payLocked(key, outcome, now)
	s.mu.Unlock()
	if queued {
		s.signal()
	}
	return res, err
}

func (s *Server) payLocked(key, outcome string, now time.Time) (payResult, bool, *apiError) {
	p := s.prepays[key]
	if p == nil {
		return payResult{}, false, newAPIError(http.StatusNotFound, "PREPAY_NOT_EXIST", "支付会话不存在")
	}
	o := p.order
	res := payResult{OutTradeNo: o.outTradeNo, Outcome: outcome}
	switch {
	case o.paid():
		// Idempotent: the order is paid whatever was pressed now, and the
		// merchant was notified once already.
		res.TradeState, res.Outcome = o.state, outcomeSuccess
		return res, false, nil
	case o.state == stateClosed:
		return res, false, newAPIError(http.StatusBadRequest, "ORDER_CLOSED", "订单已关闭")
	case now.Sub(p.createdAt) >= prepayTTL || (!o.timeExpire.IsZero() && !now.Before(o.timeExpire)):
		return res, false, newAPIError(http.StatusNotFound, "PREPAY_EXPIRED", "支付会话已过期，请返回商户重新下单")
	}
	if limit := s.faults.InsufficientLimitFen; outcome == outcomeSuccess && limit > 0 && o.total > limit {
		outcome, res.Outcome = outcomeInsufficient, outcomeInsufficient
	}
	switch outcome {
	case outcomeCancel:
		o.stateDesc = tradeStateDesc(stateNotPay)
	case outcomeInsufficient:
		o.stateDesc = descInsufficient
	case outcomeSuccess:
		if err := s.markPaidLocked(o, now); err != nil {
			s.log.Error("wechatpay sandbox: cannot mark order paid", "out_trade_no", o.outTradeNo, "err", err)
			return res, false, newAPIError(http.StatusInternalServerError, "SYSTEM_ERROR", "系统错误")
		}
		res.TradeState = o.state
		return res, o.successEvent != nil, nil
	}
	res.TradeState = o.state
	return res, false, nil
}

// markPaidLocked records a successful payment and queues TRANSACTION.SUCCESS,
// whose plaintext is the order as a query would now return it.
func (s *Server) markPaidLocked(o *order, now time.Time) error {
	txn, err := s.ids.transactionID(now)
	if err != nil {
		return err
	}
	o.state, o.stateDesc = stateSuccess, tradeStateDesc(stateSuccess)
	o.transactionID, o.bankType, o.successTime, o.payerTotal = txn, bankType, now, o.total
	s.byTxn[txn] = o
	ev, err := s.newEvent("TRANSACTION.SUCCESS", "支付成功", "transaction", o.notifyURL, o.outTradeNo, "", s.transactionOf(o))
	if err != nil {
		// The payment stands, as at WeChat; the merchant will learn of it by
		// querying. Resend can try again later.
		s.log.Error("wechatpay sandbox: cannot build payment notification", "out_trade_no", o.outTradeNo, "err", err)
		return nil
	}
	o.successEvent = ev
	s.enqueueLocked(ev, now)
	return nil
}
