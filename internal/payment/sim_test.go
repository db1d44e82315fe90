package payment_test

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"golang.org/x/mod/sumdb/note"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/audit"
	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/evidence"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/pii"
	"github.com/shebao-project/shebao/internal/risk"
	"github.com/shebao-project/shebao/internal/sandbox/sms"
	"github.com/shebao-project/shebao/internal/store/sqlite"
	"github.com/shebao-project/shebao/internal/voucher"
)

// The simulation runs the real payment.Service on a real SQLite file
// against an in-memory provider and core system, with every choice made by
// one seeded random source: which actor moves next (a payer ordering,
// paying or walking away, a notification arriving, the clock moving, the job
// runner waking, an operator deciding a hold, reconciliation), which faults
// strike, and which actor cuts into a call in flight (see interleave). Time
// is the seeded clock only; nothing runs on a goroutine. After its steps a
// seed drains (faults off, 80 hours of jobs and deliveries) and the money
// invariants are checked. A failing seed replays exactly:
//
//	go test ./internal/payment/ -run TestSimulation -sim.seed=N -v
var (
	simSeed   = flag.Uint64("sim.seed", 0, "run only this simulation seed and log every step")
	simSeeds  = flag.Int("sim.seeds", 200, "how many simulation seeds TestSimulation runs (20 with -short)")
	simFrom   = flag.Uint64("sim.from", 1, "first simulation seed")
	simSteps  = flag.Int("sim.steps", 200, "scheduler steps per simulation seed")
	simStrict = flag.Bool("sim.strict", false, "fail on the known issues in simKnown too")
)

// simKnown are violations of bugs found by the simulation and reported, not
// yet fixed: logged, and failing only with -sim.strict. Remove an entry
// once its bug is fixed (the seeds show it with -sim.strict).
var simKnown = []struct{ match, issue string }{}

func TestSimulation(t *testing.T) {
	if *simSeed != 0 {
		s := runSim(t, *simSeed, true)
		t.Log("step log of seed", *simSeed, "\n"+strings.Join(s.log, "\n"))
		s.report(t)
		return
	}
	n := *simSeeds
	if testing.Short() {
		n = min(n, 20)
	}
	var mu sync.Mutex
	var total simStats
	t.Cleanup(func() { t.Logf("%d seeds from %d: %s", n, *simFrom, total) })
	for seed := *simFrom; seed < *simFrom+uint64(n); seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			s := runSim(t, seed, false)
			s.report(t)
			mu.Lock()
			total.add(s.stats)
			mu.Unlock()
		})
	}
}

// simStats count what the seeds exercised, so a change that makes the
// simulation stop reaching something shows in the totals.
type simStats struct {
	orders, paid, credited, refunded, held         int
	crashes, interleavings, lostNotices, lostPosts int
	known                                          int
}

func (a *simStats) add(b simStats) {
	a.orders, a.paid, a.credited, a.refunded, a.held = a.orders+b.orders, a.paid+b.paid, a.credited+b.credited, a.refunded+b.refunded, a.held+b.held
	a.crashes, a.interleavings, a.lostNotices, a.lostPosts = a.crashes+b.crashes, a.interleavings+b.interleavings, a.lostNotices+b.lostNotices, a.lostPosts+b.lostPosts
	a.known += b.known
}

func (a simStats) String() string {
	return fmt.Sprintf("%d orders, %d paid at the provider: %d credited, %d refunded, %d held; %d crashes, %d interleavings, "+
		"%d notifications lost, %d core answers lost; %d known-issue violations",
		a.orders, a.paid, a.credited, a.refunded, a.held, a.crashes, a.interleavings, a.lostNotices, a.lostPosts, a.known)
}

// TestDeterministicSimulation runs seeds twice with every step logged and
// once quietly, as TestSimulation runs them: the step logs, which name
// every order, job, delivery, fault and outcome, must be identical (the
// quiet one lacks only the service's own log lines), so a seed that fails
// in a batch fails the same way when replayed alone.
func TestDeterministicSimulation(t *testing.T) {
	seeds := []uint64{1, 2, 3, 4, 5}
	if *simSeed != 0 {
		seeds = []uint64{*simSeed}
	}
	serviceLine := regexp.MustCompile(` service (DEBUG|INFO|WARN|ERROR): `)
	for _, seed := range seeds {
		a, b, quiet := runSim(t, seed, true), runSim(t, seed, true), runSim(t, seed, false)
		sameLog(t, seed, "a second run", a.log, b.log)
		sameLog(t, seed, "a quiet run", slices.DeleteFunc(slices.Clone(a.log), serviceLine.MatchString), quiet.log)
		if len(quiet.log) < *simSteps {
			t.Errorf("seed %d logged %d lines, fewer than its %d steps", seed, len(quiet.log), *simSteps)
		}
	}
}

func sameLog(t *testing.T, seed uint64, what string, a, b []string) {
	t.Helper()
	for i := range max(len(a), len(b)) {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			t.Errorf("seed %d: %s diverges at log line %d:\nfirst:  %s\nsecond: %s", seed, what, i+1, x, y)
			return
		}
	}
}

// sim is one seed's world.
type sim struct {
	t        testing.TB
	seed     uint64
	ctx      context.Context
	rng      *rand.Rand
	clock    *clock
	start    time.Time
	db       *sqlite.DB
	svc      *payment.Service
	runner   *jobs.Runner
	prov     *simProvider
	core     *simCore
	faults   simFaults
	base     simFaults // the seed's faults, to return to after an incident
	h        *harness  // for its register and bill helpers
	persons  []*identity.Person
	months   int                 // bill periods issued so far
	bills    map[string][]string // person id → bill ids, pension and medical per period
	orders   []*simOrder         // every order seen, in the order first seen
	byOTN    map[string]*simOrder
	byID     map[string]*simOrder
	handles  []string            // out_trade_nos the payer holds pay parameters for
	lastReq  map[string][]string // person id → key and bills of their last request
	keys     int
	step     int
	depth    int // interleaved actions nest one deep
	inTx     int // open store transactions: no interleaving inside one
	draining bool
	log      []string
	problems []string
	known    []string // violations of simKnown issues
	stats    simStats
}

