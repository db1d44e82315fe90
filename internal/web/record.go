package web

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/policy"
)

type recordData struct {
	Profile    profile
	Plan       []planPart // when the bills due are over the channel's limits
	Limits     payment.Limits
	Region     *policy.RegionView
	Person     *identity.Person
	Enrolments []standing
	Current    []billing.Bill
	Arrears    []billing.Bill
	Hidden     int // arrears this profile does not list (current period only)
	Total      money.Fen
	Channels   []string
	Credit     bool // the region offers credit pay (社保信用付): link its page
	IdemKey    string
	Stage      string // step-by-step profiles: "confirm", then "pay"
}

// channelCodes are the channels with a provider in this version; a
// region's pack may list more.
var channelCodes = map[string]bool{"wechatpay": true, "wechatpay_native": true, "ssc_account": true, "unionpay": true, payment.CreditChannel: true}

// preferred is the channel listed first, and so chosen, wherever the
// region offers it: people reach shebao through WeChat and most of them pay
// with it; the region's other channels follow in the pack's order, one tap
// away.
const preferred = "wechatpay"

// offered tells whether the page offers a channel to this browser: inside
// WeChat the person pays in place (JSAPI), so a QR code to scan with the
// same phone would be of no use.
func offered(r *http.Request, channel string) bool {
	return channelCodes[channel] && !(channel == "wechatpay_native" && InWeChat(r))
}

// pageChannels lists the region's channels a page offers this browser, in
// the pack's order with the preferred one first, leaving out skip.
func pageChannels(r *http.Request, rv *policy.RegionView, skip string) []string {
	var out []string
	for _, c := range rv.Channels {
		if offered(r, c.Code) && c.Code != skip {
			out = append(out, c.Code)
		}
	}
	if i := slices.Index(out, preferred); i > 0 {
		out = slices.Insert(slices.Delete(out, i, i+1), 0, preferred)
	}
	return out
}

// InWeChat tells whether the request comes from WeChat's in-app browser,
// which names itself MicroMessenger in its User-Agent.
func InWeChat(r *http.Request) bool {
	return strings.Contains(r.UserAgent(), "MicroMessenger")
}

// record is 我的参保信息: who, which insurance types, what is due, and the
// form to pay it. Bills come pre-selected and one channel is chosen, so a
// returning person pays this month with one tap here and one at the
// cashier. Step-by-step profiles show the same content on two screens:
// confirm the record, then pay.
func (h *handler) record(w http.ResponseWriter, r *http.Request, p *identity.Person, csrf string) {
	d, err := h.recordData(r, p)
	if err != nil {
		h.pageError(w, r, p, err)
		return
	}
	step := 0
	if d.Profile.Steps {
		step = 2
		if d.Stage == "pay" {
			step = 3
		}
	}
	h.render(w, r, http.StatusOK, "record", page{Title: "title.record", Person: p, CSRF: csrf, Nav: "me", Step: step, Data: d})
}

func (h *handler) recordData(r *http.Request, p *identity.Person) (*recordData, error) {
	rv, err := h.Policy.RegionAt(p.Region, h.month())
	if err != nil {
		return nil, err
	}
	all, err := h.Payments.Bills(r.Context(), p.ID)
	if err != nil {
		return nil, err
	}
	st, err := h.standing(r, p, all)
	if err != nil {
		return nil, err
	}
	prof := h.profileOf(p.Region)
	d := &recordData{Profile: prof, Region: rv, Person: p, Enrolments: st, IdemKey: newKey(), Stage: "confirm"}
	if prof.Steps && r.URL.Query().Get("step") == "pay" {
		d.Stage = "pay"
	}
	var payable []billing.Bill
	for _, b := range all {
		switch {
		case b.Status != billing.Due:
		case b.Kind == billing.Arrears && !prof.Arrears:
			d.Hidden++
		case b.Kind == billing.Arrears:
			d.Arrears = append(d.Arrears, b)
			payable = append(payable, b)
		default:
			d.Current = append(d.Current, b)
			payable = append(payable, b)
		}
	}
	for _, b := range payable {
		d.Total += b.AmountFen
	}
	d.Channels = pageChannels(r, rv, "")
	for _, c := range rv.Channels {
		d.Credit = d.Credit || c.Code == payment.CreditChannel
	}
	if len(d.Channels) > 0 {
		if err := h.planFor(r, p, d, payable); err != nil {
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
	l, err := h.Payments.LimitsFor(r.Context(), p, d.Channels[0])
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

// SelectedTotal is what the pre-selected bills add up to.
func (d *recordData) SelectedTotal() money.Fen {
	var t money.Fen
	for _, bs := range [][]billing.Bill{d.Current, d.Arrears} {
		for _, b := range bs {
			if d.Preselected(b.ID) {
				t += b.AmountFen
			}
		}
	}
	return t
}

// billLine is a bill on the pay form: whether it starts ticked, and the
// policy behind its amount where the profile explains it beside the amount.
type billLine struct {
	Bill    billing.Bill
	Checked bool
	Rule    *policy.InsuranceView
	Region  *policy.RegionView
}

// Line is b as the pay form shows it.
func (d *recordData) Line(b billing.Bill) billLine {
	l := billLine{Bill: b, Checked: d.Preselected(b.ID)}
	if d.Profile.PolicyBeside {
		if ins, ok := findInsurance(d.Region, string(d.Person.Type), b.Insurance); ok {
			l.Rule, l.Region = &ins, d.Region
		}
	}
	return l
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
		GrantID:   r.PostFormValue("grant"),
		Confirmed: h.Identity.Confirmed(sessionOf(r)),
	})
	if isConfirmRequired(err) {
		h.confirmPage(w, r, p, csrf, "order", err, nil, false)
		return
	} else if err != nil {
		h.pageError(w, r, p, err)
		return
	}
	// Demo: the sandbox cashier stands in for WeChat's payment sheet and
	// sends the person back to the result page. Not for a QR code (the
	// result page shows it) nor inside WeChat (the page pays through the
	// JS bridge, as it would in production).
	inPlace := res.Pay != nil && (res.Pay.CodeURL != "" || (InWeChat(r) && res.Order.Channel == "wechatpay"))
	if res.Pay != nil && res.Pay.CashierURL != "" && !inPlace {
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
