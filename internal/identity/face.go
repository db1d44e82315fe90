package identity

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/store"
)

// FaceProvider is a face-liveness service (real ones are external: the
// card-issuing agency's or a certified vendor's). Start opens a check for a
// person and returns where they do it; Result tells how it went.
type FaceProvider interface {
	Start(ctx context.Context, idNumber, name, returnURL string) (ref, url string, err error)
	Result(ctx context.Context, ref string) (FaceOutcome, error)
}

// FaceOutcome of a liveness check.
type FaceOutcome string

// Outcomes.
const (
	FacePending FaceOutcome = "pending"
	FacePassed  FaceOutcome = "passed"
	FaceFailed  FaceOutcome = "failed"
	FaceTimeout FaceOutcome = "timeout"
)

// FaceStore keeps the liveness checks we started, so that a result is only
// ever used once and only for the person it was started for.
type FaceStore interface {
	InsertFaceSession(ctx context.Context, id, personID, ref string, at time.Time) error
	// FaceSession returns an unused session's person and provider ref;
	// store.ErrNotFound if unknown or already used.
	FaceSession(ctx context.Context, id string) (personID, ref string, createdAt time.Time, err error)
	// UseFaceSession marks it used; false if another request used it first.
	UseFaceSession(ctx context.Context, id string) (bool, error)
}

const faceSessionTTL = 10 * time.Minute

// fallback is what a failed face check offers instead (seed §5).
func faceFallback(code, zh, en string, kind apperr.Kind) error {
	e := apperr.New(kind, code, zh+"您可以改用电子社保卡密码登录。", en+" You can sign in with your e-social-security-card password instead.")
	e.Allowed = []string{"ecard_password", "sms"}
	return e
}

// StartFace begins a liveness check for the person with this ID number.
func (s *Service) StartFace(ctx context.Context, idNumber, returnURL string) (id, url string, err error) {
	if s.face == nil {
		return "", "", apperr.New(apperr.Invalid, "face_unavailable", "本地区未开通人脸识别。", "Face recognition is not offered here.")
	}
	num, err := ValidateIDNumber(idNumber)
	if err != nil {
		return "", "", err
	}
	rec, err := s.personByIDNumber(ctx, num)
	if errors.Is(err, store.ErrNotFound) {
		return "", "", apperr.New(apperr.NotFound, "person_not_found", "未找到以该证件参保的人员。", "No insured person has this ID number.").WithField("id_number")
	} else if err != nil {
		return "", "", err
	}
	p, err := s.open(rec)
	if err != nil {
		return "", "", err
	}
	return s.startFaceFor(ctx, p, returnURL)
}

// startFaceFor opens a liveness check of p.
func (s *Service) startFaceFor(ctx context.Context, p *Person, returnURL string) (id, url string, err error) {
	ref, url, err := s.face.Start(ctx, p.IDNumber, p.Name, returnURL)
	if err != nil {
		return "", "", faceFallback("face_unavailable", "人脸识别服务暂时不可用。", "Face recognition is unavailable right now.", apperr.Unavailable)
	}
	code, err := randomDigits(s.random, 20)
	if err != nil {
		return "", "", err
	}
	id = "fs_" + code
	if err := s.faces.InsertFaceSession(ctx, id, p.ID, ref, s.now()); err != nil {
		return "", "", fmt.Errorf("identity: face session: %w", err)
	}
	return id, url, nil
}

// LoginFace signs in with a passed liveness check. A failed or timed-out
// check offers the e-card password instead.
func (s *Service) LoginFace(ctx context.Context, sessionID string) (string, *Person, error) {
	personID, err := s.passedFace(ctx, sessionID)
	if err != nil {
		return "", nil, err
	}
	p, err := s.Person(ctx, personID)
	if err != nil {
		return "", nil, err
	}
	token, err := s.newSession(ctx, p.ID, "face")
	return token, p, err
}

// passedFace returns whose liveness check a session was, once it passed;
// the check is then used up.
func (s *Service) passedFace(ctx context.Context, sessionID string) (string, error) {
	if s.face == nil {
		return "", apperr.New(apperr.Invalid, "face_unavailable", "本地区未开通人脸识别。", "Face recognition is not offered here.")
	}
	personID, ref, created, err := s.faces.FaceSession(ctx, sessionID)
	if errors.Is(err, store.ErrNotFound) {
		return "", apperr.New(apperr.Unauthorized, "face_session_invalid", "人脸识别会话无效或已使用，请重新开始。",
			"This face check is unknown or was already used; start again.").WithField("session_id")
	} else if err != nil {
		return "", err
	}
	if s.now().Sub(created) > faceSessionTTL {
		return "", faceFallback("face_timeout", "人脸识别已超时。", "The face check timed out.", apperr.Unauthorized)
	}
	out, err := s.face.Result(ctx, ref)
	switch {
	case err != nil:
		s.log.WarnContext(ctx, "face result", "err", err)
		return "", faceFallback("face_unavailable", "人脸识别服务暂时不可用。", "Face recognition is unavailable right now.", apperr.Unavailable)
	case out == FaceTimeout:
		return "", faceFallback("face_timeout", "人脸识别超时。", "The face check timed out.", apperr.Unauthorized)
	case out == FaceFailed:
		return "", faceFallback("face_failed", "人脸识别未通过。", "The face check did not pass.", apperr.Unauthorized)
	case out != FacePassed:
		return "", apperr.New(apperr.Conflict, "face_pending", "尚未完成人脸识别，请按提示完成后再试。", "The face check is not finished yet.")
	}
	// A passed check signs in once.
	if ok, err := s.faces.UseFaceSession(ctx, sessionID); err != nil {
		return "", err
	} else if !ok {
		return "", apperr.New(apperr.Unauthorized, "face_session_invalid", "人脸识别会话无效或已使用，请重新开始。",
			"This face check is unknown or was already used; start again.").WithField("session_id")
	}
	return personID, nil
}
