package identity

import (
	"context"
	"errors"
	"fmt"
)

// RecordExport notes in the audit log that the person downloaded their own
// data (PIPL art. 45): a copy of every personal field in the clear left the
// system, and who took it must be traceable like any other view.
func (s *Service) RecordExport(ctx context.Context, p *Person) error {
	if s.grants == nil {
		return errors.New("identity: no audit log configured")
	}
	err := s.grants.InGrantTx(ctx, func(tx GrantTx) error {
		return s.audit(ctx, tx, p.ID, "person.export", p.ID, "")
	})
	if err != nil {
		return fmt.Errorf("identity: record export: %w", err)
	}
	return nil
}
