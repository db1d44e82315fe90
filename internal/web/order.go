package web

import (
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"

	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/voucher"
)

type orderData struct {
	Order    payment.Order
	Cashier  string // outcome reported by the cashier: cancel, insufficient
	Vouchers []voucher.Voucher
	Pending  bool
	PayWays
	// Credit is the credit an order paid with credit pay opened: when and
	// how much is collected from the card.
	Credit *payment.Credit
}

// orderPage is the result page. While the payment is pending it refreshes
// itself: a script polls the state, and without JavaScript a <noscript>
// refresh does the same.
func (h *handler) orderPage(w http.ResponseWriter, r *http.Request, p *identity.Person, csrf string) {
	o, err := h.Payments.OrderFor(r.Context(), p.ID, r.PathValue("id"))
	if err != nil {
		h.pageError(w, r, p, err)
		return
	}
	d := orderData{Order: o, Cashier: r.URL.Query().Get("cashier")}
	if o.Channel == payment.CreditChannel && o.PayerID == p.ID {
		d.Credit = h.creditFor(r, p, o.ID)
	}
	switch o.State {
	case payment.AwaitingPayment:
		// Where the person pays: the channel's page (the card bank's PIN page,
		// or in demo mode the WeChat sandbox cashier), as the order stored it.
		if o.PayParams != nil && o.PayParams.CashierURL != "" {
			d.PayURL = o.PayParams.CashierURL + "?return=" + url.QueryEscape("/orders/"+o.ID)
		}
		d.Amount, d.Close, d.CSRF = o.AmountFen, "/orders/"+o.ID+"/close", csrf
		if err := h.payInPlace(r, o.Channel, o.PayParams, &d.PayWays); err != nil {
			h.pageError(w, r, p, err)
			return
		}
		d.Pending = !failedAtCashier[d.Cashier]
	case payment.Created, payment.Paid, payment.Posting:
		d.Pending = true
	case payment.Credited:
		if d.Vouchers, err = h.Payments.OrderVouchers(r.Context(), p.ID, o.ID); err != nil {
			h.pageError(w, r, p, err)
			return
		}
	}
	pg := page{Title: "title.order", Person: p, CSRF: csrf, Refresh: d.Pending, Step: 4, Data: d}
	if d.Bridge != "" {
		if h.JSBridgeURL != "" {
			pg.Scripts = append(pg.Scripts, h.JSBridgeURL)
		}
		pg.Scripts = append(pg.Scripts, h.static.url("wxpay.js"))
	}
	h.render(w, r, http.StatusOK, "order", pg)
}

// PayWays is how a page pays what is awaiting payment where the person
// is; the order and repayment result pages share it (template "payways").
type PayWays struct {
	PayURL string // the channel's own page: the card bank's PIN page, in demo mode the sandbox cashier
	// QR is Native payment's code_url as an inline SVG QR code, to scan
	// with WeChat on a phone while the page follows the payment.
	QR template.HTML
	// Bridge holds, inside WeChat, the signed JSAPI parameters the page's
	// script hands WeixinJSBridge (getBrandWCPayRequest).
	Bridge string
	Amount money.Fen
	// Close is the form action that gives up this payment ("" offers
	// none), posted with CSRF.
	Close, CSRF string
}

// payInPlace prepares what the page needs to pay where the person is: a QR
// code for Native payment on a PC, or inside WeChat the JSAPI parameters
// for the JS bridge.
func (h *handler) payInPlace(r *http.Request, channel string, pp *payment.PayParams, d *PayWays) error {
	switch {
	case pp == nil:
		return nil
	case pp.CodeURL != "":
		svg, err := voucher.QRSVGTitled(pp.CodeURL, "微信扫码支付二维码 WeChat Pay QR code")
		if err != nil {
			return err
		}
		// QRSVGTitled builds the SVG from module coordinates and a fixed
		// title; nothing from a request reaches it.
		d.QR = template.HTML(svg)
	case channel == "wechatpay" && pp.Package != "" && InWeChat(r):
		b, err := json.Marshal(map[string]string{"appId": pp.AppID, "timeStamp": pp.TimeStamp, "nonceStr": pp.NonceStr,
			"package": pp.Package, "signType": pp.SignType, "paySign": pp.PaySign})
		if err != nil {
			return err
		}
		d.Bridge = string(b)
	}
	return nil
}

// failedAtCashier are the outcomes a payment page reports when the person
// did not pay: the order stays payable, and the page says how to go on.
var failedAtCashier = map[string]bool{"cancel": true, "insufficient": true, "frozen": true, "pin_locked": true, "limit": true, "failed": true}

// orderState is the small JSON the result page's script polls.
func (h *handler) orderState(w http.ResponseWriter, r *http.Request, p *identity.Person, _ string) {
	o, err := h.Payments.OrderFor(r.Context(), p.ID, r.PathValue("id"))
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if err != nil {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"state":"unknown"}`))
		return
	}
	label := h.tpl.cats[pickLang(r)].must("state." + string(o.State))
	_ = json.NewEncoder(w).Encode(map[string]string{"state": string(o.State), "label": label})
}

func (h *handler) closeOrder(w http.ResponseWriter, r *http.Request, p *identity.Person, _ string) {
	o, err := h.Payments.CloseOrder(r.Context(), p.ID, r.PathValue("id"))
	if err != nil {
		h.pageError(w, r, p, err)
		return
	}
	http.Redirect(w, r, "/orders/"+o.ID, http.StatusSeeOther)
}
