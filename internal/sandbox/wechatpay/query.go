package wechatpay

import (
	"net/http"
)

// checkQueryMchID applies the ?mchid= rule shared by both order queries.
func (s *Server) checkQueryMchID(r *http.Request) error {
	switch mchid := r.URL.Query().Get("mchid"); {
	case mchid == "":
		return &apiError{Status: http.StatusBadRequest, Code: "PARAM_ERROR", Message: "参数错误：mchid 为必填项",
			Detail: map[string]string{"field": "mchid", "location": "query", "issue": "mchid 为必填项"}}
	case mchid != s.creds.MchID:
		return newAPIError(http.StatusBadRequest, "MCH_NOT_EXISTS", "商户号不存在")
	}
	return nil
}

func errOrderNotExist() error {
	return newAPIError(http.StatusNotFound, "ORDER_NOT_EXIST", "订单不存在")
}

// handleQueryByOutTradeNo is GET /v3/pay/transactions/out-trade-no/{out_trade_no}
// (https://pay.weixin.qq.com/doc/v3/merchant/4013070356).
func (s *Server) handleQueryByOutTradeNo(w http.ResponseWriter, r *http.Request, _ []byte) error {
	if err := s.checkQueryMchID(r); err != nil {
		return err
	}
	s.mu.Lock()
	o := s.orders[r.PathValue("out_trade_no")]
	var t transaction
	if o != nil {
		t = s.transactionOf(o)
	}
	s.mu.Unlock()
	if o == nil {
		return errOrderNotExist()
	}
	s.reply(w, http.StatusOK, t)
	return nil
}

// handleQueryByID is GET /v3/pay/transactions/id/{transaction_id}
// (https://pay.weixin.qq.com/doc/v3/merchant/4013070354). Only paid orders
// have a transaction_id, so an unpaid order is not found this way.
func (s *Server) handleQueryByID(w http.ResponseWriter, r *http.Request, _ []byte) error {
	if err := s.checkQueryMchID(r); err != nil {
		return err
	}
	s.mu.Lock()
	o := s.byTxn[r.PathValue("transaction_id")]
	var t transaction
	if o != nil {
		t = s.transactionOf(o)
	}
	s.mu.Unlock()
	if o == nil {
		return errOrderNotExist()
	}
	s.reply(w, http.StatusOK, t)
	return nil
}

// handleClose is POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close
// with body {"mchid"}: 204 No Content, signed over the empty body. Closing a
// closed order again is accepted; closing a paid one is 400 ORDERPAID.
func (s *Server) handleClose(w http.ResponseWriter, r *http.Request, body []byte) error {
	var req struct {
		MchID string `json:"mchid"`
	}
	if err := decodeBody(body, &req); err != nil {
		return err
	}
	switch {
	case req.MchID == "":
		return paramError("mchid", "mchid 为必填项")
	case req.MchID != s.creds.MchID:
		return newAPIError(http.StatusBadRequest, "MCH_NOT_EXISTS", "商户号不存在")
	}
	s.mu.Lock()
	o := s.orders[r.PathValue("out_trade_no")]
	var err error
	switch {
	case o == nil:
		err = errOrderNotExist()
	case o.paid():
		err = newAPIError(http.StatusBadRequest, "ORDERPAID", "订单已支付")
	default:
		o.state, o.stateDesc = stateClosed, tradeStateDesc(stateClosed)
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	s.reply(w, http.StatusNoContent, nil)
	return nil
}
