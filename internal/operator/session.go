package operator

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/store"
)

// Credentials are what an operator signs in with: something known (the
// password) and something held (the authenticator's current code).
type Credentials struct {
	Name, Password, Code string
}

// Errors a login can end with. A wrong name, password or code all read the
// same, so the form does not tell which part was wrong.
var (
	ErrBadLogin = apperr.New(apperr.Unauthorized, "operator_login_failed",
		"登录名、密码或动态口令不正确。", "The name, password or one-time code is wrong.")
	ErrLocked = apperr.New(apperr.RateLimited, "operator_locked",
		"连续登录失败次数过多，账户已临时锁定，请稍后再试或联系系统管理员解锁。",
		"Too many failed sign-ins: the account is locked for a while. Try later or ask an administrator to unlock it.")
	ErrNoSession = apperr.New(apperr.Unauthorized, "operator_unauthenticated",
		"登录已失效，请重新登录。", "Your session has ended. Please sign in again.")
)

// touchEvery limits session writes: last_seen moves at most once a minute,
// which is precise enough for a 30-minute idle limit.
const touchEvery = time.Minute

// Login checks the credentials and opens a session, returning the token for
// the cookie. Every outcome is audit-logged; failures count towards a lock.
func (s *Service) Login(ctx context.Context, c Credentials) (string, *Operator, error) {
	now := s.now()
	o, err := s.store.OperatorByName(ctx, c.Name)
	if errors.Is(err, store.ErrNotFound) {
		_, _ = CheckPassword(s.dummy(), c.Password) // same time as a known name
		s.audit(ctx, Entry{Operator: "-", Action: "login.failed", Target: c.Name, Detail: "unknown name"})
		return "", nil, ErrBadLogin
	} else if err != nil {
		return "", nil, fmt.Errorf("operator: look up %s: %w", c.Name, err)
	}
	if o.Disabled {
		_, _ = CheckPassword(s.dummy(), c.Password) // as long as any other refusal
		s.audit(ctx, Entry{Operator: o.Name, Action: "login.failed", Target: o.Name, Detail: "disabled"})
		return "", nil, ErrBadLogin
	}
	if now.Before(o.LockedUntil) {
		s.audit(ctx, Entry{Operator: o.Name, Action: "login.failed", Target: o.Name, Detail: "locked"})
		return "", nil, ErrLocked
	}
	pwOK, err := CheckPassword(o.PasswordHash, c.Password)
	if err != nil {
		return "", nil, err
	}
	step, codeOK, err := s.checkCode(o, c.Code, now)
	if err != nil {
		return "", nil, err
	}
	if pwOK && codeOK {
		// A code is good for one login (RFC 6238 §5.2): a replayed one fails.
		if codeOK, err = s.store.UseTOTPStep(ctx, o.ID, step); err != nil {
			return "", nil, err
		}
	}
	if !pwOK || !codeOK {
		return "", nil, s.fail(ctx, o, pwOK, now)
	}
	if err := s.store.ClearLoginFailures(ctx, o.ID); err != nil {
		return "", nil, err
	}
	token, err := s.newSession(ctx, o.ID, now)
	if err != nil {
		return "", nil, err
	}
	s.audit(ctx, Entry{Operator: o.Name, Action: "login", Target: o.Name})
	return token, &o, nil
}

func (s *Service) checkCode(o Operator, code string, now time.Time) (int64, bool, error) {
	secret, err := s.sealer.Open(fieldTOTP, o.TOTPSealed)
	if err != nil {
		return 0, false, fmt.Errorf("operator: open totp secret of %s: %w", o.Name, err)
	}
	step, ok := operatorTOTP([]byte(secret)).Verify(code, now, 1)
	return step, ok, nil
}

// fail counts a failed login and locks the account at the limit.
func (s *Service) fail(ctx context.Context, o Operator, pwOK bool, now time.Time) error {
	n, err := s.store.RecordLoginFailure(ctx, o.ID, s.policy.MaxFailures, now.Add(s.policy.LockFor))
	if err != nil {
		return err
	}
	why := "wrong password"
	if pwOK {
		why = "wrong or reused code"
	}
	s.audit(ctx, Entry{Operator: o.Name, Action: "login.failed", Target: o.Name, Detail: fmt.Sprintf("%s (%d in a row)", why, n)})
	if n >= s.policy.MaxFailures {
		s.audit(ctx, Entry{Operator: "system", Action: "operator.locked", Target: o.Name,
			Detail: fmt.Sprintf("%d failed logins; locked until %s", n, now.Add(s.policy.LockFor).UTC().Format(time.RFC3339))})
		return ErrLocked
	}
	return ErrBadLogin
}

func (s *Service) newSession(ctx context.Context, operatorID string, now time.Time) (string, error) {
	raw := make([]byte, 32)
	if _, err := io.ReadFull(s.random, raw); err != nil {
		return "", fmt.Errorf("operator: session token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	sess := Session{TokenHash: TokenHash(token), OperatorID: operatorID, CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(s.policy.Absolute)}
	if err := s.store.CreateOperatorSession(ctx, sess); err != nil {
		return "", fmt.Errorf("operator: create session: %w", err)
	}
	return token, nil
}

// TokenHash is how a session token is stored: SM3 of it, so a copy of the
// database yields no usable session.
func TokenHash(token string) []byte {
	h := sm3.Sum([]byte("operator session\x00" + token))
	return h[:]
}

// Authenticate resolves a session token to its operator. A session ends 8
// hours after login or 30 minutes after its last use, whichever is first,
// and with its operator's account.
func (s *Service) Authenticate(ctx context.Context, token string) (*Operator, error) {
	if token == "" {
		return nil, ErrNoSession
	}
	h := TokenHash(token)
	sess, err := s.store.OperatorSession(ctx, h)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNoSession
	} else if err != nil {
		return nil, fmt.Errorf("operator: session: %w", err)
	}
	now := s.now()
	if !now.Before(sess.ExpiresAt) || now.Sub(sess.LastSeen) >= s.policy.Idle {
		_ = s.store.DeleteOperatorSession(ctx, h)
		return nil, ErrNoSession
	}
	o, err := s.store.OperatorByID(ctx, sess.OperatorID)
	if err != nil {
		return nil, fmt.Errorf("operator: session operator: %w", err)
	}
	if o.Disabled {
		return nil, ErrNoSession
	}
	if now.Sub(sess.LastSeen) >= touchEvery {
		if err := s.store.TouchOperatorSession(ctx, h, now); err != nil {
			return nil, err
		}
	}
	return &o, nil
}

// Logout ends the session holding token.
func (s *Service) Logout(ctx context.Context, token string) error {
	o, err := s.Authenticate(ctx, token)
	if err != nil {
		return nil // nothing to end
	}
	s.audit(ctx, Entry{Operator: o.Name, Action: "logout", Target: o.Name})
	return s.store.DeleteOperatorSession(ctx, TokenHash(token))
}
