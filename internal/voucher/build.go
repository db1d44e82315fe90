package voucher

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/shebao-project/shebao/internal/money"
)

// Voucher is an issued voucher as stored: the envelope fields are copies of
// what Payload says, kept for indexing; only Payload and Signature count when
// verifying.
type Voucher struct {
	ID          string // caller-assigned storage id; not signed
	Kind        Kind
	Code        string // public verification code, see NewCode
	OrderID     string
	IssuedAt    time.Time  // in China Standard Time, whole seconds
	RetainUntil *time.Time // nil for long-term kinds
	Payload     []byte     // canonical encoding of a Document; what is signed
	Signature   []byte     // SM2 with SM3 and the default user ID, ASN.1 DER; see Signer
	KeyID       string     // the signing key, see KeyID
}

// Build issues a voucher of kind k for a credited order at now: it checks the
// facts the kind prints and writes them as the canonical payload. It does not
// sign; the Signer does, so that building stays free of keys. Numbers are
// used by fiscal receipts only.
func Build(k Kind, f Facts, n Numbers, id, code string, now time.Time) (*Voucher, error) {
	if !k.Valid() {
		return nil, fmt.Errorf("voucher: unknown kind %q", k)
	}
	var errs []error
	if strings.TrimSpace(id) == "" {
		errs = append(errs, errors.New("id is empty"))
	}
	errs = append(errs, checkCode(code), needTime("now", now), f.check(k, n))
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("voucher: build %s for order %q: %w", k, f.OrderID, err)
	}
	issued := inCST(now)
	d := &Document{V: PayloadVersion, Kind: k, Code: code, OrderID: f.OrderID, Region: f.Region,
		IssuedAt: formatTime(issued)}
	v := &Voucher{ID: id, Kind: k, Code: code, OrderID: f.OrderID, IssuedAt: issued}
	if until, ok := k.RetainUntil(issued); ok {
		s := formatTime(until)
		d.RetainUntil, v.RetainUntil = &s, &until
	}
	if err := fillSection(d, k, &f, n, issued); err != nil {
		return nil, fmt.Errorf("voucher: build %s for order %q: %w", k, f.OrderID, err)
	}
	payload, err := d.Encode()
	if err != nil {
		return nil, err
	}
	// Decoding what was just built keeps Build and Decode honest with each
	// other: a voucher that could not be verified later is never issued.
	if _, err := Decode(payload); err != nil {
		return nil, fmt.Errorf("voucher: built payload does not decode: %w", err)
	}
	v.Payload = payload
	return v, nil
}

func fillSection(d *Document, k Kind, f *Facts, n Numbers, issued time.Time) error {
	total, err := newAmount(f.Total)
	if err != nil {
		return err
	}
	switch k {
	case FiscalReceipt:
		d.Fiscal = &FiscalSection{
			BillCode: n.BillCode, BillNumber: n.BillNumber,
			CheckCode: CheckCode(n.BillCode, n.BillNumber, f.Total),
			IssueDate: issued.Format(time.DateOnly),
			Payer:     f.PayerName,
			Insured:   Person{Name: f.InsuredName, IDMasked: f.InsuredIDMasked},
			Payee:     Unit{Name: f.AgencyName, CreditCode: f.AgencyCreditCode},
			Items:     newItems(f.Lines), Total: total,
			Reviewer: orDefault(f.Reviewer, systemAuto), Issuer: orDefault(f.Issuer, systemAuto),
		}
	case AcceptanceReceipt:
		d.Acceptance = &AcceptanceSection{
			AcceptanceNo: f.CorePostingRef,
			BusinessType: orDefault(f.BusinessType, businessType(f.Lines)),
			AcceptedAt:   formatTime(f.PostedAt),
			Agency:       f.AgencyName, Payer: f.PayerName,
			Insured: Person{Name: f.InsuredName, IDMasked: f.InsuredIDMasked},
			Items:   newItems(f.Lines), Total: total,
		}
	case TransactionStatement:
		d.Transaction = &TransactionSection{
			Channel: f.Channel, ChannelName: f.ChannelName,
			OutTradeNo: f.OutTradeNo, TransactionID: f.TransactionID,
			PaidAt: formatTime(f.PaidAt), Payer: f.PayerName, Payee: f.AgencyName, Amount: total,
		}
	}
	return nil
}

// CheckCode is the fiscal receipt's 6-character check code (校验码): the first
// six lowercase hex digits of SM3(billCode "|" billNumber "|" total in fen as
// a decimal integer). Anyone holding the receipt can recompute it, so it
// catches a mistyped code, number or amount when a receipt is looked up by
// hand; it is not a secret, and the signature is what proves authenticity.
func CheckCode(billCode, billNumber string, total money.Fen) string {
	sum := sm3.Sum([]byte(billCode + "|" + billNumber + "|" + strconv.FormatInt(int64(total), 10)))
	return hex.EncodeToString(sum[:3])
}

// businessType derives the acceptance receipt's 业务类型 from the insurance
// codes (aae140): resident pension (170) and resident medical (390) are the
// resident scheme, every other code is paid as a flexible worker.
func businessType(lines []Line) string {
	for _, l := range lines {
		if l.Insurance != "170" && l.Insurance != "390" {
			return "灵活就业人员社保缴费"
		}
	}
	return "城乡居民社保缴费"
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

// codeAlphabet has 32 symbols: digits and capitals without 0/O and 1/I, which
// people confuse when typing a code from paper. 32 divides 256, so mapping a
// random byte onto it has no modulo bias.
const codeAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// CodeLength is the length of codes NewCode makes: 20 symbols of 5 bits, 100
// bits, beyond guessing even for an attacker who can try billions of codes.
const CodeLength = 20

// minCodeLength is the shortest code Build accepts (80 bits).
const minCodeLength = 16

// NewCode makes a public verification code from random, which should be
// crypto/rand.Reader outside tests. Codes are unguessable, since the code
// alone opens the verify page; URL-safe, since they end the verify URL; and in
// one case, so a code typed from paper can simply be upper-cased.
func NewCode(random io.Reader) (string, error) {
	b := make([]byte, CodeLength)
	if _, err := io.ReadFull(random, b); err != nil {
		return "", fmt.Errorf("voucher: read random for code: %w", err)
	}
	for i := range b {
		b[i] = codeAlphabet[b[i]&31]
	}
	return string(b), nil
}

func checkCode(code string) error {
	if len(code) < minCodeLength || len(code) > 2*CodeLength || strings.Trim(code, codeAlphabet) != "" {
		return fmt.Errorf("code %q is not %d-%d characters of %s", code, minCodeLength, 2*CodeLength, codeAlphabet)
	}
	return nil
}
