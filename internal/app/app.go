// Package app wires shebao together: configuration → storage → services →
// HTTP surfaces → background work. It is the only place that knows every
// part; cmd/shebao only parses the command line and calls it.
package app

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emmansun/gmsm/sm2"

	"github.com/shebao-project/shebao/internal/api"
	"github.com/shebao-project/shebao/internal/auditlog"
	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/config"
	"github.com/shebao-project/shebao/internal/console"
	"github.com/shebao-project/shebao/internal/evidence"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/notice"
	"github.com/shebao-project/shebao/internal/operator"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/payment/wechatpay"
	"github.com/shebao-project/shebao/internal/pii"
	"github.com/shebao-project/shebao/internal/policy"
	"github.com/shebao-project/shebao/internal/policyadmin"
	"github.com/shebao-project/shebao/internal/risk"
	"github.com/shebao-project/shebao/internal/ticket"
	"github.com/shebao-project/shebao/internal/voucher"
	"github.com/shebao-project/shebao/internal/web"
	"github.com/shebao-project/shebao/policies"
)

// Options are the parts tests replace; zero values mean the real ones.
type Options struct {
	Now    func() time.Time
	Random io.Reader
	Log    *slog.Logger
	// NotifySchedule overrides the sandbox's WeChat retry schedule.
	NotifySchedule []time.Duration
	// Risk overrides the hold and second-factor rules (risk.Default()),
	// so tests can reach a line the default puts beyond a region's limits.
	Risk *risk.Rules
}

func (o Options) riskRules() risk.Rules {
	if o.Risk != nil {
		return *o.Risk
	}
	return risk.Default()
}

// App is a running shebao's parts.
type App struct {
	cfg       config.Config
	publicURL string
	log       *slog.Logger
	now       func() time.Time
	db        engine
	Identity  *identity.Service
	Payments  *payment.Service
	Notices   *notice.Service
	// PolicyAdmin publishes and rolls back policy packs from the console.
	PolicyAdmin *policyadmin.Service
	Billing     *billing.Service
	Policy      *policy.Engine
	Evidence    *evidence.Log
	Operators   *operator.Service
	Tickets     *ticket.Service
	runner      *jobs.Runner
	outside     *outside
	wechat      *wechatApp  // the official account and mini-program: login, messages
	draining    atomic.Bool // shutting down: /readyz says so
	handler     http.Handler
	bg          sync.WaitGroup
}

