package identity

import (
	"context"
	"errors"
	"fmt"

	"github.com/shebao-project/shebao/internal/pii"
	"github.com/shebao-project/shebao/internal/store"
)

// personByIndexes finds a person by the blind index of value under each key
// in the keyring, the current key's first. While a key rotation's reseal pass
// runs (internal/rekey), a row it has not reached yet still carries the old
// key's indexes; once the old key is retired only the current one is tried.
func (s *Service) personByIndexes(ctx context.Context, field pii.Field, value string,
	find func(context.Context, []byte) (PersonRecord, error)) (PersonRecord, error) {
	err := error(store.ErrNotFound)
	for _, idx := range s.sealer.Indexes(field, value) {
		var rec PersonRecord
		if rec, err = find(ctx, idx); !errors.Is(err, store.ErrNotFound) {
			return rec, err
		}
	}
	return PersonRecord{}, err
}

// personByIDNumber finds a person by ID number under any key in the ring.
func (s *Service) personByIDNumber(ctx context.Context, number string) (PersonRecord, error) {
	return s.personByIndexes(ctx, pii.FieldIDNumber, number, s.grants.PersonByIDIndex)
}

// takenUnderOlderKey reports store.ErrConflict if the ID number or phone
// belongs to a person whose row still has an older key's indexes: the
// UNIQUE columns only catch a duplicate under the same key.
func (s *Service) takenUnderOlderKey(ctx context.Context, current *pii.Key, id, phone string) error {
	for _, idx := range s.sealer.Indexes(pii.FieldPhone, phone)[1:] {
		if _, err := s.store.PersonByPhoneIndex(ctx, idx); err == nil {
			return fmt.Errorf("identity: phone registered under key before %d: %w", current.ID(), store.ErrConflict)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	if s.grants == nil {
		return nil // a service without a grant store has no ID-index lookup
	}
	for _, idx := range s.sealer.Indexes(pii.FieldIDNumber, id)[1:] {
		if _, err := s.grants.PersonByIDIndex(ctx, idx); err == nil {
			return fmt.Errorf("identity: ID number registered under key before %d: %w", current.ID(), store.ErrConflict)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return nil
}
