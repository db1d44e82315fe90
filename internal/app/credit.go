package app

import (
	"time"

	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/policy"
)

// CreditTerms implements payment.CreditRules from the credit_pay channel's
// terms in the region's pack for the month of at.
func (c rules) CreditTerms(region string, at time.Time) (payment.CreditTerms, bool) {
	v, err := c.p.RegionAt(region, policy.MonthOf(at.In(payment.Beijing())))
	if err != nil {
		return payment.CreditTerms{}, false
	}
	for _, ch := range v.Channels {
		if ch.Code == policy.CreditChannel && ch.Credit != nil {
			t := ch.Credit
			return payment.CreditTerms{LimitFen: t.LimitFen, RepayDay: t.RepayDay, Retries: t.Retries, RetryEveryDays: t.RetryEveryDays}, true
		}
	}
	return payment.CreditTerms{}, false
}
