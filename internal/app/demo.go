package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/policy"
	"github.com/shebao-project/shebao/internal/store"
)

// DemoPerson is a demo login, listed in the README and printed at start.
type DemoPerson struct {
	Phone, Name, Region, Note string
	Type                      identity.PersonType
	idFirst17                 string
	insurances                []string
	arrearsMonths             int // previous months left unpaid (欠费), per monthly insurance
	annual                    []string
}

// idNumber is the person's ID number: the made-up first 17 digits and
// their GB 11643 check digit.
func (d DemoPerson) idNumber() string {
	check, _ := identity.IDCheckDigit(d.idFirst17)
	return d.idFirst17 + string(check)
}

// DemoPeople are the demo logins: at least one per regional profile
// (Guangdong, Jiangsu, national standard). Names and numbers are made up;
// ID numbers carry a valid GB 11643 check digit so validation is exercised.
var DemoPeople = []DemoPerson{
	{Phone: "13800000001", Name: "张伟", Region: "110000", Type: identity.Flexible, idFirst17: "11010519850307451",
		insurances: []string{"110", "310"}, Note: "北京 灵活就业：本月养老、医疗 / Beijing flexible worker: this month's pension and medical"},
	{Phone: "13800000002", Name: "李娜", Region: "440100", Type: identity.Flexible, idFirst17: "44010619880612302",
		insurances: []string{"110"}, arrearsMonths: 3, Note: "广州 灵活就业：本月养老及欠费 / Guangzhou flexible worker: this month's pension and arrears"},
	{Phone: "13800000003", Name: "王芳", Region: "320100", Type: identity.Flexible, idFirst17: "32010219920215622",
		insurances: []string{"110"}, Note: "南京 灵活就业：本月养老 / Nanjing flexible worker: this month's pension"},
	{Phone: "13800000004", Name: "刘洋", Region: "510100", Type: identity.Resident, idFirst17: "51010419600808351",
		annual: []string{"390"}, Note: "成都 城乡居民：年度居民医保 / Chengdu resident: annual resident medical premium"},
	{Phone: demoHolderPhone, Name: "陈建国", Region: "440100", Type: identity.Flexible, idFirst17: "44010519750412371",
		insurances: []string{"110"}, Note: "广州 灵活就业，职工医保个人账户 1286.50 元：本月养老；家庭共济为母亲缴居民医保 / Guangzhou flexible worker with an employee medical personal account (1,286.50 yuan): this month's pension; pays his mother's resident medical by family offset"},
	{Phone: demoMotherPhone, Name: "黄秀英", Region: "440100", Type: identity.Resident, idFirst17: "44010519500820242",
		annual: []string{"390"}, Note: "广州 城乡居民：年度居民医保，已授权儿子代缴 / Guangzhou resident: annual resident medical premium, her son holds her grant"},
	{Phone: "13800000007", Name: "周敏", Region: "330100", Type: identity.Flexible, idFirst17: "33010619870521428",
		insurances: []string{"110"}, Note: "杭州 灵活就业：本月养老，可用社保信用付 / Hangzhou flexible worker: this month's pension, payable by credit pay"},
}

// seedDemo registers the demo people and their bills on first start. It is
// idempotent across restarts: a database that has people is left alone.
func (a *App) seedDemo(ctx context.Context) error {
	if !a.cfg.Demo {
		return nil
	}
	n, err := a.db.CountPersons(ctx)
	if err != nil || n > 0 {
		return err
	}
	now := a.now().In(payment.Beijing())
	month := policy.MonthOf(now)
	for i, d := range DemoPeople {
		p, err := a.Identity.Register(ctx, identity.NewPerson{
			ID: fmt.Sprintf("per_demo%02d", i+1), Region: d.Region, Type: d.Type, Name: d.Name,
			IDNumber: d.idNumber(), Phone: d.Phone, OpenID: demoOpenID(i), MiniOpenID: demoMiniOpenID(i),
		})
		if err != nil {
			return fmt.Errorf("register %s: %w", d.Phone, err)
		}
		var items []billing.Item
		for _, ins := range d.insurances {
			since := month.Add(-12).String()
			if err := a.Identity.Enrol(ctx, identity.Enrolment{PersonID: p.ID, Insurance: ins, Status: "active", Since: since, Base: "floor"}); err != nil {
				return err
			}
			items = append(items, billing.Item{Insurance: ins, Base: "floor"})
		}
		for back := d.arrearsMonths; back >= 1; back-- {
			if _, err := a.Billing.Issue(ctx, p, month.Add(-back).String(), items, billing.Arrears); err != nil {
				return fmt.Errorf("arrears %s: %w", d.Phone, err)
			}
		}
		for _, ins := range d.annual {
			if err := a.Identity.Enrol(ctx, identity.Enrolment{PersonID: p.ID, Insurance: ins, Status: "active", Since: month.String(), Base: ""}); err != nil {
				return err
			}
			// Resident premiums are collected in the autumn for the next
			// coverage year (集中参保期); before September, for this year.
			year := now.Year()
			if now.Month() >= time.September {
				year++
			}
			if _, err := a.Billing.Issue(ctx, p, fmt.Sprint(year), []billing.Item{{Insurance: ins}}, billing.Current); err != nil {
				return fmt.Errorf("annual %s %s: %w", d.Phone, ins, err)
			}
		}
		es, err := a.Identity.Enrolments(ctx, p.ID)
		if err != nil {
			return err
		}
		if err := a.Billing.EnsureCurrent(ctx, p, es); err != nil {
			return fmt.Errorf("current bills %s: %w", d.Phone, err)
		}
	}
	if err := a.seedDemoFamily(ctx); err != nil {
		return err
	}
	a.log.InfoContext(ctx, "demo data created", "people", len(DemoPeople))
	return nil
}

