package identity

import (
	"context"
	"errors"
	"fmt"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/pii"
	"github.com/shebao-project/shebao/internal/store"
)

// NewPerson is what registering an insured person needs.
type NewPerson struct {
	ID       string
	Region   string
	Type     PersonType
	Name     string
	IDNumber string
	Phone    string
	OpenID   string // official account
	// MiniOpenID is the mini-program's openid (another app id, so another openid).
	MiniOpenID string
}

// Register validates and stores a person with their personal data sealed.
// Registering the same ID number twice is a conflict.
func (s *Service) Register(ctx context.Context, np NewPerson) (*Person, error) {
	id, err := ValidateIDNumber(np.IDNumber)
	if err != nil {
		return nil, err
	}
	if err := ValidatePhone(np.Phone); err != nil {
		return nil, err
	}
	if np.Type != Flexible && np.Type != Resident {
		return nil, apperr.New(apperr.Invalid, "person_type_invalid", "参保人员类别不正确。", "Unknown person type.").WithField("person_type")
	}
	// One key for the seals and the indexes: a row's indexes always belong
	// to the key that sealed it (internal/rekey relies on it).
	k := s.sealer.Current()
	rec := PersonRecord{
		ID: np.ID, Region: np.Region, Type: np.Type,
		IDIndex: k.Index(pii.FieldIDNumber, id), PhoneIndex: k.Index(pii.FieldPhone, np.Phone),
		NameMasked: pii.MaskName(np.Name), IDMasked: pii.MaskIDNumber(id), PhoneMasked: pii.MaskPhone(np.Phone),
		OpenID: np.OpenID, MiniOpenID: np.MiniOpenID, CreatedAt: s.now(),
	}
	var errs [3]error
	rec.NameSealed, errs[0] = k.Seal(pii.FieldName, np.Name)
	rec.IDSealed, errs[1] = k.Seal(pii.FieldIDNumber, id)
	rec.PhoneSealed, errs[2] = k.Seal(pii.FieldPhone, np.Phone)
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	err = s.takenUnderOlderKey(ctx, k, id, np.Phone)
	if err == nil {
		err = s.store.CreatePerson(ctx, rec)
	}
	if errors.Is(err, store.ErrConflict) {
		return nil, apperr.New(apperr.Conflict, "person_exists", "该证件号码或手机号已登记。", "A person with this ID number or phone is already registered.").Wrap(err)
	} else if err != nil {
		return nil, fmt.Errorf("identity: register: %w", err)
	}
	return s.open(rec)
}

// Enrol records that a person is insured for an insurance type.
func (s *Service) Enrol(ctx context.Context, e Enrolment) error {
	return s.store.PutEnrolment(ctx, e)
}
