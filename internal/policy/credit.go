package policy

import "github.com/shebao-project/shebao/internal/money"

// CreditChannel is the channel code of credit pay (社保信用付: pay now,
// deducted next month), offered only where a pack lists it with terms.
const CreditChannel = "credit_pay"

// CreditTerms are a region's credit pay terms. They are the agency's
// operating settings, not published figures, so a pack cites them with an
// unverified source like the channel limits.
type CreditTerms struct {
	// LimitFen is the most a person may owe at once (outstanding credits).
	LimitFen money.Fen `yaml:"limit_fen" json:"limit_fen"`
	// RepayDay is the day of the next month (Beijing time) on which a
	// credit is collected; at most 28 so that every month has it.
	RepayDay int `yaml:"repay_day" json:"repay_day"`
	// Retries is how many more collection attempts follow a failed one
	// before the credit is overdue and credit pay is suspended.
	Retries int `yaml:"retries" json:"retries"`
	// RetryEveryDays is the wait between collection attempts.
	RetryEveryDays int `yaml:"retry_every_days" json:"retry_every_days"`
}

// checkCredit requires terms on credit_pay, refuses them elsewhere, and
// keeps them within what a monthly schedule can honour.
func checkCredit(p problems, field string, c channelSpec) {
	t := c.Credit
	switch {
	case c.Code != CreditChannel && t != nil:
		p.add(field+".credit", "credit terms belong to credit_pay only")
		return
	case c.Code != CreditChannel:
		return
	case t == nil:
		p.add(field+".credit", "credit_pay needs credit terms (limit_fen, repay_day, retries, retry_every_days)")
		return
	}
	if t.LimitFen <= 0 || t.LimitFen > c.PerDayFen {
		p.add(field+".credit.limit_fen", "must satisfy 0 < limit_fen <= per_day_fen")
	}
	if t.RepayDay < 1 || t.RepayDay > 28 {
		p.add(field+".credit.repay_day", "must be a day from 1 to 28")
	}
	if t.Retries < 0 || t.Retries > 10 {
		p.add(field+".credit.retries", "must be from 0 to 10")
	}
	if t.RetryEveryDays < 1 || t.RetryEveryDays > 10 {
		p.add(field+".credit.retry_every_days", "must be from 1 to 10")
	}
}
