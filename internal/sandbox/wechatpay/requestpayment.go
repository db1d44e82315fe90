package wechatpay

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
)

// requestPayment is what the client hands WeChat to pay a JSAPI order:
// wx.requestPayment's object in a mini-program, WeixinJSBridge's
// getBrandWCPayRequest parameters in the in-app browser. appId is absent in
// a mini-program (WeChat knows it); the sandbox takes it from the order.
type requestPayment struct {
	AppID     string `json:"appId"`
	TimeStamp string `json:"timeStamp"`
	NonceStr  string `json:"nonceStr"`
	Package   string `json:"package"`
	SignType  string `json:"signType"`
	PaySign   string `json:"paySign"`
	// Outcome is the payer's choice in the payment sheet: success, cancel,
	// insufficient; "" only checks the parameters and describes the order
	// (what the sheet shows before the payer chooses).
	Outcome string `json:"outcome"`
}

// requestPaymentAnswer carries the result message in both WeChat spellings:
// errMsg ("requestPayment:ok", mini-program) and err_msg
// ("get_brand_wcpay_request:ok", JS bridge).
type requestPaymentAnswer struct {
	ErrMsg      string `json:"errMsg"`
	ErrMsgJS    string `json:"err_msg"`
	OutTradeNo  string `json:"out_trade_no,omitempty"`
	TradeState  string `json:"trade_state,omitempty"`
	AmountFen   int64  `json:"amount_fen,omitempty"`
	Description string `json:"description,omitempty"`
	Merchant    string `json:"merchant,omitempty"`
}

// handleRequestPayment is WeChat's client side of a JSAPI payment: it checks
// the parameters as WeChat does before it shows the payment sheet (package
// names a live prepay_id; paySign is the merchant's RSA-SHA256 signature of
// appId, timeStamp, nonceStr and package, one per line,
// https://pay.weixin.qq.com/doc/v3/merchant/4012365341), then applies the
// payer's choice. Wrong parameters answer 400 with a "fail" message, as
// the client would see "requestPayment:fail …".
func (s *Server) handleRequestPayment(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 16<<10))
	var req requestPayment
	if err == nil {
		err = decodeBody(body, &req)
	}
	if err != nil {
		s.controlJSON(w, http.StatusBadRequest, failAnswer("invalid request body"))
		return
	}
	prepayID, ok := strings.CutPrefix(req.Package, "prepay_id=")
	if !ok || prepayID == "" {
		s.controlJSON(w, http.StatusBadRequest, failAnswer("package must be prepay_id=…"))
		return
	}
	s.mu.Lock()
	p := s.prepays[prepayID]
	var appID, outTradeNo, desc string
	var total int64
	if p != nil {
		appID, outTradeNo, desc, total = p.order.appID, p.order.outTradeNo, p.order.description, p.order.total
	}
	s.mu.Unlock()
	if p == nil {
		s.controlJSON(w, http.StatusBadRequest, failAnswer("prepay_id not found or expired"))
		return
	}
	if req.AppID != "" && req.AppID != appID {
		s.controlJSON(w, http.StatusBadRequest, failAnswer("appId does not match the order"))
		return
	}
	if req.SignType != "RSA" || !s.paySignValid(appID, req) {
		s.controlJSON(w, http.StatusBadRequest, failAnswer("invalid paySign"))
		return
	}
	if req.Outcome == "" {
		s.controlJSON(w, http.StatusOK, requestPaymentAnswer{OutTradeNo: outTradeNo, AmountFen: total, Description: desc, Merchant: merchantName})
		return
	}
	res, ae := s.pay(prepayID, req.Outcome)
	if ae != nil {
		s.controlJSON(w, ae.Status, failAnswer(ae.Message))
		return
	}
	ans := requestPaymentAnswer{OutTradeNo: res.OutTradeNo, TradeState: res.TradeState}
	switch res.Outcome {
	case outcomeSuccess:
		ans.ErrMsg, ans.ErrMsgJS = "requestPayment:ok", "get_brand_wcpay_request:ok"
	case outcomeCancel:
		ans.ErrMsg, ans.ErrMsgJS = "requestPayment:fail cancel", "get_brand_wcpay_request:cancel"
	default:
		ans.ErrMsg, ans.ErrMsgJS = "requestPayment:fail insufficient balance", "get_brand_wcpay_request:fail"
	}
	s.controlJSON(w, http.StatusOK, ans)
}

func failAnswer(why string) requestPaymentAnswer {
	return requestPaymentAnswer{ErrMsg: "requestPayment:fail " + why, ErrMsgJS: "get_brand_wcpay_request:fail"}
}

func (s *Server) paySignValid(appID string, req requestPayment) bool {
	sig, err := base64.StdEncoding.DecodeString(req.PaySign)
	if err != nil {
		return false
	}
	sum := sha256.Sum256([]byte(appID + "\n" + req.TimeStamp + "\n" + req.NonceStr + "\n" + req.Package + "\n"))
	return rsa.VerifyPKCS1v15(&s.creds.MerchantKey.PublicKey, crypto.SHA256, sum[:], sig) == nil
}

//go:embed assets/jsbridge.js
var jsBridge []byte

// handleJSBridge serves a stand-in for the WeixinJSBridge object WeChat's
// in-app browser injects, for demo pages opened in an ordinary browser with
// a WeChat User-Agent. It defines nothing when a real bridge is present.
func (s *Server) handleJSBridge(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(jsBridge)
}
