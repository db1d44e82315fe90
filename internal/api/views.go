package api

import (
	"context"
	"time"

	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/policy"
	"github.com/shebao-project/shebao/internal/voucher"
)

// JSON views. Personal data leaves the server masked; times are RFC 3339 in
// Beijing time; amounts are integer fen with the suffix _fen.

type personView struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	IDNumber   string          `json:"id_number"`
	Phone      string          `json:"phone"`
	Region     string          `json:"region"`
	RegionName string          `json:"region_name"`
	PersonType string          `json:"person_type"`
	Profile    string          `json:"profile"`
	Enrolments []enrolmentView `json:"insurances"`
}

type enrolmentView struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Status string `json:"status"`
	Since  string `json:"since"`
}

func (h *handler) personJSON(ctx context.Context, p *identity.Person) (personView, error) {
	es, err := h.Identity.Enrolments(ctx, p.ID)
	if err != nil {
		return personView{}, err
	}
	v := personView{ID: p.ID, Name: p.NameMasked, IDNumber: p.IDMasked, Phone: p.PhoneMasked,
		Region: p.Region, PersonType: string(p.Type), Enrolments: []enrolmentView{}}
	if rv, err := h.Policy.RegionAt(p.Region, policy.MonthOf(h.Now().In(payment.Beijing()))); err == nil {
		v.RegionName, v.Profile = rv.Name, rv.Profile
	}
	for _, e := range es {
		v.Enrolments = append(v.Enrolments, enrolmentView{Code: e.Insurance, Name: insuranceName(e.Insurance), Status: e.Status, Since: e.Since})
	}
	return v, nil
}

func insuranceName(code string) string {
	if n, ok := policy.Insurance(code); ok {
		return n.Name
	}
	return code
}

type billView struct {
	ID                 string    `json:"id"`
	Insurance          string    `json:"insurance"`
	InsuranceName      string    `json:"insurance_name"`
	Period             string    `json:"period"`
	Kind               string    `json:"kind"`
	BaseFen            money.Fen `json:"base_fen"`
	Rate               string    `json:"rate"`
	AmountFen          money.Fen `json:"amount_fen"`
	PersonalAccountFen money.Fen `json:"personal_account_fen"`
	Policy             string    `json:"policy"`
	Status             string    `json:"status"`
	OrderID            string    `json:"order_id,omitempty"`
}

func billJSON(b billing.Bill) billView {
	return billView{ID: b.ID, Insurance: b.Insurance, InsuranceName: insuranceName(b.Insurance), Period: b.Period,
		Kind: string(b.Kind), BaseFen: b.BaseFen, Rate: b.Rate, AmountFen: b.AmountFen,
		PersonalAccountFen: b.PersonalAccountFen, Policy: b.Policy, Status: string(b.Status), OrderID: b.OrderID}
}

type orderView struct {
	ID            string             `json:"id"`
	State         payment.State      `json:"state"`
	AmountFen     money.Fen          `json:"amount_fen"`
	Channel       string             `json:"channel"`
	Description   string             `json:"description"`
	OutTradeNo    string             `json:"out_trade_no"`
	TransactionID string             `json:"transaction_id,omitempty"`
	BillIDs       []string           `json:"bill_ids"`
	CreatedAt     string             `json:"created_at"`
	ExpiresAt     string             `json:"expires_at"`
	PaidAt        string             `json:"paid_at,omitempty"`
	CreditedAt    string             `json:"credited_at,omitempty"`
	Pay           *payment.PayParams `json:"pay,omitempty"`
	Events        []eventView        `json:"events,omitempty"`
	// Supersedes is the unpaid order for the same bills this one replaced;
	// Attempts, on GET /orders/{id}, every attempt to pay these bills.
	Supersedes string        `json:"supersedes,omitempty"`
	Attempts   []attemptView `json:"attempts,omitempty"`
}

// attemptView is one payment attempt: an order with its own out_trade_no.
type attemptView struct {
	ID         string        `json:"id"`
	OutTradeNo string        `json:"out_trade_no"`
	State      payment.State `json:"state"`
	Channel    string        `json:"channel"`
	AmountFen  money.Fen     `json:"amount_fen"`
	CreatedAt  string        `json:"created_at"`
}

func attemptsJSON(os []payment.Order) []attemptView {
	out := make([]attemptView, 0, len(os))
	for _, o := range os {
		out = append(out, attemptView{ID: o.ID, OutTradeNo: o.OutTradeNo, State: o.State, Channel: o.Channel, AmountFen: o.AmountFen, CreatedAt: ts(o.CreatedAt)})
	}
	return out
}

type eventView struct {
	From   string `json:"from,omitempty"`
	To     string `json:"to"`
	Reason string `json:"reason"`
	At     string `json:"at"`
}

func orderJSON(o payment.Order, pay *payment.PayParams, events []payment.Event) orderView {
	v := orderView{ID: o.ID, State: o.State, AmountFen: o.AmountFen, Channel: o.Channel, Description: o.Description,
		OutTradeNo: o.OutTradeNo, TransactionID: o.TransactionID, BillIDs: o.BillIDs,
		CreatedAt: ts(o.CreatedAt), ExpiresAt: ts(o.ExpiresAt), PaidAt: ts(o.PaidAt), CreditedAt: ts(o.CreditedAt), Pay: pay,
		Supersedes: o.Supersedes}
	for _, e := range events {
		v.Events = append(v.Events, eventView{From: string(e.From), To: string(e.To), Reason: e.Reason, At: ts(e.At)})
	}
	return v
}

func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(payment.Beijing()).Format(time.RFC3339)
}

type voucherView struct {
	ID          string            `json:"id"`
	Kind        voucher.Kind      `json:"kind"`
	Title       string            `json:"title"`
	TitleEn     string            `json:"title_en"`
	Code        string            `json:"code"`
	VerifyCode  string            `json:"verify_code"`
	OrderID     string            `json:"order_id"`
	IssuedAt    string            `json:"issued_at"`
	RetainUntil string            `json:"retain_until,omitempty"`
	VerifyURL   string            `json:"verify_url"`
	QRPayload   string            `json:"qr_payload"`
	KeyID       string            `json:"key_id"`
	Links       voucherLinks      `json:"links"`
	Document    *voucher.Document `json:"document,omitempty"`
}

type voucherLinks struct {
	HTML  string `json:"html"`
	PDF   string `json:"pdf"`
	Proof string `json:"proof"`
}

func (h *handler) voucherJSON(v voucher.Voucher) voucherView {
	out := voucherView{ID: v.ID, Kind: v.Kind, Title: v.Kind.Title(), TitleEn: v.Kind.TitleEn(), Code: v.Code, VerifyCode: v.Code,
		Links: voucherLinks{HTML: h.PublicURL + "/vouchers/" + v.ID, PDF: h.PublicURL + "/api/v1/vouchers/" + v.ID + "/pdf",
			Proof: h.PublicURL + "/api/v1/vouchers/" + v.ID + "/proof"},
		OrderID: v.OrderID, IssuedAt: ts(v.IssuedAt), VerifyURL: h.PublicURL + "/verify/" + v.Code,
		QRPayload: voucher.QRPayload(h.PublicURL, &v), KeyID: v.KeyID}
	if v.RetainUntil != nil {
		out.RetainUntil = ts(*v.RetainUntil)
	}
	if d, err := voucher.Decode(v.Payload); err == nil {
		out.Document = d
	}
	return out
}
