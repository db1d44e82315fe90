// Package operator is the agency's staff (经办人员) as the platform knows
// them: accounts with a role, a password and a TOTP second factor, their
// sessions, and the append-only, hash-chained audit log of what they do.
package operator

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/pii"
)

// Role is what an operator is there to do; permissions follow from it.
type Role string

// The roles. Their names are stored and shown; do not rename.
const (
	Administrator Role = "administrator" // manages operators and settings; may do everything
	Reviewer      Role = "reviewer"      // decides holds, resolves reconciliation differences
	Support       Role = "support"       // answers tickets, maintains the FAQ
	Auditor       Role = "auditor"       // reads everything, changes nothing, sees the audit log
)

// Roles lists every role, most powerful first.
func Roles() []Role { return []Role{Administrator, Reviewer, Support, Auditor} }

// ParseRole checks a role name.
func ParseRole(s string) (Role, error) {
	if slices.Contains(Roles(), Role(s)) {
		return Role(s), nil
	}
	return "", apperr.New(apperr.Invalid, "role_invalid", "角色无效：应为 administrator、reviewer、support 或 auditor。",
		"Role must be administrator, reviewer, support or auditor.").WithField("role")
}

// Label is the role's Chinese name for the console.
func (r Role) Label() string {
	return map[Role]string{Administrator: "系统管理员", Reviewer: "审核员", Support: "客服", Auditor: "审计员"}[r]
}

// Permission is one thing the console lets an operator do.
type Permission string

// The permissions. Each console route names the one it needs.
const (
	ViewDashboard   Permission = "dashboard.view"
	ViewHolds       Permission = "holds.view"
	DecideHolds     Permission = "holds.decide"
	ViewOrders      Permission = "orders.view"
	UnmaskPII       Permission = "pii.unmask"
	ViewRefunds     Permission = "refunds.view"
	DecideRefunds   Permission = "refunds.decide"
	ViewRecon       Permission = "recon.view"
	ResolveRecon    Permission = "recon.resolve"
	ViewRetries     Permission = "retries.view"
	RunRetries      Permission = "retries.run"
	ViewTickets     Permission = "tickets.view"
	AnswerTickets   Permission = "tickets.answer"
	EditFAQ         Permission = "faq.edit"
	ExportData      Permission = "data.export"
	ViewAudit       Permission = "audit.view"
	ManageOperators Permission = "operators.manage"
	EditSettings    Permission = "settings.edit"
)

// grants is the whole access policy in one table: who may do what.
// Money decisions are for reviewers; the auditor only reads; unmasking
// personal data is for those who must call a person back, with a reason.
func grants(p Permission) []Role {
	switch p {
	case ViewDashboard, ViewOrders, ViewTickets, ViewHolds:
		return Roles()
	case DecideHolds, DecideRefunds, ResolveRecon, RunRetries:
		return []Role{Administrator, Reviewer}
	case UnmaskPII:
		return []Role{Administrator, Reviewer, Support}
	case ViewRefunds, ViewRecon, ViewRetries, ExportData:
		return []Role{Administrator, Reviewer, Auditor}
	case AnswerTickets, EditFAQ:
		return []Role{Administrator, Support}
	case ViewAudit:
		return []Role{Administrator, Auditor}
	case ManageOperators, EditSettings:
		return []Role{Administrator}
	}
	return nil
}

// Can reports whether the role grants p. Unknown permissions are refused.
func (r Role) Can(p Permission) bool { return slices.Contains(grants(p), r) }

// Operator is an operator account as stored.
type Operator struct {
	ID           string
	Name         string // login name, unique, never reused
	DisplayName  string
	Role         Role
	PasswordHash string // argon2id, PHC string format
	TOTPSealed   []byte
	TOTPLastStep int64
	FailedLogins int
	LockedUntil  time.Time
	Disabled     bool
	CreatedAt    time.Time
	CreatedBy    string
}

// Session is a signed-in operator's session; the token itself is only in
// the operator's cookie.
type Session struct {
	TokenHash  []byte
	OperatorID string
	CreatedAt  time.Time
	LastSeen   time.Time
	ExpiresAt  time.Time // absolute end, however active the operator is
}