// simOrder is what the simulation knows of one of our orders.
type simOrder struct {
	name, id, otn, payerID string
}

// simFaults are the seed's fault rates, each a probability.
type simFaults struct {
	providerErr float64 // a provider call answers 5xx…
	lostAnswer  float64 // …after doing the work, this share of the time
	coreFail    float64 // a posting is refused
	coreLost    float64 // a posting is accepted and its answer lost
	drop        float64 // a notification is lost for good
	dup         float64 // a notification comes in several copies, or again after our answer is lost
	interleave  float64 // another actor cuts into a provider or core call in flight
	crash       float64 // the process dies at a crash point (after a commit, around a provider or core call)
	pay         float64 // a payer with the pay sheet open pays (rather than walking away)
}

func randomFaults(r *rand.Rand) simFaults {
	f := simFaults{providerErr: 0.2 * r.Float64(), lostAnswer: 0.5 * r.Float64(), coreFail: 0.3 * r.Float64(),
		coreLost: 0.15 * r.Float64(), drop: 0.4 * r.Float64(), dup: 0.3 * r.Float64(),
		interleave: 0.25 * r.Float64(), crash: 0.02 * r.Float64(), pay: 0.5 + 0.45*r.Float64()}
	if r.IntN(10) == 0 { // a calm day
		f = simFaults{pay: f.pay}
	}
	return f
}

const simLease = 2 * time.Minute // jobs.NewRunner's lease

// simKeys are generated once per process: key generation is not what is tested.
var simKeys = sync.OnceValues(func() (*sm2.PrivateKey, error) { return sm2.GenerateKey(crand.Reader) })

var simNoteKey = sync.OnceValues(func() (string, error) {
	skey, _, err := note.GenerateKey(crand.Reader, "shebao.example/sim")
	return skey, err
})

func newSim(t testing.TB, seed uint64, verbose bool) *sim {
	t.Helper()
	s := &sim{t: t, seed: seed, ctx: t.Context(), rng: rand.New(rand.NewPCG(seed, 0x5EBA0)),
		bills: map[string][]string{}, byOTN: map[string]*simOrder{}, byID: map[string]*simOrder{}, lastReq: map[string][]string{}}
	s.start = time.Date(2026, 7, 1, 0, 0, 0, 0, payment.Beijing()).Add(time.Duration(s.rng.IntN(24*60)) * time.Minute)
	s.clock = &clock{t: s.start}
	s.base = randomFaults(s.rng) // in force once the world is set up
	path := filepath.Join(simDir(t), "sim.db")
	schema, err := simSchema()
	if err == nil {
		err = os.WriteFile(path, schema, 0o600)
	}
	if err != nil {
		t.Fatal(err)
	}
	if s.db, err = sqlite.Open(s.ctx, path); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.db.Close() })
	sm2Key, err := simKeys()
	if err != nil {
		t.Fatal(err)
	}
	noteKey, err := simNoteKey()
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.DiscardHandler)
	log := quiet
	if verbose {
		log = slog.New(simLogHandler{s})
	}
	ev, err := evidence.New(evidence.Deps{Store: s.db.Evidence(), NoteKey: noteKey, SM2Key: sm2Key, Now: s.clock.Now, Random: crand.Reader, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := pii.NewSealer(bytes.Repeat([]byte{7}, pii.KeySize), crand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ids := identity.NewService(identity.Deps{Store: s.db, Sealer: sealer, SMS: sms.NewOutbox(s.clock.Now),
		Now: s.clock.Now, Random: crand.Reader, Log: quiet})
	s.prov, s.core = newSimProvider(s), newSimCore(s)
	s.svc = payment.NewService(payment.Deps{
		Store: simStore{s.db.Payments(), s}, Providers: map[string]payment.Provider{"wechatpay": s.prov},
		Core: s.core, Persons: ids, Rules: rules{perDay: s.pick(0, 0, 300_000)}, Risk: s.riskRules(), Evidence: ev,
		Signer: voucher.NewSigner(sm2Key), Agency: agency, InsuranceName: insuranceName,
		Now: s.clock.Now, Random: newSimRandom(seed), Log: log, Notify: true,
	})
	s.runner = jobs.NewRunner(s.db, s.clock.Now, quiet)
	for _, k := range []string{payment.JobPost, payment.JobExpire, payment.JobQuery, payment.JobRefund, payment.JobHoldExpire,
		payment.JobReconcile, payment.JobPostingCheck, payment.JobNoticePaid, payment.JobNoticeHold, payment.JobNoticeRefund,
		payment.JobNoticeUnpaid} {
		s.runner.Handle(k, s.runJob)
	}
	s.h = &harness{ctx: s.ctx, clock: s.clock, db: s.db, ids: ids}
	for n := 1; n <= 3; n++ {
		s.persons = append(s.persons, s.h.register(t, n))
	}
	s.issueBills()
	s.issueBills()
	if err := s.svc.ScheduleReconciliation(s.ctx); err != nil {
		t.Fatal(err)
	}
	s.faults = s.base
	s.logf("seed %d: start %s, faults %+v", seed, s.start.Format(time.DateTime), s.faults)
	return s
}

// simDir is a fresh directory for one seed's database: on the memory file
// system where there is one, because SQLite's fsync per commit
// (synchronous=FULL) is most of a seed's time on a disk and durability is
// not what the simulation tests.
func simDir(t testing.TB) string {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if dir, err := os.MkdirTemp("/dev/shm", "shebao-sim-"); err == nil {
			t.Cleanup(func() { _ = os.RemoveAll(dir) })
			return dir
		}
	}
	return t.TempDir()
}

// simSchema is an empty, migrated database, made once per process (as
// sqlite.Open makes it) and copied for each seed: migrating is a sixth of
// a seed's time otherwise.
var simSchema = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "shebao-sim-schema-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "migrated.db"))
	if err != nil {
		return nil, err
	}
	err = db.Backup(ctx, filepath.Join(dir, "schema.db"))
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	return os.ReadFile(filepath.Join(dir, "schema.db"))
})

