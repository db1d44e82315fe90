package identity

import (
	"context"
	"errors"
	"fmt"

	"github.com/shebao-project/shebao/internal/store"
)

// ImportPerson is one insured person from the agency's register (参保登记),
// with the insurance types they are enrolled for.
type ImportPerson struct {
	NewPerson
	Enrolments []Enrolment // PersonID is filled in
}

// Import registers a person from the register, or, when their ID number is
// already registered, brings their enrolments up to date: the register is
// the source of truth and importing it again changes nothing else (name
// and phone changes go through the person's own channels). It reports
// whether the person was new.
func (s *Service) Import(ctx context.Context, ip ImportPerson) (*Person, bool, error) {
	id, err := ValidateIDNumber(ip.IDNumber)
	if err != nil {
		return nil, false, err
	}
	created := false
	var p *Person
	rec, err := s.personByIDNumber(ctx, id)
	switch {
	case err == nil:
		if p, err = s.open(rec); err != nil {
			return nil, false, err
		}
	case errors.Is(err, store.ErrNotFound):
		if p, err = s.Register(ctx, ip.NewPerson); err != nil {
			return nil, false, err
		}
		created = true
	default:
		return nil, false, fmt.Errorf("identity: import: find by ID number: %w", err)
	}
	for _, e := range ip.Enrolments {
		e.PersonID = p.ID
		if err := s.store.PutEnrolment(ctx, e); err != nil {
			return nil, false, fmt.Errorf("identity: import %s: enrol %s: %w", p.ID, e.Insurance, err)
		}
	}
	return p, created, nil
}
