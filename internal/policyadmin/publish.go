package policyadmin

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/operator"
	"github.com/shebao-project/shebao/internal/policy"
)

// PublishRequest publishes a pack an operator previewed.
type PublishRequest struct {
	By      string // the operator's login name, as in the audit log
	YAML    []byte
	Reason  string
	Version int64 // Preview.Version of the preview the operator saw
}

// Publish stores the pack and puts it in force, after checking it again
// as Preview does. It is recorded in the operator audit log before it is
// stored (a failure is recorded too). The effective date is the pack's
// effective_from; see the package comment for which dates are accepted.
func (s *Service) Publish(ctx context.Context, r PublishRequest) (Pack, error) {
	reason, err := checkReason(r.Reason)
	if err != nil {
		return Pack{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.check(ctx, r.YAML)
	if err != nil {
		return Pack{}, err
	}
	if c.version != r.Version {
		return Pack{}, errStale
	}
	if len(c.problems) > 0 {
		return Pack{}, invalid(c.problems)
	}
	p := Pack{Region: c.region, EffectiveFrom: c.from.String(), YAML: string(r.YAML), Status: StatusPublished,
		PublishedBy: r.By, PublishedAt: s.d.Now().UTC(), Reason: reason}
	p.SHA256, p.SM3 = digests(r.YAML)
	err = s.act(ctx, r.By, "policy.publish", p.Policy(), reason, "sha256 "+p.SHA256+" sm3 "+p.SM3, func() error {
		stored, err := s.d.Store.Insert(ctx, p, c.version)
		if err != nil {
			return conflictOr(err, fmt.Errorf("policyadmin: storing %s: %w", p.Policy(), err))
		}
		p = stored
		return nil
	})
	if err != nil {
		return Pack{}, err
	}
	s.swap(ctx, append(c.packs, p))
	return p, nil
}

// RollBackRequest takes a published pack out of force.
type RollBackRequest struct {
	By     string
	ID     int64
	Reason string
}

// RollBack takes a published pack out of force: the window it corrected,
// or the open window it followed, is in force again. It is refused for a
// pack whose window has ended and when the remaining set would not load.
func (s *Service) RollBack(ctx context.Context, r RollBackRequest) (Pack, error) {
	reason, err := checkReason(r.Reason)
	if err != nil {
		return Pack{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	packs, err := s.d.Store.Packs(ctx)
	if err != nil {
		return Pack{}, fmt.Errorf("policyadmin: reading published packs: %w", err)
	}
	i := indexOf(packs, r.ID)
	switch {
	case i < 0:
		return Pack{}, errPackNotFound
	case packs[i].Status == StatusRolledBack:
		return Pack{}, errRolledBack
	}
	if err := s.checkEnded(packs, packs[i]); err != nil {
		return Pack{}, err
	}
	rest := append([]Pack(nil), packs...)
	rest[i].Status, rest[i].RolledBackBy, rest[i].RolledBackAt, rest[i].RollbackReason = StatusRolledBack, r.By, s.d.Now().UTC(), reason
	if _, err := s.build(live(rest)); err != nil {
		if ps := problemsOf(err); ps != nil {
			return Pack{}, rollbackInvalid(ps)
		}
		return Pack{}, fmt.Errorf("policyadmin: packs without %d: %w", r.ID, err)
	}
	target := "pack " + strconv.FormatInt(r.ID, 10) + " " + packs[i].Policy()
	err = s.act(ctx, r.By, "policy.rollback", target, reason, "sha256 "+packs[i].SHA256, func() error {
		rb := RollBack{ID: r.ID, By: r.By, At: rest[i].RolledBackAt, Reason: reason}
		if err := s.d.Store.RollBack(ctx, rb, version(packs)); err != nil {
			return conflictOr(err, notFoundOr(err, fmt.Errorf("policyadmin: rolling back %d: %w", r.ID, err)))
		}
		return nil
	})
	if err != nil {
		return Pack{}, err
	}
	s.swap(ctx, rest)
	return rest[i], nil
}

// checkEnded refuses to roll back a pack in force whose window ended before
// this month: those months were billed and paid under it.
func (s *Service) checkEnded(packs []Pack, p Pack) error {
	cur, err := s.build(live(packs))
	if err != nil {
		return fmt.Errorf("policyadmin: published packs do not load: %w", err)
	}
	for _, w := range cur.Windows(p.Region) {
		if w.File == p.File() && w.To != nil && w.To.Before(s.thisMonth()) {
			return errEnded
		}
	}
	return nil
}

// swap puts packs, just written, in force in this process. They loaded a
// moment ago as a candidate; should they not now, the next Refresh tries
// again from the database.
func (s *Service) swap(ctx context.Context, packs []Pack) {
	eng, err := s.build(live(packs))
	if err != nil {
		s.d.Log.ErrorContext(ctx, "policy packs: stored set does not load", "err", err)
		s.loaded = -1
		return
	}
	s.d.Engine.Replace(eng)
	s.loaded = version(packs)
}

// act records an action in the operator audit log, then does it; if the
// log cannot be written, nothing is done. A failure is recorded as well,
// as the console records its own actions.
func (s *Service) act(ctx context.Context, by, action, target, reason, detail string, do func() error) error {
	if err := s.d.Audit.Record(ctx, operator.Entry{Operator: by, Action: action, Target: target, Reason: reason, Detail: detail}); err != nil {
		return err
	}
	if err := do(); err != nil {
		code := "internal_error"
		if e, ok := apperr.As(err); ok {
			code = e.Code
		}
		if aerr := s.d.Audit.Record(ctx, operator.Entry{Operator: by, Action: action + ".failed", Target: target, Reason: reason, Detail: code}); aerr != nil {
			s.d.Log.ErrorContext(ctx, "policy audit", "action", action, "err", aerr)
		}
		return err
	}
	return nil
}

func checkReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if n := utf8.RuneCountInString(reason); n < 2 || n > 200 {
		return "", errReason
	}
	return reason, nil
}

func indexOf(packs []Pack, id int64) int {
	for i, p := range packs {
		if p.ID == id {
			return i
		}
	}
	return -1
}

func problemsOf(err error) []policy.Problem {
	var le *policy.LoadError
	if errors.As(err, &le) {
		return le.Problems
	}
	return nil
}
