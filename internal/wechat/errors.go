package wechat

import (
	"errors"
	"fmt"
)

// Errors the platform acts on. An *APIError with one of their codes
// unwraps to them, so both errors.Is(err, ErrNoConsent) and errors.As(err,
// &apiErr) work on what the client returns.
var (
	// ErrCodeInvalid: the OAuth or wx.login code is wrong, expired (five
	// minutes) or already used (40029, 40163). Start the login again.
	ErrCodeInvalid = errors.New("wechat: code invalid, expired or already used")
	// ErrCodeBlocked: WeChat refused a mini-program login for a user it
	// rates high-risk (40226, "code blocked").
	ErrCodeBlocked = errors.New("wechat: login blocked for a high-risk user")
	// ErrNoConsent: the user has no unused consent for the template (43101,
	// "user refuse to accept the msg"): each 允许 allows one message.
	ErrNoConsent = errors.New("wechat: user has not consented to this message")
	// ErrBadMessage: the template id or data was refused (40037 invalid
	// template_id, 47003 argument invalid). Retrying will not help.
	ErrBadMessage = errors.New("wechat: message refused as malformed")
)

// APIError is WeChat's {"errcode","errmsg"}. Msg may carry WeChat's request
// id ("rid: …"), which its support asks for.
type APIError struct {
	Code int
	Msg  string
}

func (e *APIError) Error() string { return fmt.Sprintf("errcode %d: %s", e.Code, e.Msg) }

// Unwrap maps the codes the platform acts on to their sentinel errors.
func (e *APIError) Unwrap() error {
	switch e.Code {
	case 40029, 40163:
		return ErrCodeInvalid
	case 40226:
		return ErrCodeBlocked
	case 43101:
		return ErrNoConsent
	case 40037, 47003:
		return ErrBadMessage
	}
	return nil
}

// tokenRejected reports whether err says the access token is no longer
// good: 40001 (invalid, or replaced by a newer one) or 42001 (expired).
func tokenRejected(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && (ae.Code == 40001 || ae.Code == 42001)
}