// pick returns one of vs, chosen by the seed.
func (s *sim) pick(vs ...money.Fen) money.Fen { return vs[s.rng.IntN(len(vs))] }

// riskRules hold some payments: large ones (both months at once) or a
// payer's third in a day, for a seeded time, then release or refund them.
func (s *sim) riskRules() risk.Rules {
	return risk.Rules{LargeFen: s.pick(0, 150_000), MaxPaidPerDay: int(s.pick(0, 2)),
		HoldFor: time.Duration(1+s.rng.IntN(24)) * time.Hour, ExpiryReleases: s.rng.IntN(2) == 0}
}

// simRandom is the service's random source (order ids, out_trade_nos,
// voucher codes), seeded so ids are the same on every replay. SM2 signing
// reads one extra byte half the time (randutil.MaybeReadByte) to stop
// callers relying on exactly this; one-byte reads are answered without
// advancing the stream so the ids after a signature stay the same.
type simRandom struct{ r *rand.ChaCha8 }

func newSimRandom(seed uint64) simRandom {
	var k [32]byte
	binary.LittleEndian.PutUint64(k[:], seed)
	copy(k[8:], "shebao simulation")
	return simRandom{rand.NewChaCha8(k)}
}

func (r simRandom) Read(p []byte) (int, error) {
	if len(p) == 1 {
		p[0] = 0x5a
		return 1, nil
	}
	return r.r.Read(p)
}

// simStore counts open transactions, so no actor cuts in while one is
// open (the single SQLite writer would wait for itself), and is a crash
// point after each commit.
type simStore struct {
	payment.Store
	s *sim
}

func (st simStore) InTx(ctx context.Context, fn func(payment.Tx) error) error {
	st.s.inTx++
	err := st.Store.InTx(ctx, fn)
	st.s.inTx--
	if err == nil {
		st.s.crash("after a commit, before anyone hears of it")
	}
	return err
}

// simLogHandler writes the service's log into the step log (verbose runs).
type simLogHandler struct{ s *sim }

func (h simLogHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h simLogHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h simLogHandler) WithGroup(string) slog.Handler            { return h }
func (h simLogHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	h.s.logf("    service %s: %s%s", r.Level, r.Message, b.String())
	return nil
}

// logf adds a line to the step log: step number, time since the start.
func (s *sim) logf(format string, args ...any) {
	d := s.clock.Now().Sub(s.start)
	line := fmt.Sprintf("%4d %3dh%02dm%02ds %s%s", s.step, int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60,
		strings.Repeat("  ", s.depth), fmt.Sprintf(format, args...))
	s.log = append(s.log, line)
}

// violate records a broken invariant (once: the audit repeats itself).
func (s *sim) violate(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if slices.ContainsFunc(slices.Concat(s.problems, s.known), func(p string) bool { return strings.Contains(p, ": "+msg) }) {
		return
	}
	for _, k := range simKnown {
		if strings.Contains(msg, k.match) && !*simStrict {
			s.known = append(s.known, fmt.Sprintf("%s: %s\n    known issue: %s", s.when(), msg, k.issue))
			s.logf("!! KNOWN ISSUE: %s", msg)
			return
		}
	}
	s.problems = append(s.problems, fmt.Sprintf("%s: %s", s.when(), msg))
	s.logf("!! VIOLATION: %s", msg)
}

func (s *sim) when() string {
	if s.draining {
		return "after the steps"
	}
	return fmt.Sprintf("step %d", s.step)
}

func (s *sim) roll(p float64) bool { return p > 0 && s.rng.Float64() < p }

func (s *sim) refundDelay() time.Duration { return time.Duration(s.rng.IntN(30*60)) * time.Second }

// at formats a time as the step log does.
func (s *sim) at(t time.Time) string {
	d := t.Sub(s.start)
	return fmt.Sprintf("%dh%02dm%02ds", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
}

// know names an order the first time the simulation sees it (o1, o2, …).
func (s *sim) know(o payment.Order) *simOrder {
	if so := s.byOTN[o.OutTradeNo]; so != nil {
		return so
	}
	so := &simOrder{name: fmt.Sprintf("o%d", len(s.orders)+1), id: o.ID, otn: o.OutTradeNo, payerID: o.PayerID}
	s.orders = append(s.orders, so)
	s.byOTN[so.otn], s.byID[so.id] = so, so
	s.logf("  %s is order %s (%s, %s yuan, bills %s)", so.name, o.ID, o.OutTradeNo, o.AmountFen.Yuan(), shortBills(o.BillIDs))
	return so
}

func (s *sim) nameOTN(otn string) string {
	if so := s.byOTN[otn]; so != nil {
		return so.name
	}
	o, err := s.db.OrderByOutTradeNo(s.ctx, otn)
	if err != nil {
		return otn
	}
	return s.know(o).name
}

func (s *sim) nameOrder(id string) string {
	if so := s.byID[id]; so != nil {
		return so.name
	}
	o, err := s.db.OrderByID(s.ctx, id)
	if err != nil {
		return id
	}
	return s.know(o).name
}

// shortBills writes bill ids as person/insurance/period.
func shortBills(ids []string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strings.TrimPrefix(strings.TrimPrefix(id, "bil_"), "per_test")
	}
	return strings.Join(out, ",")
}

