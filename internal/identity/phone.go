package identity

import (
	"context"
	"errors"
	"fmt"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/pii"
	"github.com/shebao-project/shebao/internal/store"
)

// Changing the phone number moves where SMS codes go, so it is the step an
// account takeover would aim for: it needs a recent second factor, a code
// sent to the new number (proof the person holds it), and the old number
// is told afterwards.

var errPhoneInUse = apperr.New(apperr.Conflict, "phone_in_use",
	"该手机号已关联其他参保人，请换一个号码，或到经办机构办理。",
	"This phone number belongs to another insured person: use another number, or visit the agency.").WithField("phone")

// checkNewPhone validates a new number for p.
func (s *Service) checkNewPhone(ctx context.Context, p *Person, phone string) error {
	if err := ValidatePhone(phone); err != nil {
		return err
	}
	if phone == p.Phone {
		return apperr.New(apperr.Invalid, "phone_unchanged", "新手机号与当前手机号相同。",
			"The new phone number is the one you already have.").WithField("phone")
	}
	if other, err := s.personByIndexes(ctx, pii.FieldPhone, phone, s.store.PersonByPhoneIndex); err == nil && other.ID != p.ID {
		return errPhoneInUse
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("identity: person by phone: %w", err)
	}
	return nil
}

// SendPhoneChangeCode texts a code to the new number, once the person has
// confirmed with a second factor.
func (s *Service) SendPhoneChangeCode(ctx context.Context, sess *Session, p *Person, phone string) error {
	if !s.Confirmed(sess) {
		return s.ErrConfirm(ctx, sess, p)
	}
	if err := s.checkNewPhone(ctx, p, phone); err != nil {
		return err
	}
	return s.SendSMSCode(ctx, phone)
}

// ChangePhone replaces the person's phone number with one whose code they
// received. The change is audited and the old number is told.
func (s *Service) ChangePhone(ctx context.Context, sess *Session, p *Person, phone, code string) error {
	if !s.Confirmed(sess) {
		return s.ErrConfirm(ctx, sess, p)
	}
	if err := s.checkNewPhone(ctx, p, phone); err != nil {
		return err
	}
	if err := s.checkSMS(ctx, phone, code); err != nil {
		return err
	}
	key := s.sealer.Current()
	sealed, err := key.Seal(pii.FieldPhone, phone)
	if err != nil {
		return fmt.Errorf("identity: seal phone: %w", err)
	}
	old := p.Phone
	err = s.grants.InGrantTx(ctx, func(tx GrantTx) error {
		if err := tx.UpdatePhone(ctx, p.ID, sealed, key.Index(pii.FieldPhone, phone), pii.MaskPhone(phone)); err != nil {
			return err
		}
		return s.audit(ctx, tx, p.ID, "person.phone_change", p.ID, pii.MaskPhone(old)+" → "+pii.MaskPhone(phone))
	})
	if errors.Is(err, store.ErrConflict) {
		return errPhoneInUse
	} else if err != nil {
		return fmt.Errorf("identity: change phone: %w", err)
	}
	p.Phone, p.PhoneMasked = phone, pii.MaskPhone(phone)
	// The old number hears of it, so a takeover does not go unnoticed.
	text := fmt.Sprintf("【社保缴费】您在社保缴费服务登记的手机号已改为%s。如非本人操作，请立即拨打12333。", pii.MaskPhone(phone))
	if err := s.sms.SendSMS(ctx, old, text); err != nil {
		s.log.WarnContext(ctx, "phone change notice not sent", "person", p.ID, "err", err)
	}
	s.log.InfoContext(ctx, "phone changed", "person", p.ID)
	return nil
}
