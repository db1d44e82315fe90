package policyadmin_test

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/operator"
	"github.com/shebao-project/shebao/internal/pii"
	"github.com/shebao-project/shebao/internal/policy"
	"github.com/shebao-project/shebao/internal/policyadmin"
	"github.com/shebao-project/shebao/internal/store/sqlite"
	"github.com/shebao-project/shebao/policies"
)

// clock is a clock the test moves.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// world is one server over a real SQLite file: the live engine as the app
// holds it, the operator audit log, and the service under test.
type world struct {
	t      *testing.T
	path   string
	db     *sqlite.DB
	clock  *clock
	engine *policy.Engine
	ops    *operator.Service
	svc    *policyadmin.Service
}

// newWorld starts at 2026-11-26 10:00 in Beijing: Beijing's 2026-07 window
// is in force and open.
func newWorld(t *testing.T) *world {
	t.Helper()
	path := filepath.Join(t.TempDir(), "shebao.db")
	return openWorld(t, path, &clock{t: time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC)})
}

// openWorld is another server on the same database file.
func openWorld(t *testing.T, path string, c *clock) *world {
	t.Helper()
	w := &world{t: t, path: path, clock: c}
	var err error
	if w.db, err = sqlite.Open(t.Context(), path); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.db.Close() })
	if w.engine, err = policy.Load(policies.FS, c.Now); err != nil {
		t.Fatal(err)
	}
	sealer, err := pii.NewSealer(bytes.Repeat([]byte{9}, pii.KeySize), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	w.ops = operator.NewService(operator.Deps{Store: w.db.OperatorStore(), Sealer: sealer, Now: c.Now, Random: rand.Reader, Log: log})
	w.svc = policyadmin.NewService(policyadmin.Deps{Store: w.db.PolicyPacks(), Engine: w.engine, Files: policies.FS,
		Audit: w.ops, Now: c.Now, Log: log})
	if err := w.svc.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	return w
}

// pack is a release file with replacements applied (each must occur).
func pack(t *testing.T, file string, replace ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "policies", file))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for i := 0; i+1 < len(replace); i += 2 {
		if !strings.Contains(s, replace[i]) {
			t.Fatalf("%s has no %q", file, replace[i])
		}
		s = strings.Replace(s, replace[i], replace[i+1], 1)
	}
	return []byte(s)
}

// beijing2027 is Beijing's 2026-07 pack moved to 2027-07 with new bounds:
// next year's notice.
func beijing2027(t *testing.T) []byte {
	return pack(t, "110000/2026-07.yaml", `effective_from: "2026-07"`, `effective_from: "2027-07"`,
		"average_wage: {fen: 1211600", "average_wage: {fen: 1300000",
		"floor: {fen: 727000", "floor: {fen: 780000", "ceiling: {fen: 3634800", "ceiling: {fen: 3900000")
}

// person stores insured person n of region with active enrolments
// "insurance=base" ("110=floor").
func (w *world) person(n int, region string, enrolments ...string) {
	w.t.Helper()
	id := fmt.Sprintf("P%04d", n)
	err := w.db.CreatePerson(w.t.Context(), identity.PersonRecord{ID: id, Region: region, Type: identity.Flexible,
		NameSealed: []byte{1}, IDSealed: []byte{2}, PhoneSealed: []byte{3}, IDIndex: []byte("id-" + id),
		PhoneIndex: []byte("ph-" + id), NameMasked: "张*", IDMasked: "1101**", PhoneMasked: "139****0001", CreatedAt: w.clock.Now()})
	if err != nil {
		w.t.Fatal(err)
	}
	for _, e := range enrolments {
		ins, base, _ := strings.Cut(e, "=")
		status := "active"
		if strings.HasPrefix(ins, "-") {
			ins, status = ins[1:], "suspended"
		}
		if err := w.db.PutEnrolment(w.t.Context(), identity.Enrolment{PersonID: id, Insurance: ins, Status: status,
			Since: "2024-01", Base: base}); err != nil {
			w.t.Fatal(err)
		}
	}
}

// floorBase is the base a "floor" quote uses in region for month m.
func floorBase(t *testing.T, e *policy.Engine, region, m string) money.Fen {
	t.Helper()
	q, err := e.Quote(policy.QuoteRequest{Region: region, PersonType: policy.PersonFlexible, AsOf: m + "-01",
		Items: []policy.QuoteItem{{Insurance: "110", Base: "floor"}}, Periods: policy.Periods{From: m, To: m}})
	if err != nil {
		t.Fatal(err)
	}
	return q.Lines[0].BaseFen
}

// lastAudit is the newest operator audit entry.
func (w *world) lastAudit() operator.Entry {
	w.t.Helper()
	es, err := w.ops.Recent(w.t.Context(), 0, 1)
	if err != nil || len(es) == 0 {
		w.t.Fatalf("audit log: %v %v", es, err)
	}
	return es[0]
}

func hasProblem(ps []policy.Problem, field, reason, zh string) bool {
	for _, p := range ps {
		if strings.Contains(p.Field, field) && strings.Contains(p.Reason, reason) && strings.Contains(p.ReasonZh, zh) {
			return true
		}
	}
	return false
}