// errText is an error as the step log shows it: its code if it has one.
func errText(err error) string {
	if err == nil {
		return "ok"
	}
	if e, ok := apperr.As(err); ok {
		return "refused " + e.Code
	}
	msg := err.Error()
	if len(msg) > 140 {
		msg = msg[:140] + "…"
	}
	return "error: " + msg
}

func (s *sim) state(id string) payment.State {
	o, err := s.db.OrderByID(s.ctx, id)
	if err != nil {
		return payment.State("unknown: " + err.Error())
	}
	return o.State
}

func runSim(t testing.TB, seed uint64, verbose bool) *sim {
	s := newSim(t, seed, verbose)
	for s.step = 1; s.step <= *simSteps; s.step++ {
		s.do(s.next(false))
		if s.step%20 == 0 {
			s.audit()
		}
	}
	s.drain()
	s.check()
	return s
}

// report fails the test with the seed, its violations, the step log's
// lines about the orders involved, and how to replay it.
func (s *sim) report(t testing.TB) {
	t.Helper()
	replay := fmt.Sprintf("go test ./internal/payment/ -run TestSimulation -sim.seed=%d -v", s.seed)
	if *simSteps != 200 {
		replay += fmt.Sprintf(" -sim.steps=%d", *simSteps)
	}
	for _, k := range s.known {
		t.Logf("simulation seed %d shows a known issue (%s):\n  %s", s.seed, replay, k)
	}
	if len(s.problems) == 0 {
		return
	}
	t.Errorf("simulation seed %d broke %d invariants:\n  %s\n\nits step log about %s:\n%s\n\nreplay it with every step logged:\n  %s",
		s.seed, len(s.problems), strings.Join(s.problems, "\n  "), strings.Join(s.involved(), ", "), strings.Join(s.excerpt(), "\n"), replay)
}

// simTerm finds what a violation is about: an order (o12) or a day.
var simTerm = regexp.MustCompile(`\bo[0-9]+\b|\b20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]\b`)

// involved are the orders and days the violations name; a day stands for
// its reconciliation.
func (s *sim) involved() []string {
	var terms []string
	for _, p := range s.problems {
		for _, t := range simTerm.FindAllString(p, -1) {
			if strings.HasPrefix(t, "20") {
				t = "reconcile"
			}
			terms = append(terms, t)
		}
	}
	slices.Sort(terms)
	return slices.Compact(terms)
}

// excerpt is the step log's lines about what is involved, the process
// dying, the core system's outages, and the last lines.
func (s *sim) excerpt() []string {
	terms := s.involved()
	var out []string
	for i, l := range s.log {
		hit := i >= len(s.log)-10 || strings.Contains(l, "process") || strings.Contains(l, "core system down") || strings.Contains(l, "VIOLATION")
		for _, n := range simTerm.FindAllString(l, -1) {
			hit = hit || slices.Contains(terms, n)
		}
		if slices.Contains(terms, "reconcile") && strings.Contains(l, "reconcile") {
			hit = true
		}
		if hit {
			out = append(out, l)
		}
	}
	if len(out) > 300 {
		out = append(append(out[:150:150], "…"), out[len(out)-150:]...)
	}
	return out
}

// Actions the scheduler chooses among, with their weights.
type simAction int

const (
	actCreate simAction = iota
	actPay
	actDeliver
	actAdvance
	actJobs
	actClose
	actOperator
	actReconcile
	actFault
	actBillRun
)

var simWeights = []int{actCreate: 12, actPay: 14, actDeliver: 18, actAdvance: 16, actJobs: 18, actClose: 4, actOperator: 4, actReconcile: 3, actFault: 3, actBillRun: 2}

// next picks the next action; nested (cutting into a call in flight) it
// picks among what another actor could do meanwhile, time passing included.
func (s *sim) next(nested bool) simAction {
	total := 0
	for a, w := range simWeights {
		if !nested || !simTopLevel(simAction(a)) {
			total += w
		}
	}
	r := s.rng.IntN(total)
	for a, w := range simWeights {
		if nested && simTopLevel(simAction(a)) {
			continue
		}
		if r < w {
			return simAction(a)
		}
		r -= w
	}
	panic("unreachable")
}

// simTopLevel are the actions that do not cut into a call in flight.
func simTopLevel(a simAction) bool { return a == actReconcile || a == actFault || a == actBillRun }

func (s *sim) do(a simAction) {
	if s.depth == 0 {
		defer s.restart()
	}
	switch a {
	case actCreate:
		s.create()
	case actPay:
		if len(s.handles) == 0 {
			s.logf("pay: no payer has a pay sheet open")
			return
		}
		s.pay(s.handles[s.rng.IntN(len(s.handles))])
	case actDeliver:
		s.deliver()
	case actAdvance:
		if s.depth > 0 { // the call in flight is slow: time passes, other workers run
			s.move(time.Duration(30+s.rng.IntN(300)) * time.Second)
			s.jobs()
			return
		}
		s.advance()
	case actJobs:
		s.jobs()
	case actClose:
		s.closeOrder()
	case actOperator:
		s.operator()
	case actReconcile:
		s.reconcile()
	case actFault:
		s.fault()
	case actBillRun:
		s.billRun()
	}
}

