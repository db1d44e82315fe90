// Package voucher issues the three vouchers every credited payment yields —
// the fiscal e-receipt (财政电子票据), the acceptance receipt (受理回执) and the
// transaction statement (交易明细) — and signs them with SM2 so that anyone
// holding one can check it without asking us.
//
// The package does no storage and no network I/O: the caller allocates ids and
// bill numbers, supplies the clock and the random source, and keeps the key.
// A voucher is a canonical payload (see Document) plus a signature over it;
// everything a page or a PDF shows is decoded from the signed bytes, so what
// is displayed is what was signed.
package voucher

import (
	"fmt"
	"time"
)

// Kind names a voucher type. The values are stored and appear in signed
// payloads, so they never change.
type Kind string

// The three vouchers of product brief §Vouchers (seed §4).
const (
	FiscalReceipt        Kind = "fiscal_receipt"        // 财政电子票据: same effect as paper, kept long-term
	AcceptanceReceipt    Kind = "acceptance_receipt"    // 受理回执: proof of the business transaction, kept 2 years
	TransactionStatement Kind = "transaction_statement" // 交易明细: proof of payment, kept 18 months
)

// Kinds lists every kind in the order a payment issues them.
func Kinds() []Kind { return []Kind{FiscalReceipt, AcceptanceReceipt, TransactionStatement} }

// Valid reports whether k is one of the three kinds.
func (k Kind) Valid() bool {
	switch k {
	case FiscalReceipt, AcceptanceReceipt, TransactionStatement:
		return true
	}
	return false
}

// Retention is how long a voucher of kind k is kept. (0, 0) means long-term:
// a fiscal e-receipt has the legal effect of a paper one and is an accounting
// record, so it is never purged.
func (k Kind) Retention() (years, months int) {
	switch k {
	case AcceptanceReceipt:
		return 2, 0
	case TransactionStatement:
		return 0, 18
	}
	return 0, 0
}

// RetainUntil is the instant after which a voucher issued at issued may be
// purged, counted in calendar terms in China Standard Time; ok is false for
// long-term kinds. Calendar overflow rolls forward (issued 31 August + 18
// months is 2 March, not 28 February), so a voucher is never kept less than
// its period.
func (k Kind) RetainUntil(issued time.Time) (until time.Time, ok bool) {
	years, months := k.Retention()
	if years == 0 && months == 0 {
		return time.Time{}, false
	}
	return inCST(issued).AddDate(years, months, 0), true
}

// Title is the kind's name as printed on the voucher.
func (k Kind) Title() string {
	switch k {
	case FiscalReceipt:
		return "财政电子票据"
	case AcceptanceReceipt:
		return "受理回执"
	case TransactionStatement:
		return "交易明细"
	}
	return string(k)
}

// TitleEn is the English name for bilingual pages.
func (k Kind) TitleEn() string {
	switch k {
	case FiscalReceipt:
		return "Fiscal e-receipt"
	case AcceptanceReceipt:
		return "Acceptance receipt"
	case TransactionStatement:
		return "Transaction statement"
	}
	return string(k)
}

// cst is China Standard Time. A fixed UTC+8 zone rather than
// time.LoadLocation("Asia/Shanghai"): China has kept UTC+8 without daylight
// saving since 1991, and a fixed zone needs no tzdata on the host, so the
// signed bytes cannot depend on the machine that produced them.
var cst = time.FixedZone("CST", 8*60*60)

// inCST is t in China Standard Time, truncated to whole seconds as every
// signed time is.
func inCST(t time.Time) time.Time { return t.In(cst).Truncate(time.Second) }

// formatTime is the one textual form of a time in a payload: RFC 3339 with
// seconds and the +08:00 offset, "2026-11-15T10:04:05+08:00".
func formatTime(t time.Time) string { return inCST(t).Format(time.RFC3339) }

// parseTime reads a payload time and insists it is in the canonical form, so
// that one instant has exactly one spelling in signed bytes.
func parseTime(field, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: %w", field, err)
	}
	if formatTime(t) != s {
		return time.Time{}, fmt.Errorf("%s: %q is not RFC 3339 at +08:00 with whole seconds", field, s)
	}
	return t.In(cst), nil
}