// New opens the data directory and builds every part. publicURL is where
// this instance is reachable (the sandbox sends notifications there).
func New(ctx context.Context, cfg config.Config, publicURL string, o Options) (*App, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Random == nil {
		o.Random = rand.Reader
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	a := &App{cfg: cfg, publicURL: strings.TrimRight(publicURL, "/"), log: o.Log, now: o.Now}
	if err := a.build(ctx, o); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) build(ctx context.Context, o Options) error {
	var err error
	if a.Policy, err = policy.Load(policies.FS, o.Now); err != nil {
		return fmt.Errorf("app: policy packs: %w", err)
	}
	if err := ensureDir(a.cfg.DataDir); err != nil {
		return err
	}
	if a.db, err = openEngine(ctx, a.cfg.DB, a.cfg.DataDir); err != nil {
		return err
	}
	k, err := a.loadKeys(o)
	if err != nil {
		return err
	}
	if a.Evidence, err = evidence.New(evidence.Deps{Store: a.db.Evidence(), NoteKey: k.note, SM2Key: k.sm2,
		Now: o.Now, Random: o.Random, Log: a.log}); err != nil {
		return err
	}
	if a.cfg.Demo {
		a.outside, err = newOutside(sandboxConfig{url: a.cfg.SandboxURL, dataDir: a.cfg.DataDir}, a.publicURL, o, a.log)
	} else {
		a.outside, err = newProductionOutside(a.cfg.OutsideDir)
	}
	if err != nil {
		return err
	}
	if a.outside.local != nil {
		seedDemoAccounts(a.outside.local.core)
	}
	a.wechat = a.outside.wechatApp(o.Now)
	national, err := a.outside.nationalLogin(a.publicURL, o.Random)
	if err != nil {
		return fmt.Errorf("app: national login: %w", err)
	}
	var nl identity.NationalLogin
	if national != nil { // not a typed nil in the interface
		nl = national
	}
	a.Identity = identity.NewService(identity.Deps{Store: a.db, Grants: a.db.Grants(), PINs: a.db, Face: a.outside.faceClient(), Faces: a.db,
		Sealer: k.sealer, SMS: a.outside.sms, WeChat: wechatLogin{a.wechat.oa, a.wechat.mp}, National: nl, Now: o.Now, Random: o.Random, Log: a.log})
	a.Billing = billing.NewService(a.db, a.Policy, o.Now, o.Random)
	a.runner = jobs.NewRunner(a.db, o.Now, a.log)
	if a.cfg.JobLease > 0 {
		a.runner.SetLease(a.cfg.JobLease)
	}
	if err := a.buildPayments(ctx, o, k); err != nil {
		return err
	}
	a.Operators = operator.NewService(operator.Deps{Store: a.db.OperatorStore(), Sealer: k.sealer, Now: o.Now, Random: o.Random, Log: a.log})
	// Packs published from the console replace or follow the release's:
	// swap them into the engine every service already holds, before
	// anything is priced.
	a.PolicyAdmin = policyadmin.NewService(policyadmin.Deps{Store: a.db.PolicyPacks(), Engine: a.Policy, Files: policies.FS,
		Audit: a.Operators, Now: o.Now, Log: a.log})
	if err := a.PolicyAdmin.Reload(ctx); err != nil {
		return fmt.Errorf("app: %w", err)
	}
	a.Tickets = ticket.NewService(ticket.Deps{Store: a.db.TicketStore(), Now: o.Now, Random: o.Random, Log: a.log, Wake: a.runner.Wake,
		Notifier: ticket.SMSNotifier{Persons: a.Identity, SMS: a.outside.sms, Staff: ticket.LogNotifier{Log: a.log}}})
	a.runner.Handle(ticket.JobEscalate, a.Tickets.RunJob)
	a.runner.Handle(ticket.JobNotify, a.Tickets.RunJob)
	if _, err := a.Tickets.SeedFAQ(ctx); err != nil {
		return fmt.Errorf("app: faq: %w", err)
	}
	if err := a.seedDemo(ctx); err != nil {
		return fmt.Errorf("app: demo data: %w", err)
	}
	if err := a.schedule(ctx, o); err != nil {
		return err
	}
	a.handler = a.routes()
	return nil
}

// keys are the platform's own keys, under <data>/keys, created on first
// start.
type keys struct {
	sealer *pii.Sealer     // SM4 sealing and blind indexes of personal data (the keyring, pii.LoadKeyring)
	sm2    *sm2.PrivateKey // the agency's voucher signing key
	note   string          // the evidence log's signed-note key
}

func (a *App) loadKeys(o Options) (keys, error) {
	var k keys
	var err error
	if k.sealer, err = pii.LoadKeyring(filepath.Join(a.cfg.DataDir, "keys"), o.Random); err != nil {
		return k, err
	}
	if k.sm2, err = voucher.LoadOrCreateKey(filepath.Join(a.cfg.DataDir, "keys", "agency-sm2.pem"), o.Random); err != nil {
		return k, err
	}
	k.note, err = evidence.LoadOrCreateNoteKey(filepath.Join(a.cfg.DataDir, "keys", evidenceKeyFile), evidenceOrigin(a.publicURL), o.Random)
	return k, err
}

// buildPayments wires the payment channels, the payment service and the
// messages that tell payers about their orders.
func (a *App) buildPayments(ctx context.Context, o Options, k keys) error {
	provider, err := a.outside.provider(ctx, a.publicURL)
	if err != nil {
		return err
	}
	cardAccount, err := a.outside.sscProvider(a.publicURL, o.Random, o.Now)
	if err != nil {
		return err
	}
	providers := map[string]payment.Provider{"wechatpay": provider, "ssc_account": cardAccount,
		"wechatpay_native": wechatpay.NewNative(provider, a.publicURL+"/api/v1/payments/wechatpay_native/notify")}
	if unionPay, err := a.outside.unionPayProvider(a.publicURL, o.Random, o.Now); err != nil {
		return err
	} else if unionPay != nil {
		providers["unionpay"] = unionPay
	}
	a.Payments = payment.NewService(payment.Deps{
		Store: a.db.Payments(), Providers: providers,
		Core: a.outside.coreClient(), Persons: a.Identity, Rules: rules{a.Policy}, Risk: o.riskRules(), Evidence: a.Evidence,
		Signer: voucher.NewSigner(k.sm2), Agency: demoAgency, InsuranceName: insuranceName,
		Now: o.Now, Random: o.Random, Log: a.log, Wake: a.runner.Wake, Notify: true,
		Credits: a.db.Credits(), CreditRules: rules{a.Policy}, Collector: cardAccount,
		Accounts: a.outside.coreClient(), OffsetRules: rules{a.Policy},
	})
	for _, kind := range payment.JobKinds() {
		a.runner.Handle(kind, a.Payments.RunJob)
	}
	a.runner.Handle(payment.JobOffsetDebit, a.Payments.RunOffsetJob)
	a.Notices = notice.NewService(notice.Deps{Store: a.db.Notices(), Persons: a.Identity, Orders: orderFacts{a.Payments},
		SMS: a.outside.sms, WeChat: subscribeSender{a.wechat.mp}, Templates: a.wechat.templates, Now: o.Now, Log: a.log})
	for _, kind := range notice.JobKinds() {
		a.runner.Handle(kind, a.Notices.RunJob)
	}
	return nil
}

// schedule enqueues the self-renewing background work once: evidence
// checkpoints, the reminder sweep and the daily reconciliation.
func (a *App) schedule(ctx context.Context, o Options) error {
	a.runner.Handle(evidence.JobCheckpoint, a.Evidence.CheckpointJob(time.Minute))
	if err := a.db.Payments().InTx(ctx, func(tx payment.Tx) error {
		return tx.EnqueueJobOnce(ctx, jobs.Job{Kind: evidence.JobCheckpoint, Ref: evidence.JobCheckpointRef, RunAt: o.Now()})
	}); err != nil {
		return fmt.Errorf("app: schedule checkpoints: %w", err)
	}
	if err := a.Notices.ScheduleReminders(ctx); err != nil {
		return fmt.Errorf("app: schedule reminders: %w", err)
	}
	if err := a.Payments.ScheduleReconciliation(ctx); err != nil {
		return fmt.Errorf("app: schedule reconciliation: %w", err)
	}
	return nil
}

func (a *App) routes() http.Handler {
	mux := http.NewServeMux()
	eraser := a.eraser()
	apiH := api.NewHandler(api.Deps{Identity: a.Identity, Payments: a.Payments, Policy: a.Policy, PublicURL: a.publicURL, Deletions: eraser,
		Notices: a.Notices, WeChat: &api.WeChatInfo{AppID: a.wechat.mpAppID, OfficialAccountAppID: a.wechat.oaAppID, Templates: a.wechat.templates},
		FaceBaseURL: a.outside.faceOrigin(), AuthPerMinute: a.cfg.AuthPerMinute, Evidence: a.Evidence, Now: a.now, Log: a.log})
	mux.Handle("/api/", apiH)
	mux.Handle("/api/v1/log/", a.Evidence.Handler())
	mux.HandleFunc("GET /healthz", a.healthz)
	mux.HandleFunc("GET /readyz", a.readyz)
	if a.outside.local != nil {
		mux.Handle("/sandbox/", a.outside.local.handler())
	}
	if a.cfg.Demo {
		mux.Handle("POST /sandbox/population", &population{a: a})
	}
	webH, err := web.NewHandler(web.Deps{Identity: a.Identity, Payments: a.Payments, Billing: a.Billing, Policy: a.Policy,
		PublicURL: a.publicURL, Now: a.now, Log: a.log, Demo: a.cfg.Demo, Secure: strings.HasPrefix(a.publicURL, "https://"),
		Prefs:       webPrefs{db: a.db, now: a.now},
		FaceBaseURL: a.outside.faceOrigin(), TicketURL: "/tickets/new", JSBridgeURL: a.outside.jsBridgeURL(),
		WeChatAuthorize: a.wechat.oa.AuthorizeURL, Deletions: eraser})
	if err != nil {
		panic(err) // templates are embedded: a parse error is a build defect caught by every test
	}
	consoleH, err := console.NewHandler(console.Deps{PolicyAdmin: a.PolicyAdmin, Operators: a.Operators, Tickets: a.Tickets, Payments: a.Payments,
		Persons: a.Identity, Policies: a.Policy, Store: a.db.ConsoleStore(), Deletions: eraser, Credits: a.db.Credits(), Now: a.now, Log: a.log,
		Secure: strings.HasPrefix(a.publicURL, "https://"), Wake: a.runner.Wake})
	if err != nil {
		panic(err) // embedded templates, as above
	}
	mux.Handle("/admin", consoleH)
	mux.Handle("/admin/", consoleH)
	ticketsH, err := a.Tickets.CitizenHandler(ticket.CitizenDeps{Citizens: a.Identity, Orders: a.Payments})
	if err != nil {
		panic(err)
	}
	mux.Handle("/tickets", ticketsH)
	mux.Handle("/tickets/", ticketsH)
	mux.Handle("GET /metrics", console.NewMetrics(console.MetricsDeps{Store: a.db.ConsoleStore(), Tickets: a.Tickets,
		Now: a.now, Log: a.log, Token: a.cfg.MetricsToken}))
	mux.Handle("/", webH)
	return withRequestLog(a.log, securityHeaders(admission(a.cfg.MaxInFlight, admissionWait, mux)))
}

// Handler is the whole HTTP surface.
func (a *App) Handler() http.Handler { return a.handler }

// Run does the background work until ctx ends: durable jobs, the sandbox's
// notification deliveries, and issuing each new month's bills.
func (a *App) Run(ctx context.Context) {
	a.bg.Add(4)
	go func() { defer a.bg.Done(); a.PolicyAdmin.Run(ctx) }()
	go func() { defer a.bg.Done(); a.runner.Run(ctx) }()
	go func() {
		defer a.bg.Done()
		if a.outside.local != nil {
			a.outside.local.run(ctx)
		}
	}()
	go func() { defer a.bg.Done(); a.issueBillsPeriodically(ctx) }()
	a.bg.Wait()
}

// Close releases the database. Call it after Run has returned.
func (a *App) Close() error {
	if a.db != nil {
		return a.db.Close()
	}
	return nil
}

func (a *App) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if err := a.db.Ping(r.Context()); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, `{"status":"unavailable","database":"down"}`)
		return
	}
	fmt.Fprintln(w, `{"status":"ok"}`)
}

// readyz tells a load balancer whether to send this server requests: not
// while it is shutting down (it finishes what it has), nor when the
// database is unreachable. /healthz stays up while draining, so the
// process is not restarted in the middle of it.
func (a *App) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if a.draining.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, `{"status":"draining"}`)
		return
	}
	a.healthz(w, r)
}

// Drain marks the server as shutting down for /readyz.
func (a *App) Drain() { a.draining.Store(true) }

// AuditReader reads the citizens' audit log, for verification and export.
func (a *App) AuditReader() auditlog.Reader { return a.db }

// RunJobsOnce runs every job due now; tests use it to step deterministically.
func (a *App) RunJobsOnce(ctx context.Context) int { return a.runner.RunDue(ctx) }

// evidenceOrigin names this instance's evidence log when its key is first
// made: the public URL's host and path, then "/evidence"
// (c2sp.org/tlog-checkpoint recommends a schema-less URL). The key file keeps
// the name afterwards, so moving the public URL does not rename the log.
func evidenceOrigin(publicURL string) string {
	u, err := url.Parse(publicURL)
	if err != nil || u.Host == "" {
		return "shebao.invalid/evidence"
	}
	return strings.TrimSuffix(u.Host+u.Path, "/") + "/evidence"
}
