package ssc

import (
	"crypto/rand"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"sync"
	"time"
)

// Config wires a Server. Everything with a side effect (clock, randomness,
// outbound HTTP, logs) is injected so tests control it.
type Config struct {
	Credentials *Credentials
	// MountPrefix is where the platform mounts the server, without
	// http.StripPrefix: "/sandbox/ssc" serves /v1/… at /sandbox/ssc/v1/….
	// Signatures cover the path after it, as the protocol says.
	MountPrefix string
	// Now is the bank's clock; nil means time.Now.
	Now func() time.Time
	// HTTPClient delivers notifications; nil means a plain client. Each
	// attempt has its own 5-second deadline regardless.
	HTTPClient *http.Client
	// NotifySchedule is the wait after each failed delivery attempt; nil
	// means DefaultNotifySchedule.
	NotifySchedule []time.Duration
	// Random feeds ids, tokens, nonces and signatures; nil means crypto/rand.
	Random io.Reader
	Logger *slog.Logger
	// AllowHTTPNotify accepts http:// notify URLs on loopback hosts (demo
	// mode and tests); otherwise they must be https.
	AllowHTTPNotify bool
	// Limits are the card account's; nil means DefaultLimits.
	Limits *Limits
	// PollInterval is how often Run looks for due work besides being woken;
	// zero means one second.
	PollInterval time.Duration
	// RefundDelay is how long a refund stays PROCESSING; it settles at the
	// first Run tick or query after that.
	RefundDelay time.Duration
	// Brand is how the pages and numbers present the bank; zero means
	// CardAccountBrand.
	Brand Brand
}

// DefaultNotifySchedule is the retry plan of the protocol brief: 15 s, 30 s,
// 1 min, 5 min, 10 min, 30 min, 1 h, 2 h, 6 h, 12 h (about 22 hours).
func DefaultNotifySchedule() []time.Duration {
	m, h := time.Minute, time.Hour
	return []time.Duration{15 * time.Second, 30 * time.Second, m, 5 * m, 10 * m, 30 * m, h, 2 * h, 6 * h, 12 * h}
}

// Server is the bank. It is an http.Handler; Run delivers notifications and
// settles refunds.
type Server struct {
	creds           *Credentials
	merchantKeyID   string
	bankKeyID       string
	prefix          string
	now             func() time.Time
	client          *http.Client
	schedule        []time.Duration
	log             *slog.Logger
	allowHTTPNotify bool
	poll            time.Duration
	refundDelay     time.Duration
	rnd             *randSource
	mux             *http.ServeMux
	pages           *template.Template
	cssVersion      string
	brand           Brand
	wake            chan struct{}

	mu         sync.Mutex          // guards everything below: the bank's whole world
	debits     map[string]*debit   // by out_trade_no
	tokens     map[string]*debit   // by payment token, current and lapsed
	refunds    map[string]*refund  // by out_refund_no
	mandates   map[string]*mandate // by mandate_ref
	dayUsed    map[string]int64    // fen debited per holder_ref and Beijing date
	deliveries []*delivery
	faults     Faults
	limits     Limits
	nonces     map[string]time.Time // request nonces, for replay rejection
	pruned     time.Time
}

var validPrefix = regexp.MustCompile(`^(/[A-Za-z0-9._~-]+)*$`)

// NewServer checks cfg, fills defaults and parses the confirmation page, so
// that a broken template or key fails at start, not on a request.
func NewServer(cfg Config) (*Server, error) {
	if err := cfg.Credentials.validate(); err != nil {
		return nil, fmt.Errorf("ssc sandbox: %w", err)
	}
	if !validPrefix.MatchString(cfg.MountPrefix) {
		return nil, fmt.Errorf("ssc sandbox: mount prefix %q must be empty or /segments without a trailing slash", cfg.MountPrefix)
	}
	s := &Server{
		creds: cfg.Credentials, prefix: cfg.MountPrefix, now: cfg.Now, client: cfg.HTTPClient,
		schedule: cfg.NotifySchedule, log: cfg.Logger, allowHTTPNotify: cfg.AllowHTTPNotify,
		poll: cfg.PollInterval, refundDelay: cfg.RefundDelay, rnd: &randSource{r: cfg.Random},
		wake: make(chan struct{}, 1), debits: map[string]*debit{}, tokens: map[string]*debit{},
		refunds: map[string]*refund{}, mandates: map[string]*mandate{}, dayUsed: map[string]int64{}, nonces: map[string]time.Time{},
		limits: DefaultLimits(), brand: cfg.Brand,
	}
	if s.brand == (Brand{}) {
		s.brand = CardAccountBrand()
	} else if !s.brand.complete() {
		return nil, errors.New("ssc sandbox: a brand needs a name, operator, account, 4-digit card BIN and 2-letter serial prefix")
	}
	if cfg.Limits != nil {
		s.limits = *cfg.Limits
	}
	if err := s.limits.check(); err != nil {
		return nil, fmt.Errorf("ssc sandbox: %w", err)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.client == nil {
		s.client = &http.Client{}
	}
	if s.schedule == nil {
		s.schedule = DefaultNotifySchedule()
	}
	for _, d := range s.schedule {
		if d <= 0 {
			return nil, errors.New("ssc sandbox: notify schedule intervals must be positive")
		}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.poll <= 0 {
		s.poll = time.Second
	}
	if s.rnd.r == nil {
		s.rnd.r = rand.Reader
	}
	var err error
	if s.merchantKeyID, err = keyID(&s.creds.MerchantKey.PublicKey); err != nil {
		return nil, err
	}
	if s.bankKeyID, err = keyID(&s.creds.BankKey.PublicKey); err != nil {
		return nil, err
	}
	if s.pages, s.cssVersion, err = parsePages(); err != nil {
		return nil, err
	}
	s.mux = s.routes()
	return s, nil
}

// ServeHTTP routes a request. The platform mounts the server at
// MountPrefix+"/" without stripping, so every route includes the prefix.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// signal wakes Run without blocking; one pending wake-up is enough.
func (s *Server) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// beijing is UTC+8 without daylight saving (since 1991): exact, no tzdata.
var beijing = time.FixedZone("CST", 8*60*60)

// fmtTime is RFC 3339 in Beijing time, to the second, as the brief says.
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(beijing).Truncate(time.Second).Format(time.RFC3339)
}

func dayOf(t time.Time) string { return t.In(beijing).Format(time.DateOnly) }
