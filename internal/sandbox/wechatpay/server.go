package wechatpay

import (
	"crypto/rand"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Config wires a Server. Everything with a side effect (clock, randomness,
// outbound HTTP, logs) is injected so tests control it.
type Config struct {
	Credentials *Credentials
	// MountPrefix is where the platform mounts the server, without
	// http.StripPrefix: "/sandbox/wechatpay" serves /v3/… at
	// /sandbox/wechatpay/v3/…. Empty when the sandbox stands alone.
	MountPrefix string
	// Now is the sandbox's clock; nil means time.Now.
	Now func() time.Time
	// HTTPClient delivers notifications; nil means a plain client. Each
	// attempt gets its own 5-second deadline regardless of the client's.
	HTTPClient *http.Client
	// NotifySchedule is the wait after each failed delivery attempt; nil means
	// WeChat Pay's schedule (DefaultNotifySchedule).
	NotifySchedule []time.Duration
	Logger         *slog.Logger
	// AllowHTTPNotify accepts http:// notify_url for loopback hosts (demo
	// mode and tests); otherwise notify_url must be https as WeChat requires.
	AllowHTTPNotify bool
	// Random feeds ids, nonces and keys; nil means crypto/rand.
	Random io.Reader
	// PollInterval is how often Run looks for due deliveries and refunds
	// (in addition to being woken by new events); zero means one second.
	PollInterval time.Duration
	// RefundDelay is how long a refund stays PROCESSING. Zero means it
	// succeeds at Run's next tick; a positive delay also lets a refund query
	// settle it once the delay has passed, without Run.
	RefundDelay time.Duration
	// BoundAppIDs are more app ids bound to the merchant besides the
	// credentials' own (a mini-program next to the official account), as a
	// merchant binds them in WeChat Pay's merchant platform.
	BoundAppIDs []string
}

// DefaultNotifySchedule returns WeChat Pay's retry intervals for payment and
// refund notifications: 15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h,
// 24h4m in all (https://pay.weixin.qq.com/wiki/doc/apiv3/apis/chapter3_2_5.shtml).
// It is a function, not a variable, so no caller can change it for others.
func DefaultNotifySchedule() []time.Duration {
	m, h := time.Minute, time.Hour
	return []time.Duration{15 * time.Second, 15 * time.Second, 30 * time.Second, 3 * m, 10 * m, 20 * m,
		30 * m, 30 * m, 30 * m, 60 * m, 3 * h, 3 * h, 3 * h, 6 * h, 6 * h}
}

// Server is the sandbox. It is an http.Handler; Run delivers notifications.
type Server struct {
	creds           *Credentials
	boundApps       map[string]bool // app ids that may pay to this merchant
	prefix          string
	now             func() time.Time
	client          *http.Client
	schedule        []time.Duration
	log             *slog.Logger
	allowHTTPNotify bool
	poll            time.Duration
	refundDelay     time.Duration
	loc             *time.Location
	rnd             *randSource
	ids             ids
	mux             *http.ServeMux
	pages           *template.Template
	cssVersion      string
	wake            chan struct{}

	mu         sync.Mutex         // guards everything below: the sandbox's whole world
	orders     map[string]*order  // by out_trade_no
	byTxn      map[string]*order  // by transaction_id
	prepays    map[string]*prepay // by prepay_id, and by Native code_url code
	refunds    map[string]*refund // by out_refund_no
	pending    []*refund          // refunds still PROCESSING, oldest first
	bills      map[string]*billFile
	deliveries []*delivery
	faults     Faults
}

var validPrefix = regexp.MustCompile(`^(/[A-Za-z0-9._~-]+)*$`)

// NewServer checks cfg, fills defaults and parses the cashier templates, so
// that a broken template or credential fails at start, not on a request.
func NewServer(cfg Config) (*Server, error) {
	if err := cfg.Credentials.validate(); err != nil {
		return nil, fmt.Errorf("wechatpay sandbox: %w", err)
	}
	if !validPrefix.MatchString(cfg.MountPrefix) {
		return nil, fmt.Errorf("wechatpay sandbox: mount prefix %q must be empty or /segments without a trailing slash", cfg.MountPrefix)
	}
	s := &Server{
		creds:           cfg.Credentials,
		boundApps:       boundApps(cfg),
		prefix:          cfg.MountPrefix,
		now:             cfg.Now,
		client:          cfg.HTTPClient,
		schedule:        cfg.NotifySchedule,
		log:             cfg.Logger,
		allowHTTPNotify: cfg.AllowHTTPNotify,
		poll:            cfg.PollInterval,
		refundDelay:     cfg.RefundDelay,
		// China has kept UTC+8 without daylight saving since 1991, so a fixed
		// zone is exact for Asia/Shanghai and needs no tzdata on the host.
		loc:     time.FixedZone("CST", 8*60*60),
		rnd:     &randSource{r: cfg.Random},
		wake:    make(chan struct{}, 1),
		orders:  map[string]*order{},
		byTxn:   map[string]*order{},
		prepays: map[string]*prepay{},
		refunds: map[string]*refund{},
		bills:   map[string]*billFile{},
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
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.poll <= 0 {
		s.poll = time.Second
	}
	if s.rnd.r == nil {
		s.rnd.r = rand.Reader
	}
	for _, d := range s.schedule {
		if d <= 0 {
			return nil, errors.New("wechatpay sandbox: notify schedule intervals must be positive")
		}
	}
	s.ids = ids{rnd: s.rnd, loc: s.loc}
	var err error
	if s.pages, s.cssVersion, err = parsePages(); err != nil {
		return nil, err
	}
	s.mux = s.routes()
	return s, nil
}

// ServeHTTP routes a request. The platform mounts the server at
// MountPrefix+"/" without stripping, so every route includes the prefix.
//
// A bill download_url already carries the prefix (it points at the sandbox
// itself); a client transport that prefixes every path would send it twice.
// Such a request is routed as if prefixed once, while the signature is still
// checked against the URI as received (see canonicalURIs).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.prefix != "" && strings.HasPrefix(r.URL.Path, s.prefix+s.prefix+"/") {
		r2 := new(http.Request)
		*r2 = *r
		u := *r.URL
		u.Path = strings.TrimPrefix(u.Path, s.prefix)
		u.RawPath = strings.TrimPrefix(u.RawPath, s.prefix)
		r2.URL = &u
		r = r2
	}
	s.mux.ServeHTTP(w, r)
}

// signal wakes Run without blocking; one pending wake-up is enough.
func (s *Server) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// fmtTime is WeChat's RFC 3339 with the +08:00 offset, to the second.
func (s *Server) fmtTime(t time.Time) string {
	return t.In(s.loc).Truncate(time.Second).Format(time.RFC3339)
}

func boundApps(cfg Config) map[string]bool {
	m := map[string]bool{cfg.Credentials.AppID: true}
	for _, id := range cfg.BoundAppIDs {
		m[id] = true
	}
	return m
}
