package voucher

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shebao-project/shebao/internal/money"
)

// Facts is everything about a credited order that its vouchers state. The
// payment and posting code fills it once; each kind takes the fields it prints.
type Facts struct {
	OrderID       string
	OutTradeNo    string // our order number at the payment provider
	TransactionID string // the provider's transaction id
	Channel       string // "wechatpay"
	ChannelName   string // "微信支付"
	PaidAt        time.Time
	PostedAt      time.Time // when the agency core system accepted the contribution

	PayerName       string // masked as shown, e.g. "张*"; differs from the insured for a proxy payment (亲属代缴)
	InsuredName     string // masked as shown
	InsuredIDMasked string // e.g. "110***********1234"; never the full number, so it must contain '*'

	Region           string // GB/T 2260 region code, "110000"
	AgencyName       string // collecting unit, e.g. "北京市社会保险基金管理中心（沙箱）"
	AgencyCreditCode string // unified social credit code, GB 32100-2015 (18 characters)

	Lines          []Line // one per bill
	Total          money.Fen
	CorePostingRef string // the core system's acceptance number (受理编号)

	// BusinessType is the acceptance receipt's 业务类型. Empty means derived
	// from the insurance codes: resident codes (170, 390) only give
	// "城乡居民社保缴费", anything else "灵活就业人员社保缴费".
	BusinessType string
	// Reviewer (复核人) and Issuer (收款人/开票人) are printed on the fiscal
	// receipt; agencies configure them, and empty means "系统自动".
	Reviewer, Issuer string
}

// Line is one bill of the order.
type Line struct {
	Insurance string    // aae140 code, e.g. "110"
	Name      string    // 企业职工基本养老保险
	Period    string    // "2026-11" (a month) or "2027" (a year, for resident insurance)
	BaseFen   money.Fen // contribution base; 0 for fixed-amount resident premiums
	Rate      string    // e.g. "0.20"; empty with BaseFen 0
	AmountFen money.Fen
}

// Numbers are the fiscal e-receipt's bill code (票据代码, 8 digits) and bill
// number (票据号码, 10 digits). The caller allocates them from a sequence in
// the database; the check code (校验码) is derived from them by Build.
type Numbers struct {
	BillCode   string
	BillNumber string
}

// systemAuto is printed where no person reviewed or issued a receipt.
const systemAuto = "系统自动"

// check validates the facts kind k prints. It refuses rather than repairs:
// a voucher with a wrong or missing fact must not be signed.
func (f *Facts) check(k Kind, n Numbers) error {
	var errs []error
	need := func(name, v string) {
		if strings.TrimSpace(v) == "" {
			errs = append(errs, fmt.Errorf("%s is empty", name))
		}
	}
	need("order id", f.OrderID)
	if !isDigits(f.Region, 6) {
		errs = append(errs, fmt.Errorf("region %q is not a 6-digit GB/T 2260 code", f.Region))
	}
	if f.Total <= 0 {
		errs = append(errs, fmt.Errorf("total %d fen is not positive", f.Total))
	}
	switch k {
	case FiscalReceipt:
		errs = append(errs, n.check())
		errs = append(errs, checkCreditCode(f.AgencyCreditCode))
		need("agency name", f.AgencyName)
		need("payer name", f.PayerName)
		errs = append(errs, f.checkInsured(), f.checkLines())
	case AcceptanceReceipt:
		need("core posting ref", f.CorePostingRef)
		need("agency name", f.AgencyName)
		need("payer name", f.PayerName)
		errs = append(errs, f.checkInsured(), f.checkLines())
		errs = append(errs, needTime("posted at", f.PostedAt))
	case TransactionStatement:
		need("channel", f.Channel)
		need("channel name", f.ChannelName)
		need("out trade no", f.OutTradeNo)
		need("transaction id", f.TransactionID)
		need("payer name", f.PayerName)
		need("agency name", f.AgencyName)
		errs = append(errs, needTime("paid at", f.PaidAt))
	default:
		errs = append(errs, fmt.Errorf("unknown kind %q", k))
	}
	errs = append(errs, f.checkUTF8())
	return errors.Join(errs...)
}

