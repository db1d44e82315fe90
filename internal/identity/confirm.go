package identity

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/store"
)

// A sensitive step (a payment above the review line, changing the phone
// number) asks for a second factor: proof by a means other than the one the
// session was opened with, given in the last few minutes. The e-card
// password is always one; an SMS code to the person's own phone is one
// unless the session was opened by SMS code.
const confirmWindow = 5 * time.Minute

// Confirmation methods, as the API names them.
const (
	ConfirmPIN  = "ecard_password"
	ConfirmSMS  = "sms"
	ConfirmFace = "face" // a liveness check of the signed-in person
)

// Confirmed reports whether the session's person confirmed with a second
// factor recently enough for a sensitive step.
func (s *Service) Confirmed(sess *Session) bool {
	return sess != nil && !sess.ConfirmedAt.IsZero() && s.now().Sub(sess.ConfirmedAt) <= confirmWindow
}

// ConfirmedUntil is when the session's confirmation lapses (zero: none).
func (s *Service) ConfirmedUntil(sess *Session) time.Time {
	if !s.Confirmed(sess) {
		return time.Time{}
	}
	return sess.ConfirmedAt.Add(confirmWindow)
}

// ConfirmMethods are the second factors the person can give in this session.
func (s *Service) ConfirmMethods(ctx context.Context, sess *Session, p *Person) ([]string, error) {
	var out []string
	if s.pins != nil {
		if _, err := s.pins.PINFor(ctx, p.ID); err == nil {
			out = append(out, ConfirmPIN)
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("identity: pin: %w", err)
		}
	}
	if sess.Method != "sms" {
		out = append(out, ConfirmSMS)
	}
	if s.face != nil && s.faces != nil {
		out = append(out, ConfirmFace)
	}
	return out, nil
}

// StartConfirmFace opens a liveness check of the signed-in person; confirm
// with method face and the session id once it is done.
func (s *Service) StartConfirmFace(ctx context.Context, p *Person, returnURL string) (id, url string, err error) {
	if s.face == nil || s.faces == nil {
		return "", "", apperr.New(apperr.Invalid, "face_unavailable", "本地区未开通人脸识别。", "Face recognition is not offered here.")
	}
	return s.startFaceFor(ctx, p, returnURL)
}

// ErrConfirm asks for a second factor before the step; Allowed lists the
// methods this person can use (empty: set an e-card password first).
func (s *Service) ErrConfirm(ctx context.Context, sess *Session, p *Person) error {
	methods, err := s.ConfirmMethods(ctx, sess, p)
	if err != nil {
		return err
	}
	if len(methods) == 0 {
		e := apperr.New(apperr.Forbidden, "second_factor_required",
			"此操作需要再次确认身份。您是用短信验证码登录的，请先设置电子社保卡密码，再用密码确认。",
			"This step needs a second confirmation. You signed in with an SMS code: set an e-card password first, then confirm with it.")
		e.Allowed = []string{}
		return e
	}
	e := apperr.New(apperr.Forbidden, "second_factor_required",
		"此操作需要再次确认身份：请用电子社保卡密码、人脸识别或发送到本人手机的验证码确认。",
		"This step needs a second confirmation: your e-card password, a face check, or a code sent to your own phone.")
	e.Allowed = methods
	return e
}

// SendConfirmCode texts a confirmation code to the person's own phone.
func (s *Service) SendConfirmCode(ctx context.Context, sess *Session, p *Person) error {
	if sess.Method == "sms" {
		return errSameFactor
	}
	return s.SendSMSCode(ctx, p.Phone)
}

var errSameFactor = apperr.New(apperr.Invalid, "second_factor_same",
	"您是用短信验证码登录的，再发一条短信不能作为第二种确认方式，请输入电子社保卡密码。",
	"You signed in with an SMS code, so another SMS code is not a second factor: enter your e-card password.").WithField("method")

// Confirm checks a second factor and records it on the session; it
// returns until when the confirmation holds.
func (s *Service) Confirm(ctx context.Context, sess *Session, p *Person, method, secret string) (time.Time, error) {
	methods, err := s.ConfirmMethods(ctx, sess, p)
	if err != nil {
		return time.Time{}, err
	}
	if method == ConfirmSMS && sess.Method == "sms" {
		return time.Time{}, errSameFactor
	}
	if !slices.Contains(methods, method) {
		e := apperr.New(apperr.Invalid, "second_factor_method",
			"请选择可用的确认方式。", "Choose one of the confirmation methods available to you.").WithField("method")
		e.Allowed = methods
		return time.Time{}, e
	}
	switch method {
	case ConfirmPIN:
		err = s.verifyPIN(ctx, p.ID, secret)
	case ConfirmSMS:
		err = s.checkSMS(ctx, p.Phone, secret)
	case ConfirmFace:
		var whose string
		if whose, err = s.passedFace(ctx, secret); err == nil && whose != p.ID {
			err = apperr.New(apperr.Invalid, "face_session_invalid", "这次人脸识别不是本人的，请重新开始。",
				"That face check was not of you; start again.").WithField("session_id")
		}
	}
	if e, ok := apperr.As(err); ok && e.Kind == apperr.Unauthorized {
		// A wrong password or code here is not a lost session: 400, so a
		// client does not sign the person out.
		wrong := *e
		wrong.Kind = apperr.Invalid
		return time.Time{}, &wrong
	} else if err != nil {
		return time.Time{}, err
	}
	now := s.now()
	if err := s.store.ConfirmSession(ctx, sess.TokenHash, now); err != nil {
		return time.Time{}, fmt.Errorf("identity: confirm session: %w", err)
	}
	sess.ConfirmedAt = now
	s.log.InfoContext(ctx, "second factor confirmed", "person", p.ID, "method", method)
	return now.Add(confirmWindow), nil
}
