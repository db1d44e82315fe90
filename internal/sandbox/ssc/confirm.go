package ssc

import (
	"fmt"
	"net/http"
	"time"
)

// What the holder can do on the confirmation page (the "outcome" field).
// The last three are simulations of what a real card would cause.
const (
	outcomeSuccess      = "success"      // PIN entered; debit it
	outcomeCancel       = "cancel"       // holder backs out: NOTPAY
	outcomeWrongPIN     = "wrong_pin"    // NOTPAY; the third makes PAYERROR
	outcomeInsufficient = "insufficient" // NOTPAY, may top up and retry
	outcomeFrozen       = "frozen"       // card reported lost (挂失): PAYERROR
)

// Results beyond the outcomes above, reported back as cashier=<result>.
const (
	resultPINLocked = "pin_locked"
	resultLimit     = "limit"
)

// maxPINErrors is when the bank stops the debit: three wrong PINs in a row,
// the usual count after which a card's PIN is locked for the day.
const maxPINErrors = 3

// confirmResult answers POST /confirm/{token} for scripts.
type confirmResult struct {
	OutTradeNo string `json:"out_trade_no"`
	State      string `json:"state"`
	Result     string `json:"outcome"`
	FailCode   string `json:"fail_code,omitempty"`
	Message    string `json:"message"`
}

// confirm applies the holder's action to the debit behind token.
func (s *Server) confirm(token, outcome, pin string) (confirmResult, *apiError) {
	switch outcome {
	case outcomeSuccess:
		if !validPIN.MatchString(pin) {
			return confirmResult{}, newAPIError(http.StatusBadRequest, "PIN_FORMAT", "请输入6位数字交易密码")
		}
	case outcomeCancel, outcomeWrongPIN, outcomeInsufficient, outcomeFrozen:
	default:
		return confirmResult{}, paramError("outcome 须为 success、cancel、wrong_pin、insufficient 或 frozen")
	}
	now := s.now()
	s.mu.Lock()
	res, queued, ae := s.confirmLocked(token, outcome, pin, now)
	s.mu.Unlock()
	if queued {
		s.signal()
	}
	return res, ae
}

// liveDebitLocked finds the debit a token may still act on.
func (s *Server) liveDebitLocked(token string, now time.Time) (*debit, *apiError) {
	d := s.tokens[token]
	if d == nil {
		return nil, newAPIError(http.StatusNotFound, "TOKEN_NOT_FOUND", "支付链接无效，请返回商户页面重新发起支付")
	}
	s.expireLocked(d, now)
	switch {
	case d.paid():
		return d, nil // answered as success: the holder already paid
	case d.state == stateClosed:
		return nil, newAPIError(http.StatusConflict, "ORDER_CLOSED", "订单已关闭，无法支付")
	case d.state == statePayError:
		return nil, newAPIError(http.StatusConflict, d.failCode, d.failMessage)
	case d.token != token || !now.Before(d.tokenExpire):
		return nil, newAPIError(http.StatusNotFound, "TOKEN_EXPIRED", "支付链接已过期，请返回商户页面重新发起支付")
	}
	return d, nil
}

func (s *Server) confirmLocked(token, outcome, pin string, now time.Time) (confirmResult, bool, *apiError) {
	d, ae := s.liveDebitLocked(token, now)
	if ae != nil {
		return confirmResult{}, false, ae
	}
	if d.paid() {
		return d.result(outcomeSuccess), false, nil
	}
	if outcome == outcomeSuccess {
		outcome = s.screenLocked(d, pin, now)
	}
	switch outcome {
	case outcomeSuccess:
		if err := s.markPaidLocked(d, now); err != nil {
			s.log.Error("ssc sandbox: cannot debit", "out_trade_no", d.req.OutTradeNo, "err", err)
			return confirmResult{}, false, newAPIError(http.StatusInternalServerError, "SYSTEM_ERROR", "系统繁忙，请稍后重试")
		}
		return d.result(outcomeSuccess), true, nil
	case resultLimit:
		return d.result(resultLimit), false, nil
	case outcomeCancel:
		d.failCode, d.failMessage = "HOLDER_CANCELLED", "持卡人取消支付"
	case outcomeInsufficient:
		d.failCode, d.failMessage = "INSUFFICIENT_BALANCE", "社保卡金融账户余额不足"
	case outcomeWrongPIN:
		d.pinErrors++
		if d.pinErrors < maxPINErrors {
			d.failCode = "WRONG_PIN"
			d.failMessage = fmt.Sprintf("交易密码错误，还可输入%d次", maxPINErrors-d.pinErrors)
			return d.result(outcomeWrongPIN), false, nil
		}
		queued := s.failLocked(d, "PIN_LOCKED", "交易密码错误次数超限，本笔扣款已终止", now)
		return d.result(resultPINLocked), queued, nil
	case outcomeFrozen:
		queued := s.failLocked(d, "CARD_FROZEN", "社保卡已挂失，金融账户冻结，无法扣款", now)
		return d.result(outcomeFrozen), queued, nil
	}
	return d.result(outcome), false, nil
}

// screenLocked is the bank's check of a "pay" press: the PIN, the balance
// and the limits, any of which turns it into a failure.
func (s *Server) screenLocked(d *debit, pin string, now time.Time) string {
	switch {
	case s.faults.WrongPIN != "" && pin == s.faults.WrongPIN:
		return outcomeWrongPIN
	case s.faults.BalanceFen > 0 && d.req.AmountFen > s.faults.BalanceFen:
		return outcomeInsufficient
	}
	if ae := s.checkLimitsLocked(d.req.HolderRef, d.req.AmountFen, now); ae != nil {
		d.failCode, d.failMessage = ae.Code, ae.Message
		return resultLimit
	}
	return outcomeSuccess
}

func (d *debit) result(r string) confirmResult {
	msg := d.failMessage
	if d.paid() {
		msg = "扣款成功，已通知商户"
	}
	return confirmResult{OutTradeNo: d.req.OutTradeNo, State: d.state, Result: r, FailCode: d.failCode, Message: msg}
}

// markPaidLocked debits the card: SUCCESS, the day's usage, and the
// DEBIT.SUCCESS notification, composed once so every copy is identical.
func (s *Server) markPaidLocked(d *debit, now time.Time) error {
	serial, err := s.bankSerial(now)
	if err != nil {
		return err
	}
	d.state, d.bankSerial, d.successAt, d.failCode, d.failMessage = stateSuccess, serial, now, "", ""
	s.dayUsed[d.req.HolderRef+"|"+dayOf(now)] += d.req.AmountFen
	s.notifyDebitLocked(d, "DEBIT.SUCCESS", now)
	return nil
}

// failLocked ends the debit as PAYERROR and reports whether a DEBIT.FAILED
// notification was queued.
func (s *Server) failLocked(d *debit, code, message string, now time.Time) bool {
	d.state, d.failCode, d.failMessage = statePayError, code, message
	return s.notifyDebitLocked(d, "DEBIT.FAILED", now)
}

// notifyDebitLocked composes and queues a debit's final notification. A
// failure to compose is logged, not fatal: the money moved (or did not)
// either way, and the agency's query finds out; resend retries composing.
func (s *Server) notifyDebitLocked(d *debit, eventType string, now time.Time) bool {
	v := d.view()
	ev, err := s.newEvent(d.req.NotifyURL, envelope{EventType: eventType, Debit: &v}, now)
	if err != nil {
		s.log.Error("ssc sandbox: cannot compose notification", "out_trade_no", d.req.OutTradeNo, "err", err)
		return false
	}
	d.finalEvent = ev
	s.enqueueLocked(ev, now)
	return true
}
