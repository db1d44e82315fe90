package identity

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/pii"
	"github.com/shebao-project/shebao/internal/store"
)

// Store is the storage identity needs. Implementations translate their
// errors into store.ErrNotFound and store.ErrConflict.
type Store interface {
	CreatePerson(ctx context.Context, p PersonRecord) error
	PersonByID(ctx context.Context, id string) (PersonRecord, error)
	PersonByPhoneIndex(ctx context.Context, index []byte) (PersonRecord, error)
	// PersonByOpenID finds the person a WeChat app's openid is bound to
	// (app: AppOfficialAccount or AppMiniProgram).
	PersonByOpenID(ctx context.Context, app, openID string) (PersonRecord, error)
	PutEnrolment(ctx context.Context, e Enrolment) error
	Enrolments(ctx context.Context, personID string) ([]Enrolment, error)

	// PutSMSCode replaces any code for the phone.
	PutSMSCode(ctx context.Context, c SMSCode) error
	SMSCodeFor(ctx context.Context, phoneIndex []byte) (SMSCode, error)
	// AttemptSMSCode counts one attempt against the live code for the phone
	// and returns it; ErrNotFound when there is none, it expired, or its
	// attempts are used up.
	AttemptSMSCode(ctx context.Context, phoneIndex []byte, now time.Time, maxAttempts int) (SMSCode, error)
	// ConsumeSMSCode deletes the code if it is still the one given; false if
	// another request consumed it first.
	ConsumeSMSCode(ctx context.Context, phoneIndex, codeMAC []byte) (bool, error)

	CreateSession(ctx context.Context, s Session) error
	SessionByTokenHash(ctx context.Context, hash []byte) (Session, error)
	// SessionWithPerson reads a session and the person it belongs to
	// together; ErrNotFound if either is missing.
	SessionWithPerson(ctx context.Context, hash []byte) (Session, PersonRecord, error)
	DeleteSession(ctx context.Context, hash []byte) error
	// ConfirmSession sets the session's ConfirmedAt; ErrNotFound if none.
	ConfirmSession(ctx context.Context, hash []byte, at time.Time) error
}

// SMSSender delivers a text message. In demo mode it is the sandbox outbox;
// in production, the agency's SMS gateway.
type SMSSender interface {
	SendSMS(ctx context.Context, phone, text string) error
}

// SMSCode is a one-time login code as stored: only its MAC, never the digits.
type SMSCode struct {
	PhoneIndex []byte
	CodeMAC    []byte
	SentAt     time.Time
	ExpiresAt  time.Time
	Attempts   int
}

// Session is a signed-in person's session as stored: the token itself is
// only ever in the person's cookie or Authorization header.
type Session struct {
	TokenHash []byte
	PersonID  string
	Method    string
	CreatedAt time.Time
	ExpiresAt time.Time
	// ConfirmedAt is when the person last confirmed a sensitive step with a
	// second factor in this session (zero: never); see Confirm.
	ConfirmedAt time.Time
}

// Tunables with the reasons for their values.
const (
	smsCodeTTL        = 5 * time.Minute // common practice for government SMS codes
	smsResendAfter    = 60 * time.Second
	smsMaxAttempts    = 5 // then the person must ask for a new code
	defaultSessionTTL = 30 * time.Minute
)

// Service authenticates people and manages their sessions.
type Service struct {
	store      Store
	grants     GrantStore
	pins       PINStore
	face       FaceProvider
	faces      FaceStore
	sealer     *pii.Sealer
	sms        SMSSender
	wechat     WeChatLogin
	national   NationalLogin
	now        func() time.Time
	random     io.Reader
	log        *slog.Logger
	sessionTTL time.Duration
}

// Deps are what the Service needs; all are required.
type Deps struct {
	Store Store
	// Grants stores family proxy grants; optional (nil: no proxy payment).
	Grants GrantStore
	// PINs stores e-card passwords; optional (nil: no e-card login).
	PINs PINStore
	// Face is the face-liveness provider and Faces its sessions; optional.
	Face   FaceProvider
	Faces  FaceStore
	Sealer *pii.Sealer
	SMS    SMSSender
	// WeChat exchanges WeChat login codes; optional (nil: no WeChat sign-in).
	WeChat WeChatLogin
	// National is the national government-service login's client;
	// optional (nil: not offered).
	National NationalLogin
	Now      func() time.Time
	Random   io.Reader
	Log      *slog.Logger
}

