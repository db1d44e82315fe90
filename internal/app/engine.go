package app

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/shebao-project/shebao/internal/audit"
	"github.com/shebao-project/shebao/internal/auditlog"
	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/console"
	"github.com/shebao-project/shebao/internal/evidence"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/notice"
	"github.com/shebao-project/shebao/internal/operator"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/policyadmin"
	"github.com/shebao-project/shebao/internal/store/postgres"
	"github.com/shebao-project/shebao/internal/store/sqlite"
	"github.com/shebao-project/shebao/internal/ticket"
)

// engine is what the app needs of a storage engine; *sqlite.DB and
// *postgres.DB both provide it (their method sets are kept equal by a test
// in store/postgres).
type engine interface {
	identity.Store
	identity.PINStore
	identity.FaceStore
	billing.Store
	billing.RunStore
	jobs.Store
	audit.Store
	auditlog.Reader
	CountPersons(ctx context.Context) (int, error)
	PersonIDs(ctx context.Context, after string, limit int) ([]string, error)
	Payments() payment.Store
	Credits() payment.CreditStore
	Grants() identity.GrantStore
	Deletions() identity.DeletionStore
	Evidence() evidence.Store
	OperatorStore() operator.Store
	TicketStore() ticket.Store
	Notices() notice.Store
	PolicyPacks() policyadmin.Store
	DisplayPrefs(ctx context.Context, personID string) (identity.DisplayPrefs, bool, error)
	SetDisplayPrefs(ctx context.Context, personID string, p identity.DisplayPrefs, at time.Time) error
	ConsoleStore() console.Store
	Ping(ctx context.Context) error
	Close() error
}

var (
	_ engine = (*sqlite.DB)(nil)
	_ engine = (*postgres.DB)(nil)
)

// isPostgres reports whether a --db URL names PostgreSQL.
func isPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// openEngine opens the database the configuration names: PostgreSQL for a
// postgres:// URL, otherwise SQLite (sqlite:PATH, or DATA/shebao.db).
func openEngine(ctx context.Context, db, dataDir string) (engine, error) {
	// A failed Open must come back as a nil engine, not as an engine
	// holding a nil *DB, which the caller's Close would dereference.
	if isPostgres(db) {
		d, err := postgres.Open(ctx, db)
		if err != nil {
			return nil, err
		}
		return d, nil
	}
	path := filepath.Join(dataDir, "shebao.db")
	if p, ok := strings.CutPrefix(db, "sqlite:"); ok && p != "" {
		path = p
	} else if db != "" {
		return nil, fmt.Errorf("--db %q: want postgres://… or sqlite:PATH", db)
	}
	d, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	return d, nil
}
