package wechatpay

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
)

// handleListNotifications is GET /control/notifications: every delivery with
// its attempts, for demos and for tests that wait on delivery.
func (s *Server) handleListNotifications(w http.ResponseWriter, _ *http.Request) {
	s.controlJSON(w, http.StatusOK, s.Notifications())
}

// handleResend is POST /control/notifications/{out_trade_no}/resend: deliver
// the order's TRANSACTION.SUCCESS again, now, with the same notification id,
// as WeChat does when it repeats a notification.
func (s *Server) handleResend(w http.ResponseWriter, r *http.Request) {
	now := s.now()
	s.mu.Lock()
	o := s.orders[r.PathValue("out_trade_no")]
	var ae *apiError
	var view Delivery
	switch {
	case o == nil:
		ae = newAPIError(http.StatusNotFound, "ORDER_NOT_EXIST", "订单不存在")
	case !o.paid():
		ae = newAPIError(http.StatusConflict, "ORDER_NOT_PAID", "订单未支付，没有支付成功通知可重发")
	default:
		if o.successEvent == nil { // building it failed at payment time; try again
			ev, err := s.newEvent("TRANSACTION.SUCCESS", "支付成功", "transaction", o.notifyURL, o.outTradeNo, "", s.transactionOf(o))
			if err != nil {
				s.log.Error("wechatpay sandbox: cannot build payment notification", "out_trade_no", o.outTradeNo, "err", err)
				ae = newAPIError(http.StatusInternalServerError, "SYSTEM_ERROR", "系统错误")
				break
			}
			o.successEvent = ev
		}
		view = s.viewLocked(s.addDeliveryLocked(o.successEvent, now, true))
	}
	s.mu.Unlock()
	if ae != nil {
		s.controlJSON(w, ae.Status, ae)
		return
	}
	s.signal()
	s.controlJSON(w, http.StatusAccepted, view)
}

func (s *Server) handleGetFaults(w http.ResponseWriter, _ *http.Request) {
	s.controlJSON(w, http.StatusOK, s.Faults())
}

// handleSetFaults is POST /control/faults: replace the whole setting. Unknown
// fields are refused so that a typo does not silently inject nothing.
func (s *Server) handleSetFaults(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	if err != nil {
		s.controlError(w, http.StatusBadRequest, "PARAM_ERROR", "请求体读取失败或过大")
		return
	}
	var f Faults
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		s.controlError(w, http.StatusBadRequest, "PARAM_ERROR", "故障设置不是合法的JSON："+err.Error())
		return
	}
	if err := s.SetFaults(f); err != nil {
		s.controlError(w, http.StatusBadRequest, "PARAM_ERROR", err.Error())
		return
	}
	s.controlJSON(w, http.StatusOK, s.Faults())
}
