package voucher

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shebao-project/shebao/internal/money"
)

// ErrMalformed reports a payload that is not a canonical voucher document.
var ErrMalformed = errors.New("voucher: malformed payload")

// Decode reads a payload back into its Document for display and
// verification. It accepts exactly what Build produces: bytes in the
// canonical encoding (they must re-encode to themselves, which rules out
// unknown or duplicate keys, whitespace and other spellings), of a known
// version and kind, whose figures agree with each other — item amounts add up
// to the total, yuan and capitals spell the fen, the check code and the
// retention date follow from the rest. Errors wrap ErrMalformed.
//
// Decode does not verify the signature; a decoded document is only as
// trustworthy as the Verify result that goes with it.
func Decode(payload []byte) (*Document, error) {
	var d Document
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	again, err := d.Encode()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if !bytes.Equal(again, payload) {
		return nil, fmt.Errorf("%w: not in canonical encoding", ErrMalformed)
	}
	if err := d.check(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return &d, nil
}

// Issued is the issue time; valid on a decoded Document.
func (d *Document) Issued() time.Time {
	t, _ := parseTime("issued_at", d.IssuedAt)
	return t
}

// Retained is the retain-until time, ok false for long-term vouchers; valid on
// a decoded Document.
func (d *Document) Retained() (until time.Time, ok bool) {
	if d.RetainUntil == nil {
		return time.Time{}, false
	}
	t, _ := parseTime("retain_until", *d.RetainUntil)
	return t, true
}

// Total is the amount the voucher states, whatever its kind.
func (d *Document) Total() Amount {
	switch {
	case d.Fiscal != nil:
		return d.Fiscal.Total
	case d.Acceptance != nil:
		return d.Acceptance.Total
	case d.Transaction != nil:
		return d.Transaction.Amount
	}
	return Amount{}
}

func (d *Document) check() error {
	if d.V != PayloadVersion {
		return fmt.Errorf("version %d, want %d", d.V, PayloadVersion)
	}
	if !d.Kind.Valid() {
		return fmt.Errorf("unknown kind %q", d.Kind)
	}
	if err := checkCode(d.Code); err != nil {
		return err
	}
	if strings.TrimSpace(d.OrderID) == "" || !isDigits(d.Region, 6) {
		return errors.New("order id or region missing")
	}
	issued, err := parseTime("issued_at", d.IssuedAt)
	if err != nil {
		return err
	}
	want, long := d.Kind.RetainUntil(issued)
	switch {
	case !long && d.RetainUntil != nil:
		return errors.New("retain_until set on a long-term voucher")
	case long && (d.RetainUntil == nil || *d.RetainUntil != formatTime(want)):
		return fmt.Errorf("retain_until is not %s after issue", d.Kind)
	}
	return d.checkSection(issued)
}

func (d *Document) checkSection(issued time.Time) error {
	present := []bool{d.Fiscal != nil, d.Acceptance != nil, d.Transaction != nil}
	for i, k := range Kinds() {
		if present[i] != (k == d.Kind) {
			return fmt.Errorf("section %s present=%t on a %s", k, present[i], d.Kind)
		}
	}
	switch d.Kind {
	case FiscalReceipt:
		return d.Fiscal.check(issued)
	case AcceptanceReceipt:
		a := d.Acceptance
		if _, err := parseTime("accepted_at", a.AcceptedAt); err != nil {
			return err
		}
		if a.AcceptanceNo == "" || a.BusinessType == "" || a.Agency == "" || a.Payer == "" {
			return errors.New("acceptance receipt lacks a field")
		}
		return errors.Join(a.Insured.check(), checkItems(a.Items, a.Total))
	default:
		t := d.Transaction
		if _, err := parseTime("paid_at", t.PaidAt); err != nil {
			return err
		}
		if t.Channel == "" || t.OutTradeNo == "" || t.TransactionID == "" || t.Payer == "" || t.Payee == "" {
			return errors.New("transaction statement lacks a field")
		}
		return t.Amount.check()
	}
}

func (s *FiscalSection) check(issued time.Time) error {
	if err := (Numbers{BillCode: s.BillCode, BillNumber: s.BillNumber}).check(); err != nil {
		return err
	}
	if s.CheckCode != CheckCode(s.BillCode, s.BillNumber, s.Total.Fen) {
		return errors.New("check code does not match bill code, number and total")
	}
	if s.IssueDate != issued.Format(time.DateOnly) {
		return errors.New("issue date is not the issue time's date")
	}
	if s.Payer == "" || s.Payee.Name == "" || s.Reviewer == "" || s.Issuer == "" {
		return errors.New("fiscal receipt lacks a field")
	}
	return errors.Join(checkCreditCode(s.Payee.CreditCode), s.Insured.check(), checkItems(s.Items, s.Total))
}

func (p Person) check() error {
	if p.Name == "" || !strings.Contains(p.IDMasked, "*") {
		return errors.New("insured person lacks a name or a masked id")
	}
	return nil
}

func (a Amount) check() error {
	c, err := a.Fen.Capital()
	if err != nil || a.Fen <= 0 {
		return fmt.Errorf("amount %d fen is not positive", a.Fen)
	}
	if a.Yuan != a.Fen.Yuan() || a.Capital != c {
		return fmt.Errorf("amount %d fen is spelled %q / %q", a.Fen, a.Yuan, a.Capital)
	}
	return nil
}

func checkItems(items []Item, total Amount) error {
	if len(items) == 0 {
		return errors.New("no items")
	}
	amounts := make([]money.Fen, len(items))
	for i, it := range items {
		l := Line{Insurance: it.Code, Name: it.Name, Period: it.Period, BaseFen: it.BaseFen, Rate: it.Rate, AmountFen: it.AmountFen}
		if err := l.check(); err != nil {
			return fmt.Errorf("item %d: %w", i+1, err)
		}
		if it.Quantity != 1 || it.StandardFen != it.AmountFen {
			return fmt.Errorf("item %d: quantity must be 1 and standard equal amount", i+1)
		}
		amounts[i] = it.AmountFen
	}
	sum, err := money.Sum(amounts...)
	if err != nil {
		return err
	}
	if sum != total.Fen {
		return fmt.Errorf("items add up to %s, total is %s", sum.Yuan(), total.Fen.Yuan())
	}
	return total.check()
}
