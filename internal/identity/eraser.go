package identity

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/shebao-project/shebao/internal/auditlog"
	"github.com/shebao-project/shebao/internal/store"
	"github.com/shebao-project/shebao/internal/voucher"
)

// DeletionStore is the storage deletion requests need.
type DeletionStore interface {
	// InDeletionTx runs fn in one write transaction: a deletion happens
	// completely or not at all.
	InDeletionTx(ctx context.Context, fn func(DeletionTx) error) error
	// LatestDeletion is the person's newest request; store.ErrNotFound
	// when they never asked.
	LatestDeletion(ctx context.Context, personID string) (DeletionRequest, error)
}

// DeletionTx is a deletion's transaction.
type DeletionTx interface {
	auditlog.Store
	// BlockingOrders lists the orders the person is insured by or pays
	// whose state is one of states.
	BlockingOrders(ctx context.Context, personID string, states []string) ([]OrderRef, error)
	// EraseOptionalData deletes (or empties) the person's data that only
	// serves the platform account, everything Erased counts except grants.
	EraseOptionalData(ctx context.Context, personID string) (Erased, error)
	GrantsForGrantor(ctx context.Context, grantorID string) ([]Grant, error)
	GrantsForProxy(ctx context.Context, proxyID string) ([]Grant, error)
	UpdateGrant(ctx context.Context, g Grant) error
	// LatestVoucherIssued is, per voucher kind, when the newest voucher of
	// an order the person is insured by or pays was issued.
	LatestVoucherIssued(ctx context.Context, personID string) (map[voucher.Kind]time.Time, error)
	InsertDeletionRequest(ctx context.Context, r DeletionRequest) error
}

// Eraser carries out deletion requests.
type Eraser struct {
	store  DeletionStore
	now    func() time.Time
	random io.Reader
	log    *slog.Logger
}

// EraserDeps are what an Eraser needs; all are required.
type EraserDeps struct {
	Store  DeletionStore
	Now    func() time.Time
	Random io.Reader
	Log    *slog.Logger
}

// NewEraser wires an Eraser.
func NewEraser(d EraserDeps) *Eraser {
	return &Eraser{store: d.Store, now: d.Now, random: d.Random, log: d.Log}
}

// Request deletes the person's optional data, revokes their family grants
// both ways, ends all their sessions (the caller's too: the person is
// signed out) and records the request, all in one transaction, audited as
// person.deletion. It refuses, deleting nothing, while an order of theirs is
// in progress. Asking again is safe: whatever was created since is deleted
// and a new request is recorded.
func (e *Eraser) Request(ctx context.Context, p *Person, confirmed bool) (*DeletionRequest, error) {
	if !confirmed {
		return nil, errDeletionUnconfirmed
	}
	digits, err := randomDigits(e.random, 16)
	if err != nil {
		return nil, err
	}
	req := DeletionRequest{ID: "del_" + digits, PersonID: p.ID, RequestedAt: e.now()}
	err = e.store.InDeletionTx(ctx, func(tx DeletionTx) error {
		open, err := tx.BlockingOrders(ctx, p.ID, blockingStates)
		if err != nil {
			return err
		}
		if len(open) > 0 {
			return errOrdersInProgress(open)
		}
		if req.Outcome.Deleted, err = tx.EraseOptionalData(ctx, p.ID); err != nil {
			return err
		}
		if req.Outcome.Deleted.GrantsRevoked, err = e.revokeGrants(ctx, tx, p.ID, req.RequestedAt); err != nil {
			return err
		}
		latest, err := tx.LatestVoucherIssued(ctx, p.ID)
		if err != nil {
			return err
		}
		req.Outcome.Kept = KeptAfterDeletion(req.RequestedAt, latest)
		if err := tx.InsertDeletionRequest(ctx, req); err != nil {
			return err
		}
		return auditlog.Append(ctx, tx, auditlog.Entry{At: req.RequestedAt, Actor: p.ID, Action: "person.deletion",
			Target: p.ID, Detail: req.ID + " " + req.Outcome.Deleted.Summary()})
	})
	if err != nil {
		return nil, fmt.Errorf("identity: deletion request: %w", err)
	}
	e.log.InfoContext(ctx, "deletion request", "person", p.ID, "request", req.ID)
	return &req, nil
}

// revokeGrants revokes every live grant the person gave or holds. The rows
// stay (they prove who could pay for whom); a revoked grant lets nobody pay,
// so the other side can no longer use it. Each is audited as grant.revoke.
func (e *Eraser) revokeGrants(ctx context.Context, tx DeletionTx, personID string, at time.Time) (int64, error) {
	given, err := tx.GrantsForGrantor(ctx, personID)
	if err != nil {
		return 0, err
	}
	held, err := tx.GrantsForProxy(ctx, personID)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, g := range append(given, held...) {
		if g.Status == GrantRevoked {
			continue
		}
		g.Status, g.RevokedAt, g.RevokedBy, g.CodeMAC = GrantRevoked, at, personID, nil
		if err := tx.UpdateGrant(ctx, g); err != nil {
			return 0, err
		}
		err := auditlog.Append(ctx, tx, auditlog.Entry{At: at, Actor: personID, Action: "grant.revoke", Target: g.ID, Detail: "deletion request"})
		if err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
}

// Latest is the person's newest deletion request: only ever their own, as
// the caller passes the signed-in person's id.
func (e *Eraser) Latest(ctx context.Context, personID string) (*DeletionRequest, error) {
	r, err := e.store.LatestDeletion(ctx, personID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoDeletion
	} else if err != nil {
		return nil, fmt.Errorf("identity: latest deletion: %w", err)
	}
	return &r, nil
}

// LatestOrNone is Latest for views that show a request when there is one
// (the console, the citizen page): nil without error when there is none.
func (e *Eraser) LatestOrNone(ctx context.Context, personID string) (*DeletionRequest, error) {
	r, err := e.Latest(ctx, personID)
	if errors.Is(err, errNoDeletion) {
		return nil, nil
	}
	return r, err
}
