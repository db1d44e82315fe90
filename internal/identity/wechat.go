package identity

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/store"
)

// WeChat sign-in methods: a page opened in WeChat's browser (official
// account web authorisation, snsapi_base) and the mini-program (wx.login).
const (
	MethodWeChatOAuth       = "wechat_oauth"
	MethodWeChatMiniProgram = "wechat_miniprogram"
)

// The WeChat apps a person reaches us through. Each has its own app id, so
// WeChat gives the same person a different openid in each.
const (
	AppOfficialAccount = "official_account"
	AppMiniProgram     = "miniprogram"
)

// AppOf is the WeChat app a sign-in method goes through ("" for none).
func AppOf(method string) string {
	switch method {
	case MethodWeChatOAuth:
		return AppOfficialAccount
	case MethodWeChatMiniProgram:
		return AppMiniProgram
	}
	return ""
}

// OpenIDFor is the person's openid in a WeChat app.
func (p *Person) OpenIDFor(app string) string {
	if app == AppMiniProgram {
		return p.MiniOpenID
	}
	return p.OpenID
}

// WeChatLogin turns the one-time codes WeChat hands a page or a
// mini-program into the person's openid for our app id. Codes that are
// wrong, expired or used come back as ErrWeChatCode.
type WeChatLogin interface {
	OpenIDForOAuthCode(ctx context.Context, code string) (string, error)
	OpenIDForJSCode(ctx context.Context, code string) (string, error)
}

// ErrWeChatCode is a login code WeChat refused (wrong, expired, used).
var ErrWeChatCode = apperr.New(apperr.Unauthorized, "wechat_code_invalid",
	"微信登录凭证无效或已使用，请重新进入页面或重新打开小程序。",
	"The WeChat login code is invalid, expired or already used: reopen the page or the mini-program to get a new one.").WithField("code")

// NotBoundError says a WeChat user is not yet linked to an insured person.
// Ticket lets the next real-name sign-in (SMS, e-card password, face) link
// them; it names the openid and expires after bindTicketTTL.
type NotBoundError struct {
	Face   *apperr.Error
	Ticket string
}

func (e *NotBoundError) Error() string { return e.Face.Error() }

// Unwrap lets errors.As find the apperr face for the response.
func (e *NotBoundError) Unwrap() error { return e.Face }

// bindTicketTTL is long enough to receive and type an SMS code.
const bindTicketTTL = 10 * time.Minute

// LoginWeChat signs in a WeChat user by the code from WeChat: a session when
// the openid is bound to a person, else a NotBoundError with a ticket for
// the real-name step. A WeChat session is enough for the record, bills and
// payment; steps that expose or change personal data ask for a real-name
// method again (StrongMethod).
func (s *Service) LoginWeChat(ctx context.Context, method, code string) (string, *Person, error) {
	if s.wechat == nil {
		return "", nil, apperr.New(apperr.Invalid, "auth_method_unsupported",
			"本服务未开通微信登录，请使用短信验证码登录。", "WeChat sign-in is not configured here; sign in with an SMS code.").WithField("method")
	}
	if code == "" || len(code) > 128 {
		return "", nil, ErrWeChatCode
	}
	var openID string
	var err error
	if method == MethodWeChatOAuth {
		openID, err = s.wechat.OpenIDForOAuthCode(ctx, code)
	} else {
		openID, err = s.wechat.OpenIDForJSCode(ctx, code)
	}
	if err != nil {
		if e, ok := apperr.As(err); ok && e.Code == ErrWeChatCode.Code {
			return "", nil, e
		}
		return "", nil, apperr.New(apperr.Unavailable, "wechat_unavailable",
			"暂时无法连接微信，请稍后再试，或使用短信验证码登录。",
			"WeChat cannot be reached just now. Try again later, or sign in with an SMS code.").Wrap(err)
	}
	app := AppOf(method)
	pr, err := s.store.PersonByOpenID(ctx, app, openID)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil, &NotBoundError{Face: errNotBound, Ticket: s.bindTicket(app, openID)}
	} else if err != nil {
		return "", nil, fmt.Errorf("identity: person by openid: %w", err)
	}
	p, err := s.open(pr)
	if err != nil {
		return "", nil, err
	}
	token, err := s.newSession(ctx, p.ID, method)
	if err != nil {
		return "", nil, err
	}
	s.log.InfoContext(ctx, "signed in", "person", p.ID, "method", method)
	return token, p, nil
}

