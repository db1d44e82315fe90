package payment_test

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"flag"
	"fmt"
	"log/slog"
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
// one seeded random source: which actor moves next (a payer ordering for
// themselves or, under a family grant, for a relative; paying or walking
// away; a notification arriving, the clock moving, the job runner waking,
// an operator deciding a hold or rerouting a refund that failed,
// reconciliation, a grant given or revoked), which faults strike (among
// them a payment of another amount than the order's, a refund that ends
// ABNORMAL or CLOSED, refunds refused for a while or for good), and which
// actor cuts into a call in flight (see interleave). Time
// is the seeded clock only; nothing runs on a goroutine. After its steps a
// seed drains (faults off, 80 hours of jobs and deliveries, longer while
// jobs are pending) and the money invariants are checked. A failing seed
// replays exactly:
//
//	go test ./internal/payment/ -run TestSimulation -sim.seed=N -v
var (
	simSeed   = flag.Uint64("sim.seed", 0, "run only this simulation seed and log every step")
	simSeeds  = flag.Int("sim.seeds", 180, "how many simulation seeds TestSimulation runs (20 with -short)")
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
	// Paths reached: proxy orders credited, payments of another amount,
	// orders held at some time, holds that expired, postings refunded
	// after 72 hours of refusals or held because the core system could
	// not say, refunds that ended ABNORMAL or CLOSED, abnormal refunds an
	// operator rerouted, failed refunds an operator retried, refunds left
	// failed for the operators.
	proxy, mismatches, everHeld, expired, gaveUp, coreUnknown int
	refundsFailed, rerouted, retried, failedInQueue           int
	refusals                                                  int // refund calls refused (balance short, account closed)
}

func (a *simStats) add(b simStats) {
	a.orders, a.paid, a.credited, a.refunded, a.held = a.orders+b.orders, a.paid+b.paid, a.credited+b.credited, a.refunded+b.refunded, a.held+b.held
	a.crashes, a.interleavings, a.lostNotices, a.lostPosts = a.crashes+b.crashes, a.interleavings+b.interleavings, a.lostNotices+b.lostNotices, a.lostPosts+b.lostPosts
	a.known += b.known
	a.proxy, a.mismatches, a.everHeld, a.expired, a.gaveUp = a.proxy+b.proxy, a.mismatches+b.mismatches, a.everHeld+b.everHeld, a.expired+b.expired, a.gaveUp+b.gaveUp
	a.refundsFailed, a.rerouted, a.retried, a.failedInQueue = a.refundsFailed+b.refundsFailed, a.rerouted+b.rerouted, a.retried+b.retried, a.failedInQueue+b.failedInQueue
	a.refusals, a.coreUnknown = a.refusals+b.refusals, a.coreUnknown+b.coreUnknown
}

func (a simStats) String() string {
	return fmt.Sprintf("%d orders, %d paid at the provider: %d credited, %d refunded, %d held; %d crashes, %d interleavings, "+
		"%d notifications lost, %d core answers lost; %d known-issue violations; "+
		"%d proxy orders credited, %d payments of another amount, %d orders held (%d holds expired), %d postings refunded after 72 h, "+
		"%d held after 72 h as the core system could not say, "+
		"%d refund calls refused, %d refunds failed at the provider (%d rerouted, %d retried by an operator), %d failed refunds left in the operators' queue",
		a.orders, a.paid, a.credited, a.refunded, a.held, a.crashes, a.interleavings, a.lostNotices, a.lostPosts, a.known,
		a.proxy, a.mismatches, a.everHeld, a.expired, a.gaveUp, a.coreUnknown, a.refusals, a.refundsFailed, a.rerouted, a.retried, a.failedInQueue)
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
	ids      *identity.Service
	persons  []*identity.Person
	grants   []*simGrant
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
	grant                  string // the family grant it was made under, once the payer heard back
}

// simGrant is a family grant: proxy may pay grantor's bills of scope
// while it is active.
type simGrant struct {
	name, id       string
	grantor, proxy *identity.Person
	scope          []string
	revoked        bool
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
	mismatch    float64 // the payer is charged another amount than the order's
	refundFail  float64 // an accepted refund ends ABNORMAL or CLOSED
	refundStuck float64 // a payment comes from an account no refund can reach (refused for good)
}

func randomFaults(r *rand.Rand) simFaults {
	f := simFaults{providerErr: 0.2 * r.Float64(), lostAnswer: 0.5 * r.Float64(), coreFail: 0.3 * r.Float64(),
		coreLost: 0.15 * r.Float64(), drop: 0.4 * r.Float64(), dup: 0.3 * r.Float64(),
		interleave: 0.25 * r.Float64(), crash: 0.02 * r.Float64(), pay: 0.5 + 0.45*r.Float64(),
		mismatch: 0.08 * r.Float64(), refundFail: 0.4 * r.Float64(), refundStuck: 0.15 * r.Float64()}
	if r.IntN(10) == 0 { // a calm day
		f = simFaults{pay: f.pay}
	}
	return f
}

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
	ids := identity.NewService(identity.Deps{Store: s.db, Grants: s.db.Grants(), Sealer: sealer, SMS: sms.NewOutbox(s.clock.Now),
		Now: s.clock.Now, Random: newSimRandom(^seed).r, Log: quiet}) // grant ids and codes: read a byte at a time
	s.ids = ids
	s.prov, s.core = newSimProvider(s), newSimCore(s)
	s.svc = payment.NewService(payment.Deps{
		Store: simStore{s.db.Payments(), s}, Providers: map[string]payment.Provider{"wechatpay": s.prov},
		Core: s.core, Persons: ids, Rules: rules{perDay: s.pick(0, 0, 300_000)}, Risk: s.riskRules(), Evidence: ev,
		Signer: voucher.NewSigner(sm2Key), Agency: agency, InsuranceName: insuranceName,
		Now: s.clock.Now, Random: newSimRandom(seed), Log: log, Notify: true,
	})
	s.runner = jobs.NewRunner(s.db, s.clock.Now, quiet)
	for _, k := range append(payment.JobKinds(), payment.JobNoticePaid, payment.JobNoticeHold, payment.JobNoticeRefund,
		payment.JobNoticeUnpaid) {
		s.runner.Handle(k, s.runJob)
	}
	s.h = &harness{ctx: s.ctx, clock: s.clock, db: s.db, ids: ids}
	for n := 1; n <= 3; n++ {
		s.persons = append(s.persons, s.h.register(t, n))
	}
	for range 1 + s.rng.IntN(2) {
		s.grant()
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

// riskRules hold some payments: large ones (both months at once), a
// payer's third in a day, or one paying for a second person in a day, for
// a seeded time, then release or refund them.
func (s *sim) riskRules() risk.Rules {
	return risk.Rules{LargeFen: s.pick(0, 150_000), MaxPaidPerDay: int(s.pick(0, 2)), MaxPayeesDay: int(s.pick(0, 1)),
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

// InGroupTx is the notifications' path (payment.GroupCommitter), counted
// and followed by a crash point like InTx.
func (st simStore) InGroupTx(ctx context.Context, fn func(payment.Tx) error) error {
	st.s.inTx++
	err := st.Store.(payment.GroupCommitter).InGroupTx(ctx, fn)
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
	by := ""
	if o.PayerID != o.PersonID {
		by = ", paid by " + strings.TrimPrefix(o.PayerID, "per_test")
	}
	s.logf("  %s is order %s (%s, %s yuan, bills %s%s)", so.name, o.ID, o.OutTradeNo, o.AmountFen.Yuan(), shortBills(o.BillIDs), by)
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
