package app

import (
	"context"
	"fmt"
	"time"

	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/policy"
	coresandbox "github.com/shebao-project/shebao/internal/sandbox/coresys"
)

// OffsetTerms implements payment.OffsetRules from the family_offset
// channel's terms in the region's pack for the month of at.
func (c rules) OffsetTerms(region string, at time.Time) (payment.OffsetTerms, bool) {
	v, err := c.p.RegionAt(region, policy.MonthOf(at.In(payment.Beijing())))
	if err != nil {
		return payment.OffsetTerms{}, false
	}
	t, ok := v.OffsetTerms()
	if !ok {
		return payment.OffsetTerms{}, false
	}
	return payment.OffsetTerms{Insurances: t.Insurances, Relationships: t.Relationships}, true
}

// The Guangzhou demo family of the family offset (家庭共济): 陈建国, a
// flexible worker who pays his pension here and his employee medical
// insurance at the counter (offline in Guangdong's pack), holds an employee
// medical personal account and may pay his mother 黄秀英's resident medical
// premium from it under her grant.
const (
	demoHolderPhone = "13800000005"
	demoMotherPhone = "13800000006"
)

// demoAccountFen is the demo holder's personal account balance (1,286.50 yuan).
const demoAccountFen money.Fen = 128650

// seedDemoAccounts opens the demo holders' personal accounts in the core
// system sandbox.
func seedDemoAccounts(core *coresandbox.Server) {
	for _, d := range DemoPeople {
		if d.Phone == demoHolderPhone {
			core.SetBalance(d.idNumber(), demoAccountFen)
		}
	}
}

// seedDemoFamily gives the demo holder his mother's grant for her resident
// medical insurance, asked for and approved through the grant flow as
// people do it (the consent SMS goes to the sandbox outbox).
func (a *App) seedDemoFamily(ctx context.Context) error {
	var holder, mother *identity.Person
	for i, d := range DemoPeople {
		p, err := a.Identity.Person(ctx, fmt.Sprintf("per_demo%02d", i+1))
		if err != nil {
			return err
		}
		switch d.Phone {
		case demoHolderPhone:
			holder = p
		case demoMotherPhone:
			mother = p
		}
	}
	if holder == nil || mother == nil {
		return nil
	}
	until := policy.MonthOf(a.now().In(payment.Beijing())).Add(24).String()
	g, err := a.Identity.RequestGrant(ctx, holder, identity.GrantRequest{Relationship: "child", DocumentType: identity.ResidentID,
		DocumentNumber: mother.IDNumber, Insurances: []string{"390"}, Until: until})
	if err != nil {
		return fmt.Errorf("demo family grant: %w", err)
	}
	if _, err := a.Identity.ApproveGrant(ctx, mother, g.ID); err != nil {
		return fmt.Errorf("demo family grant approval: %w", err)
	}
	return nil
}
