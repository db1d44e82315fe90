package identity

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/store"
)

// PIN is a person's e-social-security-card password as stored.
type PIN struct {
	PersonID    string
	Hash, Salt  []byte
	Failures    int
	LockedUntil time.Time
	SetAt       time.Time
}

// PINStore keeps e-card passwords.
type PINStore interface {
	PutPIN(ctx context.Context, p PIN) error
	PINFor(ctx context.Context, personID string) (PIN, error)
	// PINAttempt records the outcome of one attempt atomically: a failure
	// counts and may lock; a success clears the count.
	PINAttempt(ctx context.Context, personID string, ok bool, maxFailures int, lockUntil time.Time) error
}

// Argon2id parameters: OWASP's minimum for Argon2id (19 MiB, 2 passes, one
// lane). A six-digit PIN is weak by nature; the slow hash, the lockout and
// the sealed ID index together keep guessing impractical.
const (
	pinTime, pinMemoryKiB, pinLanes, pinKeyLen = 2, 19 * 1024, 1, 32
	pinMaxFailures                             = 5
	pinLockout                                 = 30 * time.Minute
)

func pinHash(pin string, salt []byte) []byte {
	return argon2.IDKey([]byte(pin), salt, pinTime, pinMemoryKiB, pinLanes, pinKeyLen)
}

func validPIN(pin string) bool {
	if len(pin) != 6 {
		return false
	}
	for _, r := range pin {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// SetPIN sets or resets the person's e-card password. It needs a fresh SMS
// code sent to the person's own phone: the second factor that makes a reset
// by someone holding only the session impossible.
func (s *Service) SetPIN(ctx context.Context, p *Person, pin, smsCode string) error {
	if !validPIN(pin) {
		return apperr.New(apperr.Invalid, "pin_invalid", "电子社保卡密码应为6位数字。", "The e-card password is 6 digits.").WithField("pin")
	}
	if err := s.checkSMS(ctx, p.Phone, smsCode); err != nil {
		return err
	}
	salt := make([]byte, 16)
	if _, err := io.ReadFull(s.random, salt); err != nil {
		return err
	}
	if err := s.pins.PutPIN(ctx, PIN{PersonID: p.ID, Hash: pinHash(pin, salt), Salt: salt, SetAt: s.now()}); err != nil {
		return fmt.Errorf("identity: store pin: %w", err)
	}
	s.log.InfoContext(ctx, "ecard pin set", "person", p.ID)
	return nil
}

var errPIN = apperr.New(apperr.Unauthorized, "pin_wrong", "证件号码或电子社保卡密码不正确。",
	"The ID number or the e-card password is wrong.").WithField("pin")

// LoginPIN signs in with the document number and the e-card password.
func (s *Service) LoginPIN(ctx context.Context, idNumber, pin string) (string, *Person, error) {
	id, err := ValidateIDNumber(idNumber)
	if err != nil {
		return "", nil, err
	}
	rec, err := s.personByIDNumber(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil, errPIN
	} else if err != nil {
		return "", nil, err
	}
	if err := s.verifyPIN(ctx, rec.ID, pin); err != nil {
		return "", nil, err
	}
	p, err := s.open(rec)
	if err != nil {
		return "", nil, err
	}
	token, err := s.newSession(ctx, p.ID, "ecard_password")
	return token, p, err
}

// verifyPIN checks the person's e-card password, counting the attempt
// against the lockout.
func (s *Service) verifyPIN(ctx context.Context, personID, pin string) error {
	stored, err := s.pins.PINFor(ctx, personID)
	if errors.Is(err, store.ErrNotFound) {
		return apperr.New(apperr.Invalid, "pin_not_set", "尚未设置电子社保卡密码，请先用短信验证码登录后设置。",
			"No e-card password is set yet: sign in with an SMS code first and set one.")
	} else if err != nil {
		return err
	}
	now := s.now()
	if now.Before(stored.LockedUntil) {
		mins := int(stored.LockedUntil.Sub(now).Minutes()) + 1
		return apperr.New(apperr.RateLimited, "pin_locked",
			fmt.Sprintf("密码错误次数过多，请%d分钟后再试，或用短信验证码登录后重置密码。", mins),
			fmt.Sprintf("Too many wrong passwords: try again in %d minutes, or sign in by SMS code and reset it.", mins))
	}
	ok := validPIN(pin) && subtle.ConstantTimeCompare(pinHash(pin, stored.Salt), stored.Hash) == 1
	if err := s.pins.PINAttempt(ctx, personID, ok, pinMaxFailures, now.Add(pinLockout)); err != nil {
		return err
	}
	if !ok {
		return errPIN
	}
	return nil
}
