package payment

import (
	"context"
	"fmt"
	"slices"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/identity"
)

// insuredFor returns whose bills an order pays: the payer's own, or, under
// an active family grant held by the payer, the grantor's, with the
// insurance types the grant covers (nil: all).
func (s *Service) insuredFor(ctx context.Context, payer *identity.Person, grantID string) (*identity.Person, []string, error) {
	if grantID == "" {
		return payer, nil, nil
	}
	g, err := s.persons.ActiveGrant(ctx, grantID, payer.ID, s.now())
	if err != nil {
		return nil, nil, err
	}
	insured, err := s.persons.Person(ctx, g.GrantorID)
	if err != nil {
		return nil, nil, fmt.Errorf("payment: grantor of %s: %w", grantID, err)
	}
	return insured, g.Insurances, nil
}

// inScope refuses bills of insurance types the grant does not cover.
func inScope(bills []billing.Bill, scope []string) error {
	if scope == nil {
		return nil
	}
	for i, b := range bills {
		if !slices.Contains(scope, b.Insurance) {
			e := apperr.New(apperr.Forbidden, "outside_grant", "该险种不在家属授权的代缴范围内。",
				"This insurance type is not covered by the family grant.").WithField(fmt.Sprintf("bill_ids[%d]", i))
			e.Allowed = scope
			return e
		}
	}
	return nil
}

// GrantBills lists the due bills a proxy may see and pay under a grant,
// limited to the grant's insurance types.
func (s *Service) GrantBills(ctx context.Context, proxy *identity.Person, grantID string) (*identity.Person, []billing.Bill, error) {
	insured, scope, err := s.insuredFor(ctx, proxy, grantID)
	if err != nil {
		return nil, nil, err
	}
	due, err := s.DueBills(ctx, insured.ID)
	if err != nil {
		return nil, nil, err
	}
	out := due[:0]
	for _, b := range due {
		if scope == nil || slices.Contains(scope, b.Insurance) {
			out = append(out, b)
		}
	}
	return insured, out, nil
}
