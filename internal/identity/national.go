package identity

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/store"
)

// MethodNationalLogin is the national government-service platform's unified
// login (国家政务服务平台统一身份认证), an OpenID Connect provider: the
// platform has already verified the person's real name, so its answer is a
// real-name sign-in like the SMS code.
const MethodNationalLogin = "national_login"

// NationalIdentity is what the national login asserts about a person, read
// from an ID token whose signature, issuer, audience, expiry and nonce the
// NationalLogin has verified.
type NationalIdentity struct {
	Subject   string // the platform's id for the person; never shown or logged
	Name      string
	DocType   DocumentType
	DocNumber string
}

// NationalLogin is the client of the national login: it builds the
// authorisation URL and turns the code the platform sends back into a
// verified identity. The PKCE verifier and the nonce come from the flow
// state, so the client itself keeps nothing between the two calls.
type NationalLogin interface {
	// RedirectAllowed tells whether a redirect URI is one registered with
	// the platform (the web callback, and any an app registered).
	RedirectAllowed(uri string) bool
	AuthorizeURL(ctx context.Context, redirectURI, state, nonce, verifier string) (string, error)
	Exchange(ctx context.Context, redirectURI, code, verifier, nonce string) (NationalIdentity, error)
}

// ErrNationalCode is a code the platform refused (wrong, expired, used) or
// an ID token that did not verify: start again.
var ErrNationalCode = apperr.New(apperr.Unauthorized, "national_login_failed",
	"国家政务服务平台的登录结果无效或已过期，请重新登录。",
	"The national government-service login did not complete (the answer was invalid, expired or already used): sign in again.").WithField("code")

// Flow states. A state is "nl1.<kind>.<expiry unix>.<random>.<mac>": the
// MAC covers the kind, expiry, random part and the redirect URI, so a state
// cannot be forged, stretched or replayed with another redirect URI. The
// PKCE verifier and the nonce are derived from it under the index key, so
// nothing is stored between the redirect and the answer and a state seen in
// a URL does not yield the verifier.
const (
	nationalFlowTTL = 10 * time.Minute // enough to sign in at the platform, even slowly
	// FlowWeb is a flow started by a page: the state is also held in a
	// cookie, which binds the answer to the browser that asked (no login
	// CSRF). FlowAPI is started by an app through the API, which keeps the
	// state itself and posts it back with the code.
	FlowWeb = "w"
	FlowAPI = "a"
)

var errNationalState = apperr.New(apperr.Invalid, "national_login_state_invalid",
	"登录请求已过期或不是从本服务发起的，请重新选择“国家政务服务平台统一认证”。",
	"This sign-in was not started here or has expired: choose the national government-service login again.").WithField("state")

var errNationalOff = apperr.New(apperr.Invalid, "auth_method_unsupported",
	"本服务未开通国家政务服务平台统一认证，请使用短信验证码或电子社保卡密码登录。",
	"The national government-service login is not configured here; sign in with an SMS code or the e-card password.").WithField("method")

// NationalOffered tells whether the national login is configured.
func (s *Service) NationalOffered() bool { return s.national != nil }

// StartNational begins a national login: the platform's authorisation URL
// to send the person to, and the state the answer must come back with.
func (s *Service) StartNational(ctx context.Context, kind, redirectURI string) (authURL, state string, err error) {
	if s.national == nil {
		return "", "", errNationalOff
	}
	if kind != FlowWeb && kind != FlowAPI {
		return "", "", fmt.Errorf("identity: national login flow kind %q", kind)
	}
	if !s.national.RedirectAllowed(redirectURI) {
		return "", "", apperr.New(apperr.Invalid, "redirect_uri_not_registered",
			"该回调地址未在国家政务服务平台登记，请使用已登记的地址（默认为本服务的回调页）。",
			"This redirect_uri is not registered with the national platform: use a registered one (by default, this service's callback page).").WithField("redirect_uri")
	}
	raw := make([]byte, 18)
	if _, err := io.ReadFull(s.random, raw); err != nil {
		return "", "", fmt.Errorf("identity: national login state: %w", err)
	}
	exp := strconv.FormatInt(s.now().Add(nationalFlowTTL).Unix(), 10)
	b64 := base64.RawURLEncoding
	r := b64.EncodeToString(raw)
	state = "nl1." + kind + "." + exp + "." + r + "." + b64.EncodeToString(s.sealer.MAC("national-state", kind, exp, r, redirectURI))
	nonce, verifier := s.nationalSecrets(state)
	authURL, err = s.national.AuthorizeURL(ctx, redirectURI, state, nonce, verifier)
	if err != nil {
		return "", "", nationalUnavailable(err)
	}
	return authURL, state, nil
}

// nationalSecrets derives the nonce and the PKCE verifier (RFC 7636: 43
// characters of base64url) from a state.
func (s *Service) nationalSecrets(state string) (nonce, verifier string) {
	b64 := base64.RawURLEncoding
	return b64.EncodeToString(s.sealer.MAC("national-nonce", state)), b64.EncodeToString(s.sealer.MAC("national-pkce", state))
}

