package payment

import (
	"context"
	"errors"
	"slices"

	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/money"
)

// OffsetStatus is what a person needs to decide on a family offset: whether
// their region offers it, for what and whom, and their personal account's
// balance in the core system.
type OffsetStatus struct {
	Offered       bool
	Insurances    []string
	Relationships []string
	HasAccount    bool
	BalanceFen    money.Fen
}

// OffsetStatusFor reports the person's offset terms and balance. The core
// system is asked only where the offset is offered.
func (s *Service) OffsetStatusFor(ctx context.Context, p *identity.Person) (*OffsetStatus, error) {
	st := &OffsetStatus{Insurances: []string{}, Relationships: []string{}}
	terms, ok := s.offsetTerms(p.Region)
	if !ok {
		return st, nil
	}
	st.Offered, st.Insurances, st.Relationships = true, terms.Insurances, terms.Relationships
	bal, err := s.off.accounts.Balance(ctx, p.IDNumber)
	switch {
	case errors.Is(err, ErrNoMedicalAccount):
	case err != nil:
		return nil, errAccountsDown.Wrap(err)
	default:
		st.HasAccount, st.BalanceFen = true, bal
	}
	return st, nil
}

// OffsetBills returns which of a proxy's bills under a grant the offset may
// pay: none unless the region offers it to the grant's relationship.
func (s *Service) OffsetBills(ctx context.Context, proxy *identity.Person, grantID string, bills []billing.Bill) []string {
	g, err := s.persons.ActiveGrant(ctx, grantID, proxy.ID, s.now())
	if err != nil {
		return nil
	}
	insured, err := s.persons.Person(ctx, g.GrantorID)
	if err != nil || insured.Region != proxy.Region {
		return nil
	}
	terms, ok := s.offsetTerms(insured.Region)
	if !ok || !slices.Contains(terms.Relationships, g.Relationship) {
		return nil
	}
	var out []string
	for _, b := range bills {
		if slices.Contains(terms.Insurances, b.Insurance) {
			out = append(out, b.ID)
		}
	}
	return out
}
