package policyadmin

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"sync"
	"time"

	"github.com/shebao-project/shebao/internal/operator"
	"github.com/shebao-project/shebao/internal/policy"
)

// Auditor writes the operator audit log (*operator.Service).
type Auditor interface {
	Record(ctx context.Context, e operator.Entry) error
}

// Deps are what the service needs.
type Deps struct {
	Store Store
	// Engine is the live engine every other service holds; publications,
	// roll-backs and reloads swap its packs in place (policy.Engine.Replace).
	Engine *policy.Engine
	Files  fs.FS // the release's packs (policies.FS)
	Audit  Auditor
	Now    func() time.Time
	Log    *slog.Logger
	// Interval is how often Run looks for packs another server published;
	// 0 means 30 seconds.
	Interval time.Duration
}

// Service publishes and rolls back policy packs and keeps the live engine
// in step with the database.
type Service struct {
	d Deps
	// mu makes this process's publications, roll-backs and reloads one at a
	// time, so that the engine and loaded always describe the same set.
	mu     sync.Mutex
	loaded int64 // the Store.Version the live engine was built from; -1 before the first load
}

// NewService wires the service. Call Reload before serving, so that the
// engine answers with the published packs from the first request.
func NewService(d Deps) *Service {
	if d.Interval <= 0 {
		d.Interval = 30 * time.Second
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{d: d, loaded: -1}
}

// Reload builds the set of packs from the release's files and the
// published packs and swaps it into the live engine. A set that does not
// load (a release whose files clash with a published pack) is an error and
// the engine keeps the packs it had.
func (s *Service) Reload(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reloadLocked(ctx)
}

func (s *Service) reloadLocked(ctx context.Context) error {
	packs, err := s.d.Store.Packs(ctx)
	if err != nil {
		return fmt.Errorf("policyadmin: reading published packs: %w", err)
	}
	eng, err := s.build(live(packs))
	if err != nil {
		return fmt.Errorf("policyadmin: published packs do not load with this release's packs: %w", err)
	}
	s.d.Engine.Replace(eng)
	s.loaded = version(packs)
	return nil
}

// Refresh reloads if the packs changed since this process last loaded
// them (another server published or rolled back one); it reports whether
// it did.
func (s *Service) Refresh(ctx context.Context) (bool, error) {
	v, err := s.d.Store.Version(ctx)
	if err != nil {
		return false, fmt.Errorf("policyadmin: packs version: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if v == s.loaded {
		return false, nil
	}
	return true, s.reloadLocked(ctx)
}

// Run refreshes every Interval until ctx ends. A failed refresh is logged
// and tried again at the next tick; the engine keeps the packs it has.
func (s *Service) Run(ctx context.Context) {
	t := time.NewTicker(s.d.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if changed, err := s.Refresh(ctx); err != nil {
				s.d.Log.ErrorContext(ctx, "policy packs refresh", "err", err)
			} else if changed {
				s.d.Log.InfoContext(ctx, "policy packs reloaded")
			}
		}
	}
}

// build loads the release's files with the given published packs on top,
// plus an optional candidate, in order.
func (s *Service) build(packs []Pack, candidate ...policy.SourcePack) (*policy.Engine, error) {
	return buildEngine(s.d.Files, s.d.Now, packs, candidate...)
}

func buildEngine(files fs.FS, now func() time.Time, packs []Pack, candidate ...policy.SourcePack) (*policy.Engine, error) {
	extras := make([]policy.SourcePack, 0, len(packs)+len(candidate))
	for _, p := range packs {
		extras = append(extras, policy.SourcePack{File: p.File(), Data: []byte(p.YAML)})
	}
	return policy.LoadWith(files, append(extras, candidate...), now)
}

// Load builds an engine from the release's files and the packs published
// and not rolled back, for one-shot tools (shebao bills generate) that must
// price with the packs in force but run no Service.
func Load(ctx context.Context, st Store, files fs.FS, now func() time.Time) (*policy.Engine, error) {
	packs, err := st.Packs(ctx)
	if err != nil {
		return nil, fmt.Errorf("policyadmin: reading published packs: %w", err)
	}
	eng, err := buildEngine(files, now, live(packs))
	if err != nil {
		return nil, fmt.Errorf("policyadmin: published packs do not load with this release's packs: %w", err)
	}
	return eng, nil
}

// live keeps the packs not rolled back, in id order (the later of two
// corrections of one window wins).
func live(packs []Pack) []Pack {
	var out []Pack
	for _, p := range packs {
		if p.Status == StatusPublished {
			out = append(out, p)
		}
	}
	return out
}

// Listed is a published pack with whether it is in force: a pack corrected
// again later, or rolled back, is not.
type Listed struct {
	Pack
	InForce bool
	To      string // the window's last month as in force ("" while open)
}

// List returns every pack, newest first.
func (s *Service) List(ctx context.Context) ([]Listed, error) {
	packs, err := s.d.Store.Packs(ctx)
	if err != nil {
		return nil, fmt.Errorf("policyadmin: list: %w", err)
	}
	out := make([]Listed, 0, len(packs))
	for i := len(packs) - 1; i >= 0; i-- {
		l := Listed{Pack: packs[i]}
		if w := s.windowOf(packs[i]); w != nil {
			l.InForce = true
			if w.To != nil {
				l.To = w.To.String()
			}
		}
		out = append(out, l)
	}
	return out, nil
}

// Pack returns one pack.
func (s *Service) Pack(ctx context.Context, id int64) (Pack, error) {
	p, err := s.d.Store.Pack(ctx, id)
	if err != nil {
		return Pack{}, notFoundOr(err, fmt.Errorf("policyadmin: pack %d: %w", id, err))
	}
	return p, nil
}

// windowOf is the live window the pack provides, or nil if it is not in force.
func (s *Service) windowOf(p Pack) *policy.Window {
	for _, w := range s.d.Engine.Windows(p.Region) {
		if w.File == p.File() {
			return &w
		}
	}
	return nil
}

// thisMonth is the current month in Beijing time, when bills fall due.
func (s *Service) thisMonth() policy.Month { return policy.MonthOf(s.d.Now().In(beijing)) }

// beijing is UTC+8 all year: China has no daylight saving time.
var beijing = time.FixedZone("CST", 8*3600)