var errNotBound = apperr.New(apperr.Forbidden, "wechat_not_bound",
	"首次使用微信登录，请先完成一次实名认证（短信验证码、电子社保卡密码或人脸识别），之后即可直接进入。",
	"First sign-in with WeChat: confirm who you are once (SMS code, e-card password or face check); after that WeChat alone will do.")

var errBadTicket = apperr.New(apperr.Invalid, "bind_ticket_invalid",
	"微信绑定已过期，请重新从微信进入后再认证。",
	"The WeChat link request has expired: open the service from WeChat again, then confirm who you are.").WithField("bind_ticket")

// bindTicket is "wxb2.<app>.<openid b64>.<expiry unix>.<mac b64>":
// stateless, so no table fills with abandoned first sign-ins, and
// unforgeable without the index key.
func (s *Service) bindTicket(app, openID string) string {
	exp := strconv.FormatInt(s.now().Add(bindTicketTTL).Unix(), 10)
	mac := s.sealer.MAC("wechat-bind", app, openID, exp)
	b64 := base64.RawURLEncoding
	return "wxb2." + app + "." + b64.EncodeToString([]byte(openID)) + "." + exp + "." + b64.EncodeToString(mac)
}

// CheckBindTicket returns the WeChat app and openid a ticket names, or an
// error saying it expired or is not ours. Callers check it before the
// real-name step, so a bad ticket does not use up an SMS code.
func (s *Service) CheckBindTicket(ticket string) (app, openID string, err error) {
	parts := strings.Split(ticket, ".")
	if len(parts) != 5 || parts[0] != "wxb2" || (parts[1] != AppOfficialAccount && parts[1] != AppMiniProgram) {
		return "", "", errBadTicket
	}
	b64 := base64.RawURLEncoding
	id, err1 := b64.DecodeString(parts[2])
	mac, err2 := b64.DecodeString(parts[4])
	exp, err3 := strconv.ParseInt(parts[3], 10, 64)
	if errors.Join(err1, err2, err3) != nil || len(id) == 0 {
		return "", "", errBadTicket
	}
	if subtle.ConstantTimeCompare(mac, s.sealer.MAC("wechat-bind", parts[1], string(id), parts[3])) != 1 || !s.now().Before(time.Unix(exp, 0)) {
		return "", "", errBadTicket
	}
	return parts[1], string(id), nil
}

// BindWeChat links the WeChat user a ticket names to p, who has just
// proved who they are. A WeChat user belongs to one person; a person who
// changes WeChat account moves the link. The change is audited.
func (s *Service) BindWeChat(ctx context.Context, ticket string, p *Person) error {
	app, openID, err := s.CheckBindTicket(ticket)
	if err != nil {
		return err
	}
	if other, err := s.store.PersonByOpenID(ctx, app, openID); err == nil && other.ID != p.ID {
		return apperr.New(apperr.Conflict, "wechat_bound_elsewhere",
			"该微信号已绑定其他参保人。如需为家人缴费，请使用“亲属代缴”。",
			"This WeChat account is already linked to another insured person. To pay for a family member, use proxy payment.")
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("identity: person by openid: %w", err)
	}
	if p.OpenIDFor(app) == openID {
		return nil
	}
	if s.grants == nil {
		return errors.New("identity: no audit log configured")
	}
	err = s.grants.InGrantTx(ctx, func(tx GrantTx) error {
		if err := tx.BindOpenID(ctx, p.ID, app, openID); err != nil {
			return err
		}
		return s.audit(ctx, tx, p.ID, "person.wechat_bind", p.ID, app)
	})
	if errors.Is(err, store.ErrConflict) {
		return apperr.New(apperr.Conflict, "wechat_bound_elsewhere",
			"该微信号已绑定其他参保人。", "This WeChat account is already linked to another insured person.")
	} else if err != nil {
		return fmt.Errorf("identity: bind wechat: %w", err)
	}
	if app == AppMiniProgram {
		p.MiniOpenID = openID
	} else {
		p.OpenID = openID
	}
	s.log.InfoContext(ctx, "wechat bound", "person", p.ID, "app", app)
	return nil
}

// StrongMethod tells whether a session's method proved who the person is
// on its own (a real-name check), as steps that expose or change personal
// data require; a WeChat session proves only the WeChat account.
func StrongMethod(method string) bool {
	return method != MethodWeChatOAuth && method != MethodWeChatMiniProgram
}

// ErrStepUp asks a WeChat-signed-in person to confirm who they are again.
var ErrStepUp = apperr.New(apperr.Forbidden, "step_up_required",
	"此操作涉及个人信息，请先用短信验证码、电子社保卡密码或人脸识别确认本人身份。",
	"This step involves your personal data: confirm who you are with an SMS code, e-card password or face check first.")
