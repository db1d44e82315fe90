package ssc

import (
	"net/http"
	"regexp"
	"time"
	"unicode/utf8"
)

// Refund states.
const (
	refundProcessing = "PROCESSING"
	refundSuccess    = "SUCCESS"
	refundAbnormal   = "ABNORMAL"
)

var validRefundNo = regexp.MustCompile(`^[0-9A-Za-z_\-|*@]{6,64}$`)

// refundRequest is POST /v1/refunds; comparable for idempotency, like
// createRequest.
type refundRequest struct {
	MerchantID  string `json:"merchant_id"`
	OutTradeNo  string `json:"out_trade_no"`
	OutRefundNo string `json:"out_refund_no"`
	AmountFen   int64  `json:"amount_fen"`
	TotalFen    int64  `json:"total_fen"`
	Reason      string `json:"reason"`
	NotifyURL   string `json:"notify_url"`
}

type refund struct {
	req       refundRequest
	refundID  string
	debit     *debit
	state     string
	createdAt time.Time
	settleAt  time.Time
	successAt time.Time
}

type refundView struct {
	MerchantID  string `json:"merchant_id"`
	OutTradeNo  string `json:"out_trade_no"`
	OutRefundNo string `json:"out_refund_no"`
	RefundID    string `json:"refund_id"`
	State       string `json:"state"`
	AmountFen   int64  `json:"amount_fen"`
	SuccessTime string `json:"success_time,omitempty"`
}

func (rf *refund) view() refundView {
	return refundView{
		MerchantID: rf.req.MerchantID, OutTradeNo: rf.req.OutTradeNo, OutRefundNo: rf.req.OutRefundNo,
		RefundID: rf.refundID, State: rf.state, AmountFen: rf.req.AmountFen, SuccessTime: fmtTime(rf.successAt),
	}
}

// handleRefundCreate is POST /v1/refunds: a full refund of a paid debit
// (one the holder confirmed, or a mandated debit), idempotent by
// out_refund_no.
func (s *Server) handleRefundCreate(_ *http.Request, body []byte) (any, error) {
	var req refundRequest
	if ae := decodeBody(body, &req); ae != nil {
		return nil, ae
	}
	if ae := s.checkRefund(req); ae != nil {
		return nil, ae
	}
	now := s.now()
	id, err := s.refundID(now)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if rf := s.refunds[req.OutRefundNo]; rf != nil {
		if rf.req != req {
			return nil, newAPIError(http.StatusConflict, "REFUND_CONFLICT", "商户退款单号已用于另一笔不同的退款请求")
		}
		return rf.view(), nil
	}
	d := s.debits[req.OutTradeNo]
	switch {
	case d == nil:
		return nil, newAPIError(http.StatusNotFound, "ORDER_NOT_FOUND", "订单不存在")
	case d.refund != nil && d.refund.state != refundAbnormal:
		// An ABNORMAL refund never reached the card and the money stayed
		// with the merchant, so the debit may be refunded again under a
		// new number, as the agency's operators retry it.
		return nil, newAPIError(http.StatusConflict, "REFUND_EXISTS", "该订单已以另一退款单号退款")
	case d.state != stateSuccess:
		return nil, newAPIError(http.StatusConflict, "ORDER_NOT_PAID", "订单未支付成功，不能退款")
	case req.AmountFen != d.req.AmountFen:
		return nil, paramError("仅支持全额退款：amount_fen 须等于订单金额")
	}
	rf := &refund{req: req, refundID: id, debit: d, state: refundProcessing, createdAt: now, settleAt: now.Add(s.refundDelay)}
	d.refund = rf
	s.refunds[req.OutRefundNo] = rf
	s.signal() // so Run settles it without waiting for its poll
	return rf.view(), nil
}

func (s *Server) checkRefund(req refundRequest) *apiError {
	switch {
	case req.MerchantID != s.creds.MerchantID:
		return paramError("merchant_id 与签名商户号不一致")
	case !validTradeNo.MatchString(req.OutTradeNo):
		return paramError("out_trade_no 格式错误")
	case !validRefundNo.MatchString(req.OutRefundNo):
		return paramError("out_refund_no 须为6至64位字母、数字或_-|*@")
	case req.AmountFen <= 0 || req.AmountFen != req.TotalFen:
		return paramError("仅支持全额退款：amount_fen 须为正数且等于 total_fen")
	case utf8.RuneCountInString(req.Reason) > 80:
		return paramError("reason 不超过80个字符")
	}
	if msg := s.checkNotifyURL(req.NotifyURL, false); msg != "" {
		return paramError(msg)
	}
	return nil
}

// handleRefundQuery is GET /v1/refunds/{out_refund_no}.
func (s *Server) handleRefundQuery(r *http.Request, _ []byte) (any, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settleRefundsLocked(now)
	rf := s.refunds[r.PathValue("out_refund_no")]
	if rf == nil {
		return nil, newAPIError(http.StatusNotFound, "REFUND_NOT_FOUND", "退款单不存在")
	}
	return rf.view(), nil
}

// settleRefundsLocked completes every refund whose delay has passed: the
// money is back on the card, the debit reads REFUND, and the agency is told
// if it gave a notify URL. Under the RefundsAbnormal fault it ends ABNORMAL
// instead, final, with no notification (only successes are notified).
func (s *Server) settleRefundsLocked(now time.Time) {
	queued := false
	for _, rf := range s.refunds {
		if rf.state != refundProcessing || now.Before(rf.settleAt) {
			continue
		}
		if s.faults.RefundsAbnormal {
			rf.state = refundAbnormal
			continue
		}
		rf.state, rf.successAt = refundSuccess, now
		rf.debit.state = stateRefund
		if rf.req.NotifyURL == "" {
			continue
		}
		v := rf.view()
		ev, err := s.newEvent(rf.req.NotifyURL, envelope{EventType: "REFUND.SUCCESS", Refund: &v}, now)
		if err != nil {
			s.log.Error("ssc sandbox: cannot compose refund notification", "out_refund_no", rf.req.OutRefundNo, "err", err)
			continue
		}
		s.enqueueLocked(ev, now)
		queued = true
	}
	if queued {
		s.signal()
	}
}