// issueBillsPeriodically issues each new month's bills for every enrolled
// person: at start (the server may have been down over a month boundary)
// and then hourly. Issuing is idempotent per person, insurance and period.
func (a *App) issueBillsPeriodically(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if err := a.issueCurrentBills(ctx); err != nil && ctx.Err() == nil {
			a.log.ErrorContext(ctx, "issue current bills", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (a *App) issueCurrentBills(ctx context.Context) error {
	after := ""
	for {
		ids, err := a.db.PersonIDs(ctx, after, 500)
		if err != nil || len(ids) == 0 {
			return err
		}
		for _, id := range ids {
			p, err := a.Identity.Person(ctx, id)
			if err != nil {
				return err
			}
			es, err := a.Identity.Enrolments(ctx, id)
			if err != nil {
				return err
			}
			if err := a.Billing.EnsureCurrent(ctx, p, es); err != nil && !errors.Is(err, store.ErrConflict) {
				a.log.WarnContext(ctx, "current bills", "person", id, "err", err)
			}
		}
		after = ids[len(ids)-1]
	}
}

// demoAgency names the collecting unit on vouchers. A deployment configures
// its own; demo agencies say 沙箱 so nobody mistakes a demo receipt.
func demoAgency(region string) payment.Agency {
	name := map[string]string{
		"110000": "北京市", "310000": "上海市", "440100": "广州市", "440300": "深圳市",
		"320100": "南京市", "330100": "杭州市", "510100": "成都市", "430100": "长沙市",
	}[region]
	if name == "" {
		name = "本地"
	}
	return payment.Agency{
		Name:       name + "社会保险事业管理中心（沙箱）",
		CreditCode: creditCode("12" + padRegion(region) + "MB0000001"),
		BillCode:   fmt.Sprintf("%.2s%06d", padRegion(region), 10601),
	}
}

func padRegion(r string) string {
	if len(r) == 6 {
		return r
	}
	return "000000"
}

// creditCode appends the GB 32100-2015 check character to 17 characters.
func creditCode(first17 string) string {
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	weights := [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}
	sum := 0
	for i := 0; i < 17; i++ {
		for v, c := range alphabet {
			if byte(c) == first17[i] {
				sum += v * weights[i]
			}
		}
	}
	return first17 + string(alphabet[(31-sum%31)%31])
}

func insuranceName(code string) string {
	if n, ok := policy.Insurance(code); ok {
		return n.Name
	}
	return code
}

// rules adapts the policy engine to payment.Rules.
type rules struct{ p *policy.Engine }

// PaidWith implements payment.Rules from the pack's medical binding.
func (c rules) PaidWith(region, personType, insurance, period string) string {
	m, err := policy.ParseMonth(period)
	if err != nil {
		return ""
	}
	v, err := c.p.RegionAt(region, m)
	if err != nil {
		return ""
	}
	for _, pt := range v.PersonTypes {
		for _, ins := range pt.Insurances {
			if pt.PersonType == personType && ins.Code == insurance && ins.Binding == policy.BindingWithPension {
				return "110"
			}
		}
	}
	return ""
}

// ChannelLimits implements payment.Rules from the pack's channel limits.
func (c rules) ChannelLimits(region, channel string, at time.Time) (money.Fen, money.Fen) {
	v, err := c.p.RegionAt(region, policy.MonthOf(at.In(payment.Beijing())))
	if err != nil {
		return 0, 0
	}
	for _, ch := range v.Channels {
		if ch.Code == channel {
			return ch.PerPaymentFen, ch.PerDayFen
		}
	}
	return 0, 0
}

func (c rules) ChannelAllowed(region, channel string, at time.Time) bool {
	v, err := c.p.RegionAt(region, policy.MonthOf(at.In(payment.Beijing())))
	if err != nil {
		return false
	}
	for _, ch := range v.Channels {
		if ch.Code == channel {
			return true
		}
	}
	return false
}

func ensureDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("app: data directory %s: %w", dir, err)
	}
	return nil
}
