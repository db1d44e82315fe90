package notice

import (
	"context"
	"fmt"
)

// Preferences are a person's choices about messages. Reminders and lapse
// notices can be turned off (a person who pays by bank deduction, say, or
// simply does not want them); a payment's result, hold or refund always
// goes out, being about money the person moved.
type Preferences struct {
	Reminders bool `json:"reminders"`
}

// Preferences reads the person's choices (reminders on unless turned off).
func (s *Service) Preferences(ctx context.Context, personID string) (Preferences, error) {
	off, err := s.store.RemindersOff(ctx, personID)
	if err != nil {
		return Preferences{}, fmt.Errorf("notice: preferences of %s: %w", personID, err)
	}
	return Preferences{Reminders: !off}, nil
}

// SetPreferences records the person's choices.
func (s *Service) SetPreferences(ctx context.Context, personID string, p Preferences) (Preferences, error) {
	if err := s.store.SetRemindersOff(ctx, personID, !p.Reminders, s.now()); err != nil {
		return Preferences{}, fmt.Errorf("notice: set preferences of %s: %w", personID, err)
	}
	return p, nil
}