// NewService wires an identity service.
func NewService(d Deps) *Service {
	return &Service{store: d.Store, grants: d.Grants, pins: d.PINs, face: d.Face, faces: d.Faces, sealer: d.Sealer, sms: d.SMS, wechat: d.WeChat, national: d.National, now: d.Now, random: d.Random, log: d.Log, sessionTTL: defaultSessionTTL}
}

// SendSMSCode issues a 6-digit login code to phone. It answers the same way
// whether or not the phone belongs to an insured person, so the endpoint
// cannot be used to find out who is insured.
func (s *Service) SendSMSCode(ctx context.Context, phone string) error {
	if err := ValidatePhone(phone); err != nil {
		return err
	}
	idx := s.sealer.Index(pii.FieldPhone, phone)
	now := s.now()
	if prev, err := s.store.SMSCodeFor(ctx, idx); err == nil && now.Sub(prev.SentAt) < smsResendAfter {
		wait := int((smsResendAfter - now.Sub(prev.SentAt)).Seconds()) + 1
		e := apperr.New(apperr.RateLimited, "sms_too_soon",
			fmt.Sprintf("验证码已发送，请%d秒后再重新获取。", wait),
			fmt.Sprintf("A code was just sent. You can ask for a new one in %d seconds.", wait))
		return e.WithField("phone")
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("identity: read sms code: %w", err)
	}
	code, err := randomDigits(s.random, 6)
	if err != nil {
		return err
	}
	rec := SMSCode{PhoneIndex: idx, CodeMAC: s.sealer.MAC("sms", phone, code), SentAt: now, ExpiresAt: now.Add(smsCodeTTL)}
	if err := s.store.PutSMSCode(ctx, rec); err != nil {
		return fmt.Errorf("identity: store sms code: %w", err)
	}
	text := fmt.Sprintf("【社保缴费】您的验证码为%s，5分钟内有效。请勿将验证码告诉他人。", code)
	if err := s.sms.SendSMS(ctx, phone, text); err != nil {
		return apperr.New(apperr.Unavailable, "sms_unavailable",
			"短信发送失败，请稍后再试，或改用电子社保卡密码登录。",
			"The text message could not be sent. Try again later, or sign in with your e-social-security-card password.").Wrap(err)
	}
	s.log.InfoContext(ctx, "sms code sent", "phone", pii.MaskPhone(phone))
	return nil
}

var errBadCode = apperr.New(apperr.Unauthorized, "sms_code_invalid",
	"验证码不正确或已过期，请重新获取验证码。",
	"The code is wrong or has expired. Ask for a new code.").WithField("code")

// LoginSMS checks the code sent to phone and opens a session for the person
// insured under that phone. It returns the bearer token to give the client.
func (s *Service) LoginSMS(ctx context.Context, phone, code string) (string, *Person, error) {
	if err := s.checkSMS(ctx, phone, code); err != nil {
		return "", nil, err
	}
	pr, err := s.personByIndexes(ctx, pii.FieldPhone, phone, s.store.PersonByPhoneIndex)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil, apperr.New(apperr.NotFound, "person_not_found",
			"该手机号未关联参保信息。请先到社保经办机构或电子社保卡完成参保登记，或拨打12333咨询。",
			"No insured record is linked to this phone number. Register at a social insurance office or through the e-social-security card first, or call 12333.").WithField("phone")
	} else if err != nil {
		return "", nil, fmt.Errorf("identity: person by phone: %w", err)
	}
	p, err := s.open(pr)
	if err != nil {
		return "", nil, err
	}
	token, err := s.newSession(ctx, p.ID, "sms")
	if err != nil {
		return "", nil, err
	}
	s.log.InfoContext(ctx, "signed in", "person", p.ID, "method", "sms")
	return token, p, nil
}

// checkSMS verifies and uses up the code sent to phone: attempts are
// counted atomically and a code works once.
func (s *Service) checkSMS(ctx context.Context, phone, code string) error {
	if err := ValidatePhone(phone); err != nil {
		return err
	}
	if len(code) != 6 {
		return errBadCode
	}
	idx := s.sealer.Index(pii.FieldPhone, phone)
	rec, err := s.store.AttemptSMSCode(ctx, idx, s.now(), smsMaxAttempts)
	if errors.Is(err, store.ErrNotFound) {
		return errBadCode
	} else if err != nil {
		return fmt.Errorf("identity: attempt sms code: %w", err)
	}
	mac := s.sealer.MAC("sms", phone, code)
	if subtle.ConstantTimeCompare(mac, rec.CodeMAC) != 1 {
		return errBadCode
	}
	if ok, err := s.store.ConsumeSMSCode(ctx, idx, mac); err != nil {
		return fmt.Errorf("identity: consume sms code: %w", err)
	} else if !ok {
		return errBadCode
	}
	return nil
}