// Store is the storage operators need; drivers translate their errors to
// store.ErrNotFound and store.ErrConflict.
type Store interface {
	CreateOperator(ctx context.Context, o Operator) error
	OperatorByID(ctx context.Context, id string) (Operator, error)
	OperatorByName(ctx context.Context, name string) (Operator, error)
	Operators(ctx context.Context) ([]Operator, error)
	// RecordLoginFailure counts a failed login and, when the count reaches
	// max, locks the account until lockUntil; it returns the new count.
	RecordLoginFailure(ctx context.Context, id string, max int, lockUntil time.Time) (int, error)
	// ClearLoginFailures resets the count and any lock.
	ClearLoginFailures(ctx context.Context, id string) error
	// UseTOTPStep records step as the last accepted one; false when it is
	// not newer than the last (the code was already used).
	UseTOTPStep(ctx context.Context, id string, step int64) (bool, error)
	SetOperatorDisabled(ctx context.Context, id string, disabled bool) error

	CreateOperatorSession(ctx context.Context, s Session) error
	OperatorSession(ctx context.Context, tokenHash []byte) (Session, error)
	TouchOperatorSession(ctx context.Context, tokenHash []byte, at time.Time) error
	DeleteOperatorSession(ctx context.Context, tokenHash []byte) error
	DeleteOperatorSessions(ctx context.Context, operatorID string) error

	// AppendAudit stores e as the next entry: inside one write transaction
	// it sets e.Seq and e.PrevHash from the last entry, calls seal to set
	// e.Hash, and inserts.
	AppendAudit(ctx context.Context, e Entry, seal func(*Entry)) (Entry, error)
	// AuditEntries lists entries with seq > after in seq order.
	AuditEntries(ctx context.Context, after int64, limit int) ([]Entry, error)
	// RecentAudit lists entries with seq < before (any, if before is 0),
	// newest first.
	RecentAudit(ctx context.Context, before int64, limit int) ([]Entry, error)
}

// Sealer seals the TOTP secrets at rest (pii.Sealer).
type Sealer interface {
	Seal(field pii.Field, value string) ([]byte, error)
	Open(field pii.Field, sealed []byte) (string, error)
}

// FieldTOTP is the associated data binding a sealed secret to its column;
// exported for the key rotation's reseal pass (internal/rekey).
const FieldTOTP pii.Field = "operator_totp"

const fieldTOTP = FieldTOTP

// Policy holds the security settings, with the reasons for their defaults.
type Policy struct {
	MaxFailures int           // consecutive failed logins before a lock
	LockFor     time.Duration // how long a lock lasts
	Idle        time.Duration // a session unused this long ends
	Absolute    time.Duration // a session ends this long after login, however busy
	Issuer      string        // shown by authenticator apps
}

// DefaultPolicy: 5 failures lock for 15 minutes (GB/T 22239-2019 level 3
// asks for a lock after repeated failures); sessions end after 30 minutes
// idle and 8 hours in all, one working day.
func DefaultPolicy() Policy {
	return Policy{MaxFailures: 5, LockFor: 15 * time.Minute, Idle: 30 * time.Minute, Absolute: 8 * time.Hour, Issuer: "shebao"}
}

// Service manages operators, their logins and the audit log.
type Service struct {
	store  Store
	sealer Sealer
	now    func() time.Time
	random io.Reader
	log    *slog.Logger
	policy Policy
	dummy  func() string // a password hash to spend time on for unknown names
}

// Deps are the Service's collaborators; Policy's zero value means DefaultPolicy.
type Deps struct {
	Store  Store
	Sealer Sealer
	Now    func() time.Time
	Random io.Reader
	Log    *slog.Logger
	Policy Policy
}

// NewService wires an operator service.
func NewService(d Deps) *Service {
	if d.Policy == (Policy{}) {
		d.Policy = DefaultPolicy()
	}
	s := &Service{store: d.Store, sealer: d.Sealer, now: d.Now, random: d.Random, log: d.Log, policy: d.Policy}
	s.dummy = sync.OnceValue(func() string {
		h, err := HashPassword(d.Random, "not a password of anyone")
		if err != nil {
			return ""
		}
		return h
	})
	return s
}

// Policy returns the security settings in force.
func (s *Service) Policy() Policy { return s.policy }

func (s *Service) newID() (string, error) {
	b := make([]byte, 10)
	if _, err := io.ReadFull(s.random, b); err != nil {
		return "", fmt.Errorf("operator: random id: %w", err)
	}
	return "OP" + idEncoding.EncodeToString(b)[:12], nil
}
