package voucher

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/shebao-project/shebao/internal/money"
)

// PayloadVersion is the "v" of the canonical encoding below. It changes when
// any rule of the encoding or any field changes, so old vouchers stay
// verifiable and decodable under the rules they were signed with.
const PayloadVersion = 1

// Document is the signed content of a voucher: Build fills it from Facts,
// Encode writes it as the canonical payload, Decode reads a payload back for
// pages, PDFs and the verifier. Amounts appear as integer fen together with
// their yuan and capital spellings, so a reader never recomputes them and a
// changed figure anywhere breaks the signature.
//
// Canonical encoding, version 1. The payload is the JSON text (RFC 8259,
// UTF-8) that encoding/json writes for a Document, which pins down every byte:
//
//   - Every object is a Go struct, never a map, so keys appear once each in
//     the declaration order of the fields below. Exactly one of the three kind
//     sections is present, under the kind's name; the others are omitted.
//     "retain_until" is null for long-term vouchers.
//   - No whitespace between tokens and no trailing newline.
//   - Strings use encoding/json escaping with HTML escaping off
//     (json.Encoder.SetEscapeHTML(false)): '"', '\\' and control characters are
//     escaped (\n, \r, \t, otherwise \u00XX), as are U+2028 and U+2029; all other
//     text, including '<', '>', '&' and Chinese, is raw UTF-8. Invalid UTF-8 is
//     refused before encoding, never replaced.
//   - Numbers are JSON integers only: money in fen ("…_fen", "fen") and counts.
//     There are no floating-point numbers; rates are decimal strings ("0.20").
//   - Instants are RFC 3339 strings with whole seconds at +08:00
//     ("2026-11-15T10:04:05+08:00"); the fiscal issue date is "2026-11-15".
//
// Decode accepts only bytes that re-encode to themselves, so a Document has
// exactly one payload and a payload exactly one Document.
type Document struct {
	V           int                 `json:"v"`
	Kind        Kind                `json:"kind"`
	Code        string              `json:"code"` // public verification code
	OrderID     string              `json:"order_id"`
	Region      string              `json:"region"`
	IssuedAt    string              `json:"issued_at"`
	RetainUntil *string             `json:"retain_until"`
	Fiscal      *FiscalSection      `json:"fiscal_receipt,omitempty"`
	Acceptance  *AcceptanceSection  `json:"acceptance_receipt,omitempty"`
	Transaction *TransactionSection `json:"transaction_statement,omitempty"`
}

// FiscalSection is what a fiscal e-receipt (财政电子票据) states, in the
// order the Ministry of Finance's receipt face lays it out.
type FiscalSection struct {
	BillCode   string `json:"bill_code"`   // 票据代码, 8 digits
	BillNumber string `json:"bill_number"` // 票据号码, 10 digits
	CheckCode  string `json:"check_code"`  // 校验码, see CheckCode
	IssueDate  string `json:"issue_date"`  // 开票日期, YYYY-MM-DD in China Standard Time
	Payer      string `json:"payer"`       // 交款人
	Insured    Person `json:"insured"`     // the person the contribution is for
	Payee      Unit   `json:"payee"`       // 收款单位
	Items      []Item `json:"items"`
	Total      Amount `json:"total"`    // 金额合计 (小写 and 大写)
	Reviewer   string `json:"reviewer"` // 复核人
	Issuer     string `json:"issuer"`   // 收款人
}

// AcceptanceSection is what an acceptance receipt (受理回执) states: that the
// agency's core system accepted the contribution, under which number.
type AcceptanceSection struct {
	AcceptanceNo string `json:"acceptance_no"` // 受理编号, the core system's reference
	BusinessType string `json:"business_type"` // 业务类型
	AcceptedAt   string `json:"accepted_at"`   // 受理时间
	Agency       string `json:"agency"`        // 经办机构
	Payer        string `json:"payer"`
	Insured      Person `json:"insured"`
	Items        []Item `json:"items"`
	Total        Amount `json:"total"`
}

// TransactionSection is what a transaction statement (交易明细) states: the
// payment as the provider recorded it, for reconciliation.
type TransactionSection struct {
	Channel       string `json:"channel"`
	ChannelName   string `json:"channel_name"`
	OutTradeNo    string `json:"out_trade_no"`
	TransactionID string `json:"transaction_id"`
	PaidAt        string `json:"paid_at"`
	Payer         string `json:"payer"`
	Payee         string `json:"payee"`
	Amount        Amount `json:"amount"`
}

// Person is an insured person as printed: masked name and masked ID number.
type Person struct {
	Name     string `json:"name"`
	IDMasked string `json:"id_masked"`
}

// Unit is a collecting unit and its unified social credit code.
type Unit struct {
	Name       string `json:"name"`
	CreditCode string `json:"credit_code"`
}

// Amount is one sum written three ways; Decode checks they agree.
type Amount struct {
	Fen     money.Fen `json:"fen"`
	Yuan    string    `json:"yuan"`    // "1454.00"
	Capital string    `json:"capital"` // "壹仟肆佰伍拾肆元整"
}

// Item is one line of a receipt. Quantity is always 1 and Standard equals
// Amount: a contribution is one unit at its computed price, and the fiscal
// receipt face has both columns.
type Item struct {
	Code        string    `json:"code"` // aae140 insurance code
	Name        string    `json:"name"`
	Period      string    `json:"period"` // "2026-11" or "2027"
	BaseFen     money.Fen `json:"base_fen"`
	Rate        string    `json:"rate"`
	Quantity    int       `json:"quantity"`
	StandardFen money.Fen `json:"standard_fen"`
	AmountFen   money.Fen `json:"amount_fen"`
}

// Encode writes d in the canonical encoding. It does not validate d; Build
// only produces valid Documents and Decode only accepts them.
func (d *Document) Encode() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		return nil, fmt.Errorf("voucher: encode payload: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// newAmount spells f as figures and capitals.
func newAmount(f money.Fen) (Amount, error) {
	c, err := f.Capital()
	if err != nil {
		return Amount{}, err
	}
	return Amount{Fen: f, Yuan: f.Yuan(), Capital: c}, nil
}

func newItems(lines []Line) []Item {
	items := make([]Item, len(lines))
	for i, l := range lines {
		items[i] = Item{Code: l.Insurance, Name: l.Name, Period: l.Period, BaseFen: l.BaseFen,
			Rate: l.Rate, Quantity: 1, StandardFen: l.AmountFen, AmountFen: l.AmountFen}
	}
	return items
}
