package policy_test

import (
	"testing"
	"testing/fstest"

	"github.com/shebao-project/shebao/internal/policy"
)

const unionpayLine = "  - {code: unionpay, per_payment_fen: 5000000, per_day_fen: 10000000, source: *guess}\n"

// withCredit adds a credit_pay channel with the given flow-style terms.
func withCredit(t *testing.T, terms string) string {
	line := "  - {code: credit_pay, per_payment_fen: 500000, per_day_fen: 500000, source: *guess"
	if terms != "" {
		line += ", credit: " + terms
	}
	return mutate(t, unionpayLine, unionpayLine+line+"}\n")
}

func TestCreditTermsValidated(t *testing.T) {
	good := "{limit_fen: 500000, repay_day: 15, retries: 2, retry_every_days: 3}"
	cases := []struct{ name, src, field, reason string }{
		{"credit_pay without terms", withCredit(t, ""), "channels[1].credit", "needs credit terms"},
		{"terms on another channel", mutate(t, unionpayLine,
			"  - {code: unionpay, per_payment_fen: 5000000, per_day_fen: 10000000, source: *guess, credit: "+good+"}\n"),
			"channels[0].credit", "credit_pay only"},
		{"limit above the daily limit", withCredit(t, "{limit_fen: 600000, repay_day: 15, retries: 2, retry_every_days: 3}"),
			"channels[1].credit.limit_fen", "per_day_fen"},
		{"no limit", withCredit(t, "{limit_fen: 0, repay_day: 15, retries: 2, retry_every_days: 3}"),
			"channels[1].credit.limit_fen", "0 < limit_fen"},
		{"day not in every month", withCredit(t, "{limit_fen: 500000, repay_day: 31, retries: 2, retry_every_days: 3}"),
			"channels[1].credit.repay_day", "1 to 28"},
		{"too many retries", withCredit(t, "{limit_fen: 500000, repay_day: 15, retries: 11, retry_every_days: 3}"),
			"channels[1].credit.retries", "0 to 10"},
		{"retry the same day", withCredit(t, "{limit_fen: 500000, repay_day: 15, retries: 2, retry_every_days: 0}"),
			"channels[1].credit.retry_every_days", "1 to 10"},
	}
	for _, c := range cases {
		le := loadErr(t, fstest.MapFS{packPath: {Data: []byte(c.src)}})
		if !hasProblem(le, packPath, c.field, c.reason) {
			t.Errorf("%s: want %s: …%s…, got:\n%v", c.name, c.field, c.reason, le)
		}
	}

	e, err := policy.Load(fstest.MapFS{packPath: {Data: []byte(withCredit(t, good))}}, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := policy.ParseMonth("2025-06")
	v, err := e.RegionAt("999999", m)
	if err != nil {
		t.Fatal(err)
	}
	var got *policy.CreditTerms
	for _, ch := range v.Channels {
		if ch.Code == policy.CreditChannel {
			got = ch.Credit
		}
	}
	if got == nil || *got != (policy.CreditTerms{LimitFen: 500000, RepayDay: 15, Retries: 2, RetryEveryDays: 3}) {
		t.Fatalf("credit terms in the region view: %+v", got)
	}
}
