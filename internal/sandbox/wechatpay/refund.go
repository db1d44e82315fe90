package wechatpay

import (
	"net/http"
	"regexp"
	"time"
	"unicode/utf8"
)

// Refund statuses (https://pay.weixin.qq.com/doc/v3/merchant/4012556457).
// The sandbox moves PROCESSING to SUCCESS, or to CLOSED or ABNORMAL when
// the refund_statuses fault says so.
const (
	refundProcessing = "PROCESSING"
	refundSuccess    = "SUCCESS"
	refundClosed     = "CLOSED"
	refundAbnormal   = "ABNORMAL"
)

// refundEvents are the notification event types and summaries of each
// final refund status.
var refundEvents = map[string][2]string{
	refundSuccess:  {"REFUND.SUCCESS", "退款成功"},
	refundClosed:   {"REFUND.CLOSED", "退款关闭"},
	refundAbnormal: {"REFUND.ABNORMAL", "退款异常"},
}

// maxRefunds is WeChat's limit of partial refunds per order.
const maxRefunds = 50

// refundWindow: WeChat accepts refunds for a year after payment.
const refundWindow = 365 * 24 * time.Hour

var outRefundNoPattern = regexp.MustCompile(`^[0-9A-Za-z_\-|*@]{1,64}$`)

type refund struct {
	id, outRefundNo      string
	reason, notifyURL    string
	fundsAccount         string
	order                *order
	amount               int64
	status               string
	createdAt, successAt time.Time
}

type refundRequest struct {
	TransactionID string `json:"transaction_id"`
	OutTradeNo    string `json:"out_trade_no"`
	OutRefundNo   string `json:"out_refund_no"`
	Reason        string `json:"reason"`
	NotifyURL     string `json:"notify_url"`
	FundsAccount  string `json:"funds_account"`
	Amount        *struct {
		Refund   *int64 `json:"refund"`
		Total    *int64 `json:"total"`
		Currency string `json:"currency"`
	} `json:"amount"`
}

func (s *Server) validateRefund(req *refundRequest) error {
	switch {
	case req.TransactionID == "" && req.OutTradeNo == "":
		return paramError("out_trade_no", "transaction_id 与 out_trade_no 必须二选一")
	case !outRefundNoPattern.MatchString(req.OutRefundNo):
		return paramError("out_refund_no", "out_refund_no 须为1-64位数字、字母、_-|*@")
	case utf8.RuneCountInString(req.Reason) > 80:
		return paramError("reason", "reason 不超过80个字符")
	case req.FundsAccount != "" && req.FundsAccount != "AVAILABLE":
		return paramError("funds_account", "funds_account 仅支持 AVAILABLE")
	case req.Amount == nil || req.Amount.Refund == nil || req.Amount.Total == nil:
		return paramError("amount", "amount.refund 与 amount.total 为必填项")
	case *req.Amount.Refund <= 0 || *req.Amount.Total <= 0:
		return paramError("amount/refund", "退款金额与原订单金额必须大于0")
	case req.Amount.Currency != "CNY":
		return paramError("amount/currency", "amount.currency 为必填项，境内商户仅支持 CNY")
	}
	if req.NotifyURL != "" {
		if issue := s.checkNotifyURL(req.NotifyURL); issue != "" {
			return paramError("notify_url", issue)
		}
	}
	return nil
}