// simCrash is the panic that stands for the process dying: it unwinds
// through the service (which keeps no state but the database) to the top
// of the step, and the process "restarts". What the provider, the core
// system and the payers did meanwhile stays done; jobs claimed stay leased
// until the lease runs out; a notification not answered is sent again.
type simCrash struct{ where string }

// crash kills the process at a crash point, as the seed decides. Never in
// a transaction: the database's own atomicity is not what is tested.
func (s *sim) crash(where string) {
	if s.inTx == 0 && s.roll(s.faults.crash) {
		s.logf("the process dies %s", where)
		s.stats.crashes++
		panic(simCrash{where})
	}
}

func (s *sim) restart() {
	r := recover()
	if r == nil {
		return
	}
	if _, ok := r.(simCrash); !ok {
		panic(r)
	}
	s.depth, s.inTx = 0, 0
	s.logf("the process restarts")
}

// interleave lets another actor move while a provider or core call is in
// flight (the calls the service makes outside its transactions): a payment
// overtaking our close, a notification racing our query, a second order
// superseding one whose prepay is under way, a job lease running out
// during a slow posting. Half the time an actor holding the very order's
// pay sheet pays or walks away.
func (s *sim) interleave(where, otn string) {
	if s.depth > 0 || s.inTx > 0 || s.draining || !s.roll(s.faults.interleave) {
		return
	}
	s.depth++
	defer func() { s.depth-- }()
	s.stats.interleavings++
	s.logf("while the service waits on the %s:", where)
	if otn != "" && slices.Contains(s.handles, otn) && s.rng.IntN(2) == 0 {
		s.pay(otn)
		return
	}
	s.do(s.next(true))
}

func (s *sim) create() {
	p := s.persons[s.rng.IntN(len(s.persons))]
	ids := s.chooseBills(s.bills[p.ID])
	s.keys++
	key := fmt.Sprintf("k%d", s.keys)
	if last := s.lastReq[p.ID]; last != nil && s.roll(0.2) { // a retried request, or the same key misused
		key = last[0]
		if s.rng.IntN(2) == 0 {
			ids = last[1:]
		}
	}
	s.lastReq[p.ID] = append([]string{key}, ids...)
	s.logf("%s orders %s with key %s", strings.TrimPrefix(p.ID, "per_test"), shortBills(ids), key)
	res, err := s.svc.CreateOrder(s.ctx, p, payment.CreateOrderRequest{BillIDs: ids, Channel: "wechatpay", IdempotencyKey: key})
	if err != nil {
		s.logf("  → %s", errText(err))
		return
	}
	so := s.know(res.Order)
	s.logf("  → %s %s, pay sheet %v", so.name, res.Order.State, res.Pay != nil)
	if res.Pay != nil && !slices.Contains(s.handles, so.otn) {
		s.handles = append(s.handles, so.otn)
	}
}

// chooseBills picks what a payer selects: a month, sometimes two, each with
// its pension and mostly its medical bill (bills are pension, medical per
// month); one time in ten any selection, which the binding rule may refuse.
func (s *sim) chooseBills(all []string) []string {
	var ids []string
	if s.rng.IntN(10) == 0 {
		for _, b := range all {
			if s.rng.IntN(2) == 0 {
				ids = append(ids, b)
			}
		}
	} else {
		months := []int{s.rng.IntN(len(all) / 2)}
		if s.rng.IntN(3) == 0 {
			months = append(months, s.rng.IntN(len(all)/2))
		}
		for _, m := range slices.Compact(months) {
			ids = append(ids, all[2*m])
			if s.rng.IntN(5) != 0 {
				ids = append(ids, all[2*m+1])
			}
		}
	}
	if len(ids) == 0 {
		ids = []string{all[s.rng.IntN(len(all))]}
	}
	return ids
}

// pay is the payer in front of the pay sheet of otn: pay, or walk away.
func (s *sim) pay(otn string) {
	s.handles = slices.DeleteFunc(s.handles, func(h string) bool { return h == otn })
	name := s.nameOTN(otn)
	if !s.roll(s.faults.pay) {
		s.logf("payer walks away from %s", name)
		return
	}
	s.logf("payer pays %s: %s", name, s.prov.pay(otn))
}

