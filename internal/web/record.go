package web

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"

	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/policy"
)

type recordData struct {
	Region     *policy.RegionView
	Enrolments []identity.Enrolment
	Current    []billing.Bill
	Arrears    []billing.Bill
	Total      money.Fen
	Channels   []channelOption
	IdemKey    string
}

type channelOption struct{ Code, Name string }

var channelNames = map[string]string{"wechatpay": "微信支付", "wechatpay_native": "微信扫码支付", "ssc_account": "社保卡金融账户", "unionpay": "银联"}

// record is 我的参保信息: who, which insurance types, what is due, and the
// form to pay it. Bills come pre-selected: paying this month is one tap.
func (h *handler) record(w http.ResponseWriter, r *http.Request, p *identity.Person, csrf string) {
	d, err := h.recordData(r, p)
	if err != nil {
		h.pageError(w, r, p, err)
		return
	}
	h.render(w, r, http.StatusOK, "record", page{Title: "我的参保信息", Person: p, CSRF: csrf, Data: d})
}

func (h *handler) recordData(r *http.Request, p *identity.Person) (*recordData, error) {
	rv, err := h.Policy.RegionAt(p.Region, policy.MonthOf(h.Now().In(payment.Beijing())))
	if err != nil {
		return nil, err
	}
	es, err := h.Identity.Enrolments(r.Context(), p.ID)
	if err != nil {
		return nil, err
	}
	bills, err := h.Payments.DueBills(r.Context(), p.ID)
	if err != nil {
		return nil, err
	}
	d := &recordData{Region: rv, Enrolments: es, IdemKey: newKey()}
	for _, b := range bills {
		if b.Kind == billing.Arrears {
			d.Arrears = append(d.Arrears, b)
		} else {
			d.Current = append(d.Current, b)
		}
		d.Total += b.AmountFen
	}
	for _, c := range rv.Channels {
		if c.Code == "wechatpay" { // the only channel with a provider in this version
			d.Channels = append(d.Channels, channelOption{c.Code, channelNames[c.Code]})
		}
	}
	return d, nil
}

// newKey is the idempotency key embedded in the pay form: submitting the
// same form twice (a double tap, a reload) creates one order, not two.
func newKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (h *handler) createOrder(w http.ResponseWriter, r *http.Request, p *identity.Person, csrf string) {
	res, err := h.Payments.CreateOrder(r.Context(), p, payment.CreateOrderRequest{
		BillIDs: r.PostForm["bill"], Channel: r.PostFormValue("channel"), IdempotencyKey: r.PostFormValue("key"),
	})
	if err != nil {
		h.pageError(w, r, p, err)
		return
	}
	if res.Pay != nil && res.Pay.CashierURL != "" {
		// Demo: the sandbox cashier stands in for WeChat's payment sheet and
		// sends the person back to the result page.
		http.Redirect(w, r, res.Pay.CashierURL+"?return="+url.QueryEscape("/orders/"+res.Order.ID), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/orders/"+res.Order.ID, http.StatusSeeOther)
}

func (h *handler) logout(w http.ResponseWriter, r *http.Request, _ *identity.Person, _ string) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		_ = h.Identity.Logout(r.Context(), c.Value)
	}
	h.clearSession(w)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
