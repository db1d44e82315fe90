package policy

import (
	"time"

	"github.com/shebao-project/shebao/internal/money"
)

// QuoteRequest asks what contributions cost. Its JSON names are an external
// contract. Periods are months ("2025-07") for monthly contributions and
// coverage years ("2027") for yearly premiums and yearly grades.
type QuoteRequest struct {
	Region     string      `json:"region"`
	PersonType string      `json:"person_type"`
	Items      []QuoteItem `json:"items"`
	Periods    Periods     `json:"periods"`
	Cycle      string      `json:"cycle,omitempty"` // monthly (default) | quarterly | annual
	AsOf       string      `json:"as_of,omitempty"` // "2026-11-26"; default: the engine's clock
}

// QuoteItem is one insurance type with the base chosen for it. Exactly one
// of BaseFen, BaseRatio and Base is given for a range family; BaseFen for an
// agency-supplied base; GradeFen for grades; nothing for a flat premium.
type QuoteItem struct {
	Insurance string     `json:"insurance"`
	BaseFen   *money.Fen `json:"base_fen,omitempty"`
	BaseRatio string     `json:"base_ratio,omitempty"` // × the month's average wage, half-up to the yuan
	Base      string     `json:"base,omitempty"`       // "floor" | "ceiling"
	GradeFen  *money.Fen `json:"grade_fen,omitempty"`
}

// Periods is an inclusive range of months or coverage years.
type Periods struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Quote is the one calculation billing, pages and payments all rely on.
type Quote struct {
	Region     string    `json:"region"`
	PersonType string    `json:"person_type"`
	Cycle      string    `json:"cycle"`
	AsOf       string    `json:"as_of"`
	Lines      []Line    `json:"lines"`
	TotalFen   money.Fen `json:"total_fen"`
	Notes      []Note    `json:"notes"`
}

// Line is one insurance type for one month (or coverage year), computed
// with the figures of the window in force that month, cited as Policy.
// A late fee, where a pack declares one, is its own line with Kind "late_fee".
type Line struct {
	Insurance          string    `json:"insurance"`
	Kind               string    `json:"kind,omitempty"`
	Period             string    `json:"period"`
	Policy             string    `json:"policy"`
	BaseFen            money.Fen `json:"base_fen,omitempty"`
	Rate               string    `json:"rate,omitempty"`
	AmountFen          money.Fen `json:"amount_fen"`
	PersonalAccountFen money.Fen `json:"personal_account_fen"`
	Days               int       `json:"days,omitempty"`
}

const (
	maxItems       = 10
	maxMonthsQuote = 60
	maxYearsQuote  = 10
)

// chinaTime is UTC+8, fixed; China has no daylight saving time.
var chinaTime = time.FixedZone("CST", 8*3600)

// Quote prices req. Every refusal is a *Error; nothing is clamped.
func (e *Engine) Quote(req QuoteRequest) (*Quote, error) {
	q, err := e.quote(&req)
	if err != nil {
		return nil, err
	}
	return q, nil
}

func (e *Engine) quote(req *QuoteRequest) (*Quote, *Error) {
	c, err := e.newQuoteCtx(req)
	if err != nil {
		return nil, err
	}
	if err := c.run(); err != nil {
		return nil, err
	}
	amounts := make([]money.Fen, len(c.lines))
	for i, l := range c.lines {
		amounts[i] = l.AmountFen
	}
	total, sumErr := money.Sum(amounts...)
	if sumErr != nil {
		return nil, overflow("items")
	}
	return &Quote{Region: req.Region, PersonType: req.PersonType, Cycle: c.cycle,
		AsOf: c.asOf.Format("2006-01-02"), Lines: c.lines, TotalFen: total, Notes: c.notes.list()}, nil
}

func overflow(field string) *Error {
	return errorf(CodeAmountOverflow, field, "金额超出可处理范围", "amount is out of range", nil)
}

// quoteCtx carries one quote's parsed request and results.
type quoteCtx struct {
	e          *Engine
	r          *region
	req        *QuoteRequest
	asOf       time.Time
	asOfMonth  Month
	cycle      string
	months     []Month
	years      []int
	hasPension bool
	notes      noteSet
	lines      []Line
}

func (e *Engine) newQuoteCtx(req *QuoteRequest) (*quoteCtx, *Error) {
	r, err := e.packs().region(req.Region, "region")
	if err != nil {
		return nil, err
	}
	c := &quoteCtx{e: e, r: r, req: req}
	if !knownPersons[req.PersonType] {
		return nil, errorf(CodeInvalidRequest, "person_type", "参保人员类别无效", "person_type must be flexible or resident",
			[]string{PersonFlexible, PersonResident})
	}
	if err := c.checkItems(); err != nil {
		return nil, err
	}
	if err := c.parseAsOf(); err != nil {
		return nil, err
	}
	if err := c.parsePeriods(); err != nil {
		return nil, err
	}
	return c, c.resolveCycle()
}

func (c *quoteCtx) checkItems() *Error {
	n := len(c.req.Items)
	if n == 0 || n > maxItems {
		return invalid("items", "请选择 1 至 10 个险种", "give between 1 and 10 items")
	}
	seen := map[string]bool{}
	for i, it := range c.req.Items {
		f := indexed("items", i) + ".insurance"
		if _, ok := insuranceNames[it.Insurance]; !ok {
			return errorf(CodeInsuranceUnknown, f, "未知险种代码："+it.Insurance, "unknown insurance code "+it.Insurance, sortedCodes())
		}
		if seen[it.Insurance] {
			return invalid(f, "同一险种重复填写："+it.Insurance, "insurance "+it.Insurance+" is listed twice")
		}
		seen[it.Insurance] = true
	}
	c.hasPension = seen[pensionCode]
	return nil
}

func (c *quoteCtx) parseAsOf() *Error {
	if c.req.AsOf == "" {
		c.asOf = c.e.now().In(chinaTime)
	} else {
		t, err := time.ParseInLocation("2006-01-02", c.req.AsOf, chinaTime)
		if err != nil {
			return invalid("as_of", "日期格式应为 2026-11-26", "as_of must be a date like 2026-11-26")
		}
		c.asOf = t
	}
	c.asOfMonth = MonthOf(c.asOf)
	return nil
}
