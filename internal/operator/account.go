package operator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/store"
)

// NewOperator is what creating an operator takes.
type NewOperator struct {
	Name        string // login name: 3–32 of a-z 0-9 . _ -
	DisplayName string
	Role        Role
	Password    string
	By          string // who creates it: an operator's name, or "cli"
	Reason      string
}

// Created is a new account with its TOTP secret, shown this once: the
// operator scans the URI into an authenticator app.
type Created struct {
	Operator Operator
	Secret   string // base32, for typing in by hand
	URI      string // otpauth://totp/…
}

var namePattern = regexp.MustCompile(`^[a-z0-9._-]{3,32}$`)

var errNameTaken = apperr.New(apperr.Conflict, "operator_exists", "该登录名已被使用。", "That login name is taken.").WithField("name")

// Create adds an operator and records it in the audit log.
func (s *Service) Create(ctx context.Context, n NewOperator) (*Created, error) {
	n.Name = strings.TrimSpace(n.Name)
	if !namePattern.MatchString(n.Name) {
		return nil, apperr.New(apperr.Invalid, "operator_name_invalid", "登录名应为3至32位小写字母、数字或 . _ -。",
			"The login name must be 3–32 characters of a-z, 0-9, '.', '_' or '-'.").WithField("name")
	}
	if _, err := ParseRole(string(n.Role)); err != nil {
		return nil, err
	}
	if len([]rune(n.Password)) < MinPasswordLength {
		return nil, apperr.New(apperr.Invalid, "password_too_short", fmt.Sprintf("密码至少%d个字符。", MinPasswordLength),
			fmt.Sprintf("The password must have at least %d characters.", MinPasswordLength)).WithField("password")
	}
	if n.DisplayName == "" {
		n.DisplayName = n.Name
	}
	hash, err := HashPassword(s.random, n.Password)
	if err != nil {
		return nil, err
	}
	secret := make([]byte, 20) // 160 bits, the HMAC-SHA-1 key length RFC 4226 §4 recommends
	if _, err := io.ReadFull(s.random, secret); err != nil {
		return nil, fmt.Errorf("operator: totp secret: %w", err)
	}
	sealed, err := s.sealer.Seal(fieldTOTP, string(secret))
	if err != nil {
		return nil, err
	}
	id, err := s.newID()
	if err != nil {
		return nil, err
	}
	if _, err := s.store.OperatorByName(ctx, n.Name); err == nil {
		return nil, errNameTaken
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("operator: look up %s: %w", n.Name, err)
	}
	o := Operator{ID: id, Name: n.Name, DisplayName: n.DisplayName, Role: n.Role, PasswordHash: hash,
		TOTPSealed: sealed, CreatedAt: s.now().UTC().Truncate(1e6), CreatedBy: n.By}
	if err := s.Record(ctx, Entry{Operator: n.By, Action: "operator.create", Target: n.Name, Reason: n.Reason, Detail: "role " + string(n.Role)}); err != nil {
		return nil, err
	}
	if err := s.store.CreateOperator(ctx, o); errors.Is(err, store.ErrConflict) {
		return nil, errNameTaken
	} else if err != nil {
		return nil, fmt.Errorf("operator: create: %w", err)
	}
	t := operatorTOTP(secret)
	return &Created{Operator: o, Secret: secretEncoding.EncodeToString(secret), URI: t.URI(s.policy.Issuer, n.Name)}, nil
}

// Operators lists every account, for administrators.
func (s *Service) Operators(ctx context.Context) ([]Operator, error) { return s.store.Operators(ctx) }

// SetDisabled disables (ending its sessions) or re-enables an account.
func (s *Service) SetDisabled(ctx context.Context, by *Operator, id string, disabled bool, reason string) error {
	o, err := s.store.OperatorByID(ctx, id)
	if err != nil {
		return fmt.Errorf("operator: %s: %w", id, err)
	}
	if by.ID == id && disabled {
		return apperr.New(apperr.Refused, "operator_self_disable", "不能停用自己的账户。", "You cannot disable your own account.")
	}
	action := "operator.enable"
	if disabled {
		action = "operator.disable"
	}
	if err := s.Record(ctx, Entry{Operator: by.Name, Action: action, Target: o.Name, Reason: reason}); err != nil {
		return err
	}
	if err := s.store.SetOperatorDisabled(ctx, id, disabled); err != nil {
		return err
	}
	if disabled {
		return s.store.DeleteOperatorSessions(ctx, id)
	}
	return nil
}

// Unlock clears an account's failed logins and lock.
func (s *Service) Unlock(ctx context.Context, by *Operator, id, reason string) error {
	o, err := s.store.OperatorByID(ctx, id)
	if err != nil {
		return fmt.Errorf("operator: %s: %w", id, err)
	}
	if err := s.Record(ctx, Entry{Operator: by.Name, Action: "operator.unlock", Target: o.Name, Reason: reason}); err != nil {
		return err
	}
	return s.store.ClearLoginFailures(ctx, id)
}