// checkNationalState verifies a state's MAC, kind and expiry.
func (s *Service) checkNationalState(state, kind, redirectURI string) error {
	parts := strings.Split(state, ".")
	if len(parts) != 5 || parts[0] != "nl1" || parts[1] != kind {
		return errNationalState
	}
	mac, err1 := base64.RawURLEncoding.DecodeString(parts[4])
	exp, err2 := strconv.ParseInt(parts[2], 10, 64)
	if errors.Join(err1, err2) != nil {
		return errNationalState
	}
	want := s.sealer.MAC("national-state", parts[1], parts[2], parts[3], redirectURI)
	if subtle.ConstantTimeCompare(mac, want) != 1 || !s.now().Before(time.Unix(exp, 0)) {
		return errNationalState
	}
	return nil
}

// LoginNational finishes a national login: it checks the state, has the
// code exchanged and the ID token verified, and finds the insured person by
// the document the platform vouches for. The name must match the register
// too: a platform and a register that disagree are a case for the counter,
// not a guess.
func (s *Service) LoginNational(ctx context.Context, kind, redirectURI, state, code string) (string, *Person, error) {
	if s.national == nil {
		return "", nil, errNationalOff
	}
	if err := s.checkNationalState(state, kind, redirectURI); err != nil {
		return "", nil, err
	}
	if code == "" || len(code) > 2048 {
		return "", nil, ErrNationalCode
	}
	nonce, verifier := s.nationalSecrets(state)
	who, err := s.national.Exchange(ctx, redirectURI, code, verifier, nonce)
	if err != nil {
		if e, ok := apperr.As(err); ok && e.Code == ErrNationalCode.Code {
			return "", nil, e
		}
		return "", nil, nationalUnavailable(err)
	}
	p, err := s.nationalPerson(ctx, who)
	if err != nil {
		return "", nil, err
	}
	token, err := s.newSession(ctx, p.ID, MethodNationalLogin)
	if err != nil {
		return "", nil, err
	}
	s.log.InfoContext(ctx, "signed in", "person", p.ID, "method", MethodNationalLogin)
	return token, p, nil
}

// nationalPerson finds the insured person an asserted identity names.
func (s *Service) nationalPerson(ctx context.Context, who NationalIdentity) (*Person, error) {
	doc, problem := ValidateDocument(who.DocType, who.DocNumber)
	if problem != nil {
		// The platform vouched for a number we cannot read: say so rather
		// than match loosely. The number itself is never logged.
		s.log.WarnContext(ctx, "national login: unusable document claim", "type", string(who.DocType), "reason", problem.Reason)
		return nil, apperr.New(apperr.Refused, "national_login_document",
			"国家政务服务平台提供的证件信息无法识别，请改用短信验证码登录，或携带证件到经办机构办理。",
			"The national platform's document details could not be read: sign in with an SMS code instead, or visit the agency with your document.")
	}
	rec, err := s.personByIDNumber(ctx, doc.Number)
	if errors.Is(err, store.ErrNotFound) {
		return nil, apperr.New(apperr.NotFound, "national_login_not_insured",
			"国家政务服务平台已确认您的身份，但本服务没有您在本地区的参保登记。请先在参保地经办机构办理参保登记，或拨打 12333 咨询。",
			"The national platform confirmed who you are, but you have no insured record in this region: register with the local agency first, or call 12333.")
	} else if err != nil {
		return nil, fmt.Errorf("identity: person by document: %w", err)
	}
	p, err := s.open(rec)
	if err != nil {
		return nil, err
	}
	if normaliseName(p.Name) != normaliseName(who.Name) {
		s.log.WarnContext(ctx, "national login: name differs from the register", "person", p.ID)
		return nil, apperr.New(apperr.Refused, "national_login_name_mismatch",
			"国家政务服务平台登记的姓名与参保登记不一致，无法在线登录。请携带身份证件到经办机构核对信息，或改用短信验证码登录。",
			"The name the national platform holds differs from your insured record, so you cannot sign in this way: visit the agency with your ID to correct it, or sign in with an SMS code.")
	}
	return p, nil
}

// normaliseName ignores spacing and the middle-dot variants used in
// transliterated names (·, •, ・), which registers write differently.
func normaliseName(n string) string {
	r := strings.NewReplacer(" ", "", "\u3000", "", "•", "·", "・", "·", ".", "·")
	return r.Replace(strings.TrimSpace(n))
}

func nationalUnavailable(err error) error {
	return apperr.New(apperr.Unavailable, "national_login_unavailable",
		"暂时无法连接国家政务服务平台，请稍后再试，或使用短信验证码、电子社保卡密码登录。",
		"The national government-service platform cannot be reached just now. Try again later, or sign in with an SMS code or the e-card password.").Wrap(err)
}
