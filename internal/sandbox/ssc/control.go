package ssc

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
)

// handleListNotifications is GET /control/notifications: every delivery
// with its attempts, for demos and for tests that wait on delivery.
func (s *Server) handleListNotifications(w http.ResponseWriter, _ *http.Request) {
	s.controlJSON(w, http.StatusOK, s.Notifications())
}

// handleResend is POST /control/notifications/{out_trade_no}/resend: deliver
// the debit's final notification again, now, with the same id, as a bank
// does when an operator asks it to repeat one.
func (s *Server) handleResend(w http.ResponseWriter, r *http.Request) {
	now := s.now()
	s.mu.Lock()
	d := s.debits[r.PathValue("out_trade_no")]
	var ae *apiError
	var view Delivery
	switch {
	case d == nil:
		ae = newAPIError(http.StatusNotFound, "ORDER_NOT_FOUND", "订单不存在")
	case d.finalEvent == nil && !d.paid() && d.state != statePayError:
		ae = newAPIError(http.StatusConflict, "NO_NOTIFICATION", "订单尚无终态，没有可重发的通知")
	default:
		if d.finalEvent == nil { // composing failed when the state changed; try again
			eventType := "DEBIT.SUCCESS"
			if d.state == statePayError {
				eventType = "DEBIT.FAILED"
			}
			v := d.view()
			ev, err := s.newEvent(d.req.NotifyURL, envelope{EventType: eventType, Debit: &v}, now)
			if err != nil {
				ae = newAPIError(http.StatusInternalServerError, "SYSTEM_ERROR", "系统繁忙")
				break
			}
			d.finalEvent = ev
		}
		view = s.addDeliveryLocked(d.finalEvent, now, true).view()
	}
	s.mu.Unlock()
	if ae != nil {
		s.controlError(w, ae)
		return
	}
	s.signal()
	s.controlJSON(w, http.StatusAccepted, view)
}

func (s *Server) handleGetFaults(w http.ResponseWriter, _ *http.Request) {
	s.controlJSON(w, http.StatusOK, s.Faults())
}

// handleSetFaults is POST /control/faults: replace the whole setting.
func (s *Server) handleSetFaults(w http.ResponseWriter, r *http.Request) {
	var f Faults
	if ae := decodeStrict(w, r, &f); ae != nil {
		s.controlError(w, ae)
		return
	}
	if err := s.SetFaults(f); err != nil {
		s.controlError(w, paramError(err.Error()))
		return
	}
	s.controlJSON(w, http.StatusOK, s.Faults())
}

func (s *Server) handleGetLimits(w http.ResponseWriter, _ *http.Request) {
	s.controlJSON(w, http.StatusOK, s.Limits())
}

// handleSetLimits is POST /control/limits: replace the card limits (0 = none).
func (s *Server) handleSetLimits(w http.ResponseWriter, r *http.Request) {
	var l Limits
	if ae := decodeStrict(w, r, &l); ae != nil {
		s.controlError(w, ae)
		return
	}
	if err := s.SetLimits(l); err != nil {
		s.controlError(w, paramError(err.Error()))
		return
	}
	s.controlJSON(w, http.StatusOK, s.Limits())
}

// decodeStrict refuses unknown fields, so that a typo in a control request
// does not silently change nothing.
func decodeStrict(w http.ResponseWriter, r *http.Request, v any) *apiError {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	if err != nil {
		return paramError("请求体读取失败或过大")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return paramError("不是合法的JSON：" + err.Error())
	}
	return nil
}