// deliver sends one queued notification, chosen by the seed, perhaps in
// several copies at once; one that fails, or whose answer is lost, is
// queued again as WeChat Pay retries it (for about a day).
func (s *sim) deliver() {
	q := s.prov.queue
	if len(q) == 0 {
		s.logf("deliver: nothing queued")
		return
	}
	i := s.rng.IntN(len(q))
	n := q[i]
	s.prov.queue = slices.Delete(q, i, i+1)
	what := n.ID + " " + n.Event + " " + s.nameOTN(firstNonEmpty(n.Txn.OutTradeNo, s.refundOTN(n.Refund.OutRefundNo)))
	switch {
	case s.clock.Now().Sub(n.Born) > 24*time.Hour:
		s.logf("deliver %s: provider gave up retrying", what)
		return
	case !s.draining && s.roll(s.faults.drop):
		s.logf("deliver %s: lost for good", what)
		s.stats.lostNotices++
		return
	}
	copies := 1
	if !s.draining && s.roll(s.faults.dup) {
		copies = 2 + s.rng.IntN(2)
	}
	n.Attempts++
	s.prov.queue = append(s.prov.queue, n) // unanswered (the process may die), it is sent again
	failed := false
	for c := range copies {
		var err error
		if n.Event == "TRANSACTION.SUCCESS" {
			err = s.svc.HandleNotification(s.ctx, "wechatpay", n.request())
		} else {
			err = s.svc.HandleRefundNotification(s.ctx, "wechatpay", n.request())
		}
		s.logf("deliver %s (copy %d of %d): %s", what, c+1, copies, errText(err))
		failed = failed || err != nil
	}
	if (failed || !s.draining && s.roll(s.faults.dup)) && n.Attempts < 15 {
		s.logf("  the provider will send %s again", n.ID)
		return
	}
	s.prov.queue = slices.DeleteFunc(s.prov.queue, func(m *simNotice) bool { return m == n })
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (s *sim) refundOTN(orn string) string {
	if rf := s.prov.byORN[orn]; rf != nil {
		return rf.otn
	}
	return orn
}

func (s *sim) advance() {
	var d time.Duration
	switch r := s.rng.IntN(100); {
	case r < 55:
		d = time.Duration(1+s.rng.IntN(120)) * time.Second
	case r < 88:
		d = time.Duration(1+s.rng.IntN(40)) * time.Minute
	case r < 98:
		d = time.Duration(1+s.rng.IntN(6*60)) * time.Minute
	default:
		d = time.Duration(20*60+s.rng.IntN(10*60)) * time.Minute
	}
	s.move(d)
}

func (s *sim) move(d time.Duration) {
	s.clock.Advance(d)
	s.logf("clock +%s", d)
	s.prov.tick()
}

// jobs wakes a job runner: half the time the real one (jobs.Runner.RunDue,
// due order), half the time a worker that takes the due jobs in a seeded
// order and may die before recording an outcome (the lease then runs out
// and the job runs again). While draining, a wake that finds nothing is
// not logged.
func (s *sim) jobs() int {
	if s.rng.IntN(2) == 0 {
		mark := len(s.log)
		s.logf("job runner wakes")
		n := s.runner.RunDue(s.ctx)
		if n == 0 && s.draining {
			s.log = s.log[:mark]
		}
		return n
	}
	js, err := s.db.ClaimJobs(s.ctx, s.clock.Now(), simLease, 32)
	if err != nil {
		s.violate("claim jobs: %v", err)
		return 0
	}
	if len(js) > 0 || !s.draining {
		s.logf("worker wakes: %d jobs due", len(js))
	}
	s.rng.Shuffle(len(js), func(i, j int) { js[i], js[j] = js[j], js[i] })
	for _, j := range js {
		err := s.runJob(s.ctx, j)
		s.crash(fmt.Sprintf("before recording job %d's outcome", j.ID))
		now := s.clock.Now()
		var retry jobs.RetryAt
		switch {
		case err == nil:
			err = s.db.CompleteJob(s.ctx, j.ID, now)
		case errors.As(err, &retry):
			err = s.db.RetryJob(s.ctx, j.ID, retry.At, "")
		default:
			err = s.db.RetryJob(s.ctx, j.ID, now.Add(jobs.Backoff(j.Attempts)), err.Error())
		}
		if err != nil {
			s.violate("record job %d: %v", j.ID, err)
		}
	}
	return len(js)
}

// runJob is the handler both runners use: the payment service's jobs, and
// the payer notices, which belong to the notice service and are only logged.
func (s *sim) runJob(ctx context.Context, j jobs.Job) error {
	ref := j.Ref
	if !strings.Contains(ref, "@") {
		ref = s.nameOrder(ref)
	}
	if strings.HasPrefix(j.Kind, "notice.") {
		s.logf("  job %d %s %s: sent", j.ID, j.Kind, ref)
		return nil
	}
	s.logf("  job %d %s %s (attempt %d)", j.ID, j.Kind, ref, j.Attempts)
	err := s.svc.RunJob(ctx, j)
	var retry jobs.RetryAt
	if errors.As(err, &retry) {
		s.logf("  job %d: again at %s", j.ID, s.at(retry.At))
	} else {
		s.logf("  job %d: %s", j.ID, errText(err))
	}
	return err
}

// closeOrder is a payer cancelling one of the last few orders.
func (s *sim) closeOrder() {
	if len(s.orders) == 0 {
		s.logf("close: no order yet")
		return
	}
	so := s.orders[len(s.orders)-1-s.rng.IntN(min(5, len(s.orders)))]
	s.logf("payer closes %s", so.name)
	o, err := s.svc.CloseOrder(s.ctx, so.payerID, so.id)
	if err != nil {
		s.logf("  → %s", errText(err))
		return
	}
	s.logf("  → %s", o.State)
}

// operator decides a hold: mostly a held order's, sometimes any order's
// (which must be refused or be a no-op).
func (s *sim) operator() {
	var held []*simOrder
	for _, so := range s.orders {
		if s.state(so.id) == payment.Held {
			held = append(held, so)
		}
	}
	var so *simOrder
	switch {
	case len(held) > 0 && !s.roll(0.2):
		so = held[s.rng.IntN(len(held))]
	case len(s.orders) > 0:
		so = s.orders[s.rng.IntN(len(s.orders))]
	default:
		s.logf("operator: no order yet")
		return
	}
	var o payment.Order
	var err error
	if s.rng.IntN(2) == 0 {
		s.logf("operator releases the hold on %s (%s)", so.name, s.state(so.id))
		o, err = s.svc.ReleaseHold(s.ctx, so.id, "op1", "checked with the payer")
	} else {
		s.logf("operator refunds the hold on %s (%s)", so.name, s.state(so.id))
		o, err = s.svc.RefundHold(s.ctx, so.id, "op1", "payer does not recognise it")
	}
	if err != nil {
		s.logf("  → %s", errText(err))
		return
	}
	s.logf("  → %s", o.State)
}

// reconcile compares one of the last few days' trade bills (today's is not
// ready: the provider says so).
func (s *sim) reconcile() {
	date := s.clock.Now().In(payment.Beijing()).AddDate(0, 0, -s.rng.IntN(4)).Format("2006-01-02")
	diffs, err := s.svc.Reconcile(s.ctx, "wechatpay", date)
	s.logf("reconcile %s: %d differences, %s", date, len(diffs), errText(err))
	for _, d := range diffs {
		s.logf("  %s %s resolved=%v: %s", d.Kind, s.nameOTN(d.OutTradeNo), d.Resolved, d.Action)
	}
}

// issueBills gives every person the next month's pension and medical bills.
func (s *sim) issueBills() string {
	per := time.Date(2026, time.Month(5+s.months), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
	s.months++
	for _, p := range s.persons {
		s.bills[p.ID] = append(s.bills[p.ID], s.h.bill(s.t, p.ID, "110", per, pensionFen), s.h.bill(s.t, p.ID, "310", per, medicalFen))
	}
	return per
}

// billRun is the monthly bill run: new bills to pay (at most a year's).
func (s *sim) billRun() {
	if s.months == 12 {
		s.logf("bill run: nothing new")
		return
	}
	s.logf("bill run: bills for %s", s.issueBills())
}

// fault starts or ends an outage: the core system down, a provider
// incident, or, rarely, the core system down for three days.
func (s *sim) fault() {
	switch r := s.rng.IntN(20); {
	case r < 10:
		s.core.down = !s.core.down
		s.logf("core system down: %v", s.core.down)
	case r < 19:
		if s.faults.providerErr == s.base.providerErr {
			s.faults.providerErr = 0.6
		} else {
			s.faults.providerErr = s.base.providerErr
		}
		s.logf("provider error rate now %.2f", s.faults.providerErr)
	default:
		s.core.down = true
		s.logf("core system down for 73 hours")
		for range 73 {
			s.move(time.Hour)
			s.safely(s.deliverSome)
			s.safely(func() { s.runDue() })
		}
		s.core.down = false
		s.logf("core system back")
	}
}

// safely runs fn, restarting the process if it dies in it.
func (s *sim) safely(fn func()) {
	defer s.restart()
	fn()
}

// deliverSome delivers the queued notifications once each.
func (s *sim) deliverSome() {
	for range len(s.prov.queue) {
		s.deliver()
	}
}

// runDue runs jobs until none is due now.
func (s *sim) runDue() int {
	total := 0
	for i := 0; ; i++ {
		n := s.jobs()
		total += n
		if n == 0 {
			return total
		}
		if i == 200 {
			s.violate("jobs keep coming due at %s", s.at(s.clock.Now()))
			return total
		}
	}
}

// drain ends the faults and lets everything settle: payers walk away,
// notifications arrive, jobs run, and the clock moves 80 hours (past the
// 72-hour posting deadline and any hold), faster while nothing happens.
func (s *sim) drain() {
	s.step++
	s.draining = true
	s.faults = simFaults{}
	s.core.down = false
	s.handles = nil
	s.logf("drain: faults off")
	end := s.clock.Now().Add(80 * time.Hour)
	wait := time.Minute
	for {
		busy := len(s.prov.queue)
		for len(s.prov.queue) > 0 {
			s.deliver()
		}
		busy += s.runDue()
		if !s.clock.Now().Before(end) {
			break
		}
		if busy > 0 {
			wait = time.Minute
		} else {
			wait = min(2*wait, 2*time.Hour)
		}
		s.clock.Advance(wait) // not logged: every line shows the time
		s.prov.tick()
	}
}

// audit runs the same audit as `shebao audit`: it must hold after every
// transaction, not only at the end.
func (s *sim) audit() {
	rep, err := audit.Run(s.ctx, s.db)
	if err != nil {
		s.violate("audit: %v", err)
		return
	}
	for _, p := range rep.Problems {
		s.violate("audit: %s", p)
	}
}

// check asserts, after the drain, that every payment the provider took is
// exactly one of credited, refunded or held for an operator; that nothing
// the provider did not take is credited; that the core system, the bills,
// the vouchers, the evidence log and the ledger agree; and that nothing is
// left running.
func (s *sim) check() {
	s.logf("check")
	s.audit()
	var orders []payment.Order
	for _, p := range s.persons {
		os, err := s.db.OrdersForPerson(s.ctx, p.ID, 10_000)
		if err != nil {
			s.violate("orders of %s: %v", p.ID, err)
			return
		}
		orders = append(orders, os...)
	}
	creditedBill, credited := s.checkOrders(orders)
	s.checkBills(creditedBill)
	s.checkSettled(credited)
	s.count(orders)
}

// checkOrders checks each order against the provider and the core system,
// that the provider's takings equal what we credited or hold, and that no
// bill is credited twice. It returns the credited order of each bill, and
// how many orders are credited.
func (s *sim) checkOrders(orders []payment.Order) (creditedBill map[string]string, credited int) {
	creditedBill = map[string]string{} // bill id → the credited order that paid it
	var paidFen, keptFen money.Fen
	for _, o := range orders {
		name := s.know(o).name
		s.checkOrder(name, o)
		if t := s.prov.byOTN[o.OutTradeNo]; t != nil && (t.state == payment.TradeSuccess || t.state == payment.TradeRefund) {
			paidFen += t.amount - t.refunded
		}
		if o.State == payment.Credited || o.State == payment.Held {
			keptFen += o.AmountFen
		}
		if _, posted := s.core.postings[o.ID]; posted != (o.State == payment.Credited) {
			s.violate("%s is %s but the core system has a posting for it: %v", name, o.State, posted)
		}
		if o.State != payment.Credited {
			continue
		}
		credited++
		for _, b := range o.BillIDs {
			if other, ok := creditedBill[b]; ok {
				s.violate("bill %s credited twice: by %s and %s", b, s.nameOrder(other), name)
			}
			creditedBill[b] = o.ID
		}
	}
	if paidFen != keptFen {
		s.violate("the provider kept %s yuan of payments, we credited or hold %s", paidFen.Yuan(), keptFen.Yuan())
	}
	for _, id := range s.core.accepted {
		if _, err := s.db.OrderByID(s.ctx, id); err != nil {
			s.violate("the core system has a posting for %s, which is no order of ours: %v", id, err)
		}
	}
	return creditedBill, credited
}

// checkSettled checks what must hold once everything has settled: the
// evidence log has each credited order, every day with trades was
// reconciled without an open difference, and no job is left but the next
// reconciliation.
func (s *sim) checkSettled(credited int) {
	if st, err := s.db.Evidence().EvidenceState(s.ctx); err != nil || st.Size != uint64(4*credited) {
		s.violate("evidence log has %d leaves (%v), want 4 for each of %d credited orders", st.Size, err, credited)
	}
	for _, d := range s.prov.tradeDays() {
		if !s.prov.billed[d] {
			s.violate("the trade bill of %s, a day with trades, was never reconciled", d)
		}
	}
	if diffs, err := s.db.OpenDiffs(s.ctx, 100); err != nil || len(diffs) > 0 {
		s.violate("open reconciliation differences %+v (%v)", diffs, err)
	}
	pending, err := s.db.PendingJobs(s.ctx)
	if err != nil {
		s.violate("pending jobs: %v", err)
	}
	for _, k := range slices.Sorted(maps.Keys(pending)) {
		if k != payment.JobReconcile {
			s.violate("%d %s jobs still pending after the drain", pending[k], k)
		}
	}
}

// count adds the seed's outcome to its statistics.
func (s *sim) count(orders []payment.Order) {
	s.stats.orders, s.stats.known = len(orders), len(s.known)
	for _, o := range orders {
		switch o.State {
		case payment.Credited:
			s.stats.credited++
		case payment.Refunded:
			s.stats.refunded++
		case payment.Held:
			s.stats.held++
		}
	}
	for _, t := range s.prov.trades {
		if t.state == payment.TradeSuccess || t.state == payment.TradeRefund {
			s.stats.paid++
		}
	}
	s.logf("checked %d orders: %d credited, %d core postings, %d provider trades", len(orders), s.stats.credited, len(s.core.accepted), len(s.prov.trades))
}

// checkOrder compares one order with the provider's truth and checks its
// event history.
func (s *sim) checkOrder(name string, o payment.Order) {
	t := s.prov.byOTN[o.OutTradeNo]
	paid := t != nil && (t.state == payment.TradeSuccess || t.state == payment.TradeRefund)
	switch {
	case !paid && !o.State.Unpaid():
		s.violate("%s is %s but the provider never took its payment", name, o.State)
	case !paid && o.State != payment.Closed && o.State != payment.Failed:
		s.violate("%s is still %s after the drain", name, o.State)
	case paid && o.State.Unpaid():
		s.violate("payment lost: the provider took %s for %s, which is %s", t.amount.Yuan(), name, o.State)
	case paid && (o.State == payment.Held && !o.HoldUntil.IsZero()):
		s.violate("%s is still held after its hold ended at %s", name, s.at(o.HoldUntil))
	case paid && o.State != payment.Credited && o.State != payment.Refunded && o.State != payment.Held:
		s.violate("%s is stuck in %s after the drain", name, o.State)
	case paid && (t.refunded > 0) != (o.State == payment.Refunded):
		s.violate("%s is %s but the provider refunded %s of it", name, o.State, t.refunded.Yuan())
	}
	evs, err := s.db.OrderEvents(s.ctx, o.ID)
	if err != nil {
		s.violate("events of %s: %v", name, err)
		return
	}
	count := map[payment.State]int{}
	for i, e := range evs {
		count[e.To]++
		if i > 0 && e.From != evs[i-1].To {
			s.violate("%s event %d goes from %s but the one before ended in %s", name, i, e.From, evs[i-1].To)
		}
	}
	if len(evs) == 0 || evs[len(evs)-1].To != o.State {
		s.violate("%s is %s but its events end elsewhere: %d events", name, o.State, len(evs))
	}
	if count[payment.Paid] > 1 || count[payment.Credited] > 1 || count[payment.Refunding] > 1 {
		s.violate("%s paid %d times, credited %d times, refunded %d times", name, count[payment.Paid], count[payment.Credited], count[payment.Refunding])
	}
}

// checkBills: a bill is paid exactly when a credited order paid it, and no
// bill is still held by an order that no longer needs it.
func (s *sim) checkBills(creditedBill map[string]string) {
	for _, p := range s.persons {
		bs, err := s.db.BillsForPerson(s.ctx, p.ID)
		if err != nil {
			s.violate("bills of %s: %v", p.ID, err)
			return
		}
		for _, b := range bs {
			by, ok := creditedBill[b.ID]
			switch {
			case ok && (b.Status != billing.Paid || b.PaidOrderID != by):
				s.violate("bill %s is %s (paid by %q) but %s credited it", b.ID, b.Status, b.PaidOrderID, s.nameOrder(by))
			case !ok && b.Status == billing.Paid:
				s.violate("bill %s is paid by %s, which is not credited", b.ID, s.nameOrder(b.PaidOrderID))
			case !ok && b.OrderID != "" && s.state(b.OrderID) != payment.Held:
				s.violate("bill %s is still held by %s, which is %s", b.ID, s.nameOrder(b.OrderID), s.state(b.OrderID))
			}
		}
	}
}