func (f *Facts) checkInsured() error {
	if strings.TrimSpace(f.InsuredName) == "" {
		return errors.New("insured name is empty")
	}
	if !strings.Contains(f.InsuredIDMasked, "*") {
		return errors.New("insured id is not masked")
	}
	return nil
}

func (f *Facts) checkLines() error {
	if len(f.Lines) == 0 {
		return errors.New("no lines")
	}
	amounts := make([]money.Fen, 0, len(f.Lines))
	for i, l := range f.Lines {
		if err := l.check(); err != nil {
			return fmt.Errorf("line %d: %w", i+1, err)
		}
		amounts = append(amounts, l.AmountFen)
	}
	sum, err := money.Sum(amounts...)
	if err != nil {
		return err
	}
	if sum != f.Total {
		return fmt.Errorf("lines add up to %s, total is %s", sum.Yuan(), f.Total.Yuan())
	}
	return nil
}

// checkUTF8 refuses invalid UTF-8 because encoding/json would silently
// replace it with U+FFFD, signing something other than what was given.
func (f *Facts) checkUTF8() error {
	all := []string{f.OrderID, f.OutTradeNo, f.TransactionID, f.Channel, f.ChannelName,
		f.PayerName, f.InsuredName, f.InsuredIDMasked, f.AgencyName, f.CorePostingRef,
		f.BusinessType, f.Reviewer, f.Issuer}
	for _, l := range f.Lines {
		all = append(all, l.Insurance, l.Name, l.Period, l.Rate)
	}
	for _, s := range all {
		if !utf8.ValidString(s) {
			return fmt.Errorf("%q is not valid UTF-8", s)
		}
	}
	return nil
}

func (l Line) check() error {
	switch {
	case !isDigits(l.Insurance, 3):
		return fmt.Errorf("insurance %q is not a 3-digit aae140 code", l.Insurance)
	case strings.TrimSpace(l.Name) == "":
		return errors.New("name is empty")
	case !validPeriod(l.Period):
		return fmt.Errorf("period %q is neither YYYY-MM nor YYYY", l.Period)
	case l.AmountFen <= 0:
		return fmt.Errorf("amount %d fen is not positive", l.AmountFen)
	case l.BaseFen < 0:
		return fmt.Errorf("base %d fen is negative", l.BaseFen)
	case (l.Rate == "") != (l.BaseFen == 0):
		return errors.New("base and rate must be given together")
	}
	if l.Rate != "" {
		if _, err := money.ParseRate(l.Rate); err != nil {
			return err
		}
	}
	return nil
}

func (n Numbers) check() error {
	if !isDigits(n.BillCode, 8) {
		return fmt.Errorf("bill code %q is not 8 digits", n.BillCode)
	}
	if !isDigits(n.BillNumber, 10) {
		return fmt.Errorf("bill number %q is not 10 digits", n.BillNumber)
	}
	return nil
}

// checkCreditCode checks the length and alphabet of a unified social credit
// code (GB 32100-2015 §4: digits and capitals without I, O, S, V, Z). The
// check character is not verified: sandbox agencies use made-up codes.
func checkCreditCode(s string) error {
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	if len(s) != 18 || strings.Trim(s, alphabet) != "" {
		return fmt.Errorf("credit code %q is not 18 characters of GB 32100", s)
	}
	return nil
}

func needTime(name string, t time.Time) error {
	if t.IsZero() {
		return fmt.Errorf("%s is not set", name)
	}
	return nil
}

func validPeriod(p string) bool {
	switch len(p) {
	case 4:
		return isDigits(p, 4)
	case 7:
		return isDigits(p[:4], 4) && p[4] == '-' && isDigits(p[5:], 2) && p[5:] >= "01" && p[5:] <= "12"
	}
	return false
}

func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
