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
	Plan       []planPart // when the bills due are over the channel's limits
	Limits     payment.Limits
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
	if len(d.Channels) > 0 {
		if err := h.planFor(r, p, d, bills); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// planPart is one payment of a split plan, as the page shows it.
type planPart struct {
	payment.Part
	Selected bool
}

// planFor splits bills that are over the first channel's limits into
// payments and pre-selects the first one: the person is offered a way to pay
// everything, one payment at a time, instead of a refusal (seed §3, §5).
func (h *handler) planFor(r *http.Request, p *identity.Person, d *recordData, bills []billing.Bill) error {
	l, err := h.Payments.LimitsFor(r.Context(), p, d.Channels[0].Code)
	if err != nil {
		return err
	}
	d.Limits = l
	if d.Total <= l.PerPaymentFen && l.UsedTodayFen+d.Total <= l.PerDayFen {
		return nil
	}
	plan := payment.SplitPlan(bills, l)
	for i, part := range plan {
		d.Plan = append(d.Plan, planPart{Part: part, Selected: i == 0 && part.Day == 0})
	}
	return nil
}

// Preselected reports whether a bill is ticked when the page opens: all of
// them, unless a split plan limits today's payment to its first part.
func (d *recordData) Preselected(id string) bool {
	if len(d.Plan) == 0 {
		return true
	}
	for _, part := range d.Plan {
		if part.Selected {
			for _, b := range part.BillIDs {
				if b == id {
					return true
				}
			}
		}
	}
	return false
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
