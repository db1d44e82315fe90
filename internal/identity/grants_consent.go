package identity

import (
	"context"
	"crypto/subtle"
	"errors"
	"time"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/store"
)

var errGrantCode = apperr.New(apperr.Unauthorized, "grant_code_invalid",
	"确认码不正确或已过期，请让家属重新申请。", "The consent code is wrong or has expired; ask again.").WithField("code")

// ConsentGrant activates a pending grant with the code the grantor received
// and passed on to the proxy: the grantor's second factor for this binding.
func (s *Service) ConsentGrant(ctx context.Context, proxy *Person, grantID, code string) (*Grant, error) {
	return s.changeGrant(ctx, grantID, func(tx GrantTx, g *Grant) error {
		if g.ProxyID != proxy.ID {
			return errGrantNotFound
		}
		if g.Status != GrantPending {
			return nil
		}
		g.CodeAttempts++
		expired := s.now().Sub(g.CreatedAt) > grantCodeTTL || g.CodeAttempts > smsMaxAttempts
		if expired || subtle.ConstantTimeCompare(s.sealer.MAC("grant", g.ID, code), g.CodeMAC) != 1 {
			if err := tx.UpdateGrant(ctx, *g); err != nil {
				return err
			}
			return errRetryLater{errGrantCode}
		}
		s.activate(g)
		return s.audit(ctx, tx, proxy.ID, "grant.consent_by_code", g.ID, "")
	})
}

// ApproveGrant activates a pending grant from the grantor's own session.
func (s *Service) ApproveGrant(ctx context.Context, grantor *Person, grantID string) (*Grant, error) {
	return s.changeGrant(ctx, grantID, func(tx GrantTx, g *Grant) error {
		if g.GrantorID != grantor.ID {
			return errGrantNotFound
		}
		if g.Status != GrantPending {
			return nil
		}
		s.activate(g)
		return s.audit(ctx, tx, grantor.ID, "grant.approve", g.ID, "")
	})
}

// RevokeGrant ends a grant; either side may. Revoking twice is not an error.
func (s *Service) RevokeGrant(ctx context.Context, by *Person, grantID string) (*Grant, error) {
	return s.changeGrant(ctx, grantID, func(tx GrantTx, g *Grant) error {
		if g.GrantorID != by.ID && g.ProxyID != by.ID {
			return errGrantNotFound
		}
		if g.Status == GrantRevoked {
			return nil
		}
		g.Status, g.RevokedAt, g.RevokedBy, g.CodeMAC = GrantRevoked, s.now(), by.ID, nil
		if err := tx.UpdateGrant(ctx, *g); err != nil {
			return err
		}
		return s.audit(ctx, tx, by.ID, "grant.revoke", g.ID, "")
	})
}

func (s *Service) activate(g *Grant) {
	g.Status, g.ConsentedAt, g.CodeMAC = GrantActive, s.now(), nil
}

// errRetryLater carries an error out of a grant transaction that must still
// commit (a failed attempt is counted).
type errRetryLater struct{ err error }

func (e errRetryLater) Error() string { return e.err.Error() }

// changeGrant loads a grant in a transaction, lets fn change it, stores it
// (when fn did not) and returns the result.
func (s *Service) changeGrant(ctx context.Context, id string, fn func(GrantTx, *Grant) error) (*Grant, error) {
	var out Grant
	var keep error
	err := s.grants.InGrantTx(ctx, func(tx GrantTx) error {
		g, err := tx.GrantByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return errGrantNotFound
		} else if err != nil {
			return err
		}
		before := g.Status
		if err := fn(tx, &g); err != nil {
			var later errRetryLater
			if errors.As(err, &later) {
				keep = later.err
				return nil
			}
			return err
		}
		out = g
		if g.Status != before && g.Status == GrantActive {
			return tx.UpdateGrant(ctx, g)
		}
		return nil
	})
	if err == nil && keep != nil {
		return nil, keep
	}
	return &out, err
}

// ActiveGrant returns a grant the proxy may pay under now.
func (s *Service) ActiveGrant(ctx context.Context, grantID, proxyID string, at time.Time) (*Grant, error) {
	g, err := s.grants.GrantByID(ctx, grantID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && g.ProxyID != proxyID) {
		return nil, errGrantNotFound
	} else if err != nil {
		return nil, err
	}
	if g.Status != GrantActive || at.In(chinaTime).Format("2006-01") > g.Until {
		return nil, apperr.New(apperr.Forbidden, "grant_not_active", "该代缴授权未生效、已撤销或已过期。",
			"This proxy grant is not active: pending, revoked or past its last month.")
	}
	return &g, nil
}

// GrantsAsProxy lists the grants the person may pay under (all statuses).
func (s *Service) GrantsAsProxy(ctx context.Context, proxyID string) ([]Grant, error) {
	return s.grants.GrantsForProxy(ctx, proxyID)
}

// GrantsAsGrantor lists the grants others hold to pay for the person.
func (s *Service) GrantsAsGrantor(ctx context.Context, grantorID string) ([]Grant, error) {
	return s.grants.GrantsForGrantor(ctx, grantorID)
}

var chinaTime = time.FixedZone("CST", 8*3600)