func (s *Service) newSession(ctx context.Context, personID, method string) (string, error) {
	raw := make([]byte, 32)
	if _, err := io.ReadFull(s.random, raw); err != nil {
		return "", fmt.Errorf("identity: session token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	now := s.now()
	sess := Session{TokenHash: TokenHash(token), PersonID: personID, Method: method, CreatedAt: now, ExpiresAt: now.Add(s.sessionTTL)}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return "", fmt.Errorf("identity: create session: %w", err)
	}
	return token, nil
}

// TokenHash is how a session token is stored and looked up: SM3 of the token,
// so a copy of the database does not yield usable tokens.
func TokenHash(token string) []byte {
	h := sm3.Sum([]byte(token))
	return h[:]
}

// ErrNoSession is returned for a missing, unknown or expired session.
var ErrNoSession = apperr.New(apperr.Unauthorized, "unauthenticated",
	"登录已失效，请重新登录。", "You are not signed in or your session has ended. Please sign in again.")

// Authenticate resolves a bearer token to its live session.
func (s *Service) Authenticate(ctx context.Context, token string) (*Session, error) {
	if token == "" {
		return nil, ErrNoSession
	}
	return s.live(s.store.SessionByTokenHash(ctx, TokenHash(token)))
}

// AuthenticatePerson resolves a bearer token to its live session and opens
// the person signed in, reading both at once: what every signed-in request
// needs first.
func (s *Service) AuthenticatePerson(ctx context.Context, token string) (*Session, *Person, error) {
	if token == "" {
		return nil, nil, ErrNoSession
	}
	found, pr, err := s.store.SessionWithPerson(ctx, TokenHash(token))
	sess, err := s.live(found, err)
	if err != nil {
		return nil, nil, err
	}
	p, err := s.open(pr)
	if err != nil {
		return nil, nil, fmt.Errorf("identity: person %s: %w", pr.ID, err)
	}
	return sess, p, nil
}

// live is the session a token's lookup found, if it has not ended: an
// unknown or ended one is ErrNoSession.
func (s *Service) live(sess Session, err error) (*Session, error) {
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNoSession
	} else if err != nil {
		return nil, fmt.Errorf("identity: session: %w", err)
	}
	if !s.now().Before(sess.ExpiresAt) {
		return nil, ErrNoSession
	}
	return &sess, nil
}

// Logout ends the session holding token; ending an ended session is not an error.
func (s *Service) Logout(ctx context.Context, token string) error {
	if err := s.store.DeleteSession(ctx, TokenHash(token)); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("identity: logout: %w", err)
	}
	return nil
}

// Person loads and opens a person.
func (s *Service) Person(ctx context.Context, id string) (*Person, error) {
	pr, err := s.store.PersonByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("identity: person %s: %w", id, err)
	}
	return s.open(pr)
}

// Enrolments lists the insurance types the person is insured for.
func (s *Service) Enrolments(ctx context.Context, personID string) ([]Enrolment, error) {
	return s.store.Enrolments(ctx, personID)
}

func (s *Service) open(pr PersonRecord) (*Person, error) {
	name, err1 := s.sealer.Open(pii.FieldName, pr.NameSealed)
	id, err2 := s.sealer.Open(pii.FieldIDNumber, pr.IDSealed)
	phone, err3 := s.sealer.Open(pii.FieldPhone, pr.PhoneSealed)
	if err := errors.Join(err1, err2, err3); err != nil {
		// Fail closed: a record we cannot open is never shown half-filled.
		return nil, fmt.Errorf("identity: open person %s: %w", pr.ID, err)
	}
	return &Person{
		ID: pr.ID, Region: pr.Region, Type: pr.Type, Name: name, IDNumber: id, Phone: phone,
		NameMasked: pr.NameMasked, IDMasked: pr.IDMasked, PhoneMasked: pr.PhoneMasked,
		OpenID: pr.OpenID, MiniOpenID: pr.MiniOpenID, CreatedAt: pr.CreatedAt,
	}, nil
}

func randomDigits(r io.Reader, n int) (string, error) {
	out := make([]byte, n)
	buf := make([]byte, 1)
	for i := 0; i < n; {
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", fmt.Errorf("identity: random: %w", err)
		}
		if buf[0] >= 250 { // reject to keep digits uniform (250 = 25 × 10)
			continue
		}
		out[i] = '0' + buf[0]%10
		i++
	}
	return string(out), nil
}