// handleRefundCreate is POST /v3/refund/domestic/refunds
// (https://pay.weixin.qq.com/doc/v3/merchant/4012556457). The answer only
// means "accepted" (PROCESSING); the outcome comes by query or REFUND.*
// notification. A repeated out_refund_no returns the refund it named.
func (s *Server) handleRefundCreate(w http.ResponseWriter, _ *http.Request, body []byte) error {
	var req refundRequest
	if err := decodeBody(body, &req); err != nil {
		return err
	}
	if err := s.validateRefund(&req); err != nil {
		return err
	}
	now := s.now()
	s.mu.Lock()
	rf, err := s.createRefundLocked(&req, now)
	var v refundView
	if err == nil {
		v = s.refundViewOf(rf)
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	s.reply(w, http.StatusOK, v)
	return nil
}

func (s *Server) createRefundLocked(req *refundRequest, now time.Time) (*refund, error) {
	o := s.orders[req.OutTradeNo]
	if req.TransactionID != "" {
		o = s.byTxn[req.TransactionID]
	}
	if rf := s.refunds[req.OutRefundNo]; rf != nil {
		if rf.order != o || rf.amount != *req.Amount.Refund {
			return nil, invalidRequest("商户退款单号已用于其他退款，请更换 out_refund_no")
		}
		return rf, nil
	}
	switch {
	case o == nil || !o.paid():
		return nil, newAPIError(http.StatusNotFound, "RESOURCE_NOT_EXISTS", "订单号不存在或订单未支付")
	case *req.Amount.Total != o.total:
		return nil, invalidRequest("订单金额 amount.total 与原订单金额不一致")
	case now.Sub(o.successTime) > refundWindow:
		return nil, invalidRequest("订单已超过一年的退款期限")
	case len(o.refunds) >= maxRefunds:
		return nil, invalidRequest("订单退款次数已达50次上限")
	case *req.Amount.Refund > o.refundable():
		return nil, invalidRequest("申请退款金额超过订单可退金额")
	}
	id, err := s.ids.refundID(now)
	if err != nil {
		return nil, err
	}
	rf := &refund{
		id: id, outRefundNo: req.OutRefundNo, reason: req.Reason, notifyURL: req.NotifyURL,
		fundsAccount: "AVAILABLE", order: o, amount: *req.Amount.Refund,
		status: refundProcessing, createdAt: now,
	}
	s.refunds[rf.outRefundNo] = rf
	s.pending = append(s.pending, rf)
	o.refunds = append(o.refunds, rf)
	o.state, o.stateDesc = stateRefund, tradeStateDesc(stateRefund)
	return rf, nil
}

// handleRefundQuery is GET /v3/refund/domestic/refunds/{out_refund_no}
// (https://pay.weixin.qq.com/doc/v3/merchant/4012556457).
func (s *Server) handleRefundQuery(w http.ResponseWriter, r *http.Request, _ []byte) error {
	now := s.now()
	s.mu.Lock()
	woke := s.settleRefundsLocked(now, false)
	rf := s.refunds[r.PathValue("out_refund_no")]
	var v refundView
	if rf != nil {
		v = s.refundViewOf(rf)
	}
	s.mu.Unlock()
	if woke {
		s.signal()
	}
	if rf == nil {
		return newAPIError(http.StatusNotFound, "RESOURCE_NOT_EXISTS", "退款单不存在")
	}
	s.reply(w, http.StatusOK, v)
	return nil
}

// settleRefundsLocked turns due PROCESSING refunds into SUCCESS and queues
// their REFUND.SUCCESS notifications. With no RefundDelay only Run's tick
// settles (fromTick), so a refund is observably PROCESSING at first. It
// reports whether any notification was queued.
func (s *Server) settleRefundsLocked(now time.Time, fromTick bool) bool {
	queued := false
	kept := s.pending[:0]
	for _, rf := range s.pending {
		due := (s.refundDelay == 0 && fromTick) || (s.refundDelay > 0 && !now.Before(rf.createdAt.Add(s.refundDelay)))
		if !due {
			kept = append(kept, rf)
			continue
		}
		rf.status = refundSuccess
		if fs := s.faults.RefundStatuses; len(fs) > 0 {
			rf.status, s.faults.RefundStatuses = fs[0], fs[1:]
		}
		if rf.status == refundSuccess {
			rf.successAt = now
		}
		if rf.notifyURL == "" {
			continue
		}
		kind := refundEvents[rf.status]
		ev, err := s.newEvent(kind[0], kind[1], "refund", rf.notifyURL, rf.order.outTradeNo, rf.outRefundNo, s.refundNoticeOf(rf))
		if err != nil {
			s.log.Error("wechatpay sandbox: cannot build refund notification", "out_refund_no", rf.outRefundNo, "err", err)
			continue
		}
		s.enqueueLocked(ev, now)
		queued = true
	}
	clear(s.pending[len(kept):])
	s.pending = kept
	return queued
}
