// Package config is shebao's typed configuration: read once from flags and
// environment variables (a flag wins over its variable), validated, and
// passed explicitly. Nothing reads the environment anywhere else.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Config is what `shebao serve` runs with.
type Config struct {
	Addr      string // where to listen, HOST:PORT
	DataDir   string // database, keys and sandbox credentials
	DB        string // "" = SQLite at <DataDir>/shebao.db
	Demo      bool   // demo data and sandboxes mounted under /sandbox/
	PublicURL string // how people and providers reach us; "" = http://<Addr>
	LogFormat string // text | json
	LogLevel  string // debug | info | warn | error
	// SandboxURL, in demo mode, points at a sandbox running apart
	// (`shebao sandbox`) instead of one mounted in this process; its merchant
	// credentials are read from <DataDir>/sandbox/merchant.json.
	SandboxURL string
	// JobLease is how long a claimed background job is reserved (0: 2 minutes).
	JobLease time.Duration
	// AuthPerMinute limits sign-in and SMS-code requests per client address
	// (0: no limit). The limit is per process.
	AuthPerMinute int
	// MetricsToken, if set, is the bearer token /metrics requires.
	MetricsToken string
	// MaxInFlight bounds the requests served at once (0: no bound); more
	// wait their turn, and after a while get 503 with Retry-After.
	MaxInFlight int
	// OutsideDir, in production (Demo false), holds the agency's credentials
	// and gateways: merchant.json and its key files (WeChat Pay),
	// wechat-app.json and miniprogram/wechat-app.json (the WeChat apps),
	// ssc/ (the card bank), gateways.json (SMS, face, core system, card bank
	// URLs). The same files the sandbox writes in demo mode.
	OutsideDir string
}

// Env looks up an environment variable; os.LookupEnv in main, a map in tests.
type Env func(key string) (string, bool)

// ParseServe reads the serve command's flags over the environment.
func ParseServe(args []string, env Env, stderr io.Writer) (Config, error) {
	c := Config{
		Addr: envOr(env, "SHEBAO_ADDR", "127.0.0.1:8080"), DataDir: envOr(env, "SHEBAO_DATA", "data"),
		DB: envOr(env, "SHEBAO_DB", ""), PublicURL: envOr(env, "SHEBAO_PUBLIC_URL", ""),
		LogFormat: envOr(env, "SHEBAO_LOG_FORMAT", "text"), LogLevel: envOr(env, "SHEBAO_LOG_LEVEL", "info"),
	}
	demo, err := strconv.ParseBool(envOr(env, "SHEBAO_DEMO", "true"))
	if err != nil {
		return c, fmt.Errorf("SHEBAO_DEMO: want true or false, got %q", envOr(env, "SHEBAO_DEMO", ""))
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address HOST:PORT (SHEBAO_ADDR)")
	fs.StringVar(&c.DataDir, "data", c.DataDir, "data directory: database, keys, sandbox credentials (SHEBAO_DATA)")
	fs.StringVar(&c.DB, "db", c.DB, "database URL; empty for SQLite in the data directory (SHEBAO_DB)")
	fs.BoolVar(&c.Demo, "demo", demo, "demo mode: demo people and bills, sandboxes under /sandbox/ (SHEBAO_DEMO)")
	fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "public base URL; default http://ADDR (SHEBAO_PUBLIC_URL)")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "log format: text or json (SHEBAO_LOG_FORMAT)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "log level: debug, info, warn, error (SHEBAO_LOG_LEVEL)")
	fs.StringVar(&c.SandboxURL, "sandbox-url", envOr(env, "SHEBAO_SANDBOX_URL", ""), "use a sandbox running apart at this URL (SHEBAO_SANDBOX_URL)")
	fs.DurationVar(&c.JobLease, "job-lease", 0, "how long a claimed background job is reserved; 0 for 2 minutes")
	fs.StringVar(&c.MetricsToken, "metrics-token", envOr(env, "SHEBAO_METRICS_TOKEN", ""), "bearer token required by /metrics; empty for none (SHEBAO_METRICS_TOKEN)")
	fs.StringVar(&c.OutsideDir, "outside", envOr(env, "SHEBAO_OUTSIDE", ""), "production: directory of the agency's WeChat Pay, WeChat app, card bank credentials and gateways.json (SHEBAO_OUTSIDE)")
	fs.IntVar(&c.MaxInFlight, "max-inflight", DefaultMaxInFlight(), "requests served at once; more wait, then get 503 (0 for no bound)")
	fs.IntVar(&c.AuthPerMinute, "auth-per-minute", 30, "sign-in and SMS-code requests allowed per client address and minute; 0 for no limit")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	return c, c.Validate()
}

// Validate checks the values; the errors say which setting and how to fix it.
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("--addr %q: want HOST:PORT such as 127.0.0.1:8080", c.Addr))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("--data: a data directory is required"))
	}
	if c.DB != "" && !strings.HasPrefix(c.DB, "sqlite:") && !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://") {
		errs = append(errs, fmt.Errorf("--db %q: want postgres://USER@HOST:PORT/DB for PostgreSQL, sqlite:PATH, or nothing for SQLite in the data directory", c.DB))
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("--public-url %q: want an absolute http(s) URL", c.PublicURL))
		}
	}
	if !c.Demo {
		errs = append(errs, c.validateProduction()...)
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("--log-format %q: want text or json", c.LogFormat))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel))
	}
	return errors.Join(errs...)
}

// validateProduction: no sandbox, the agency's credentials, and a public
// HTTPS address (WeChat Pay sends notifications only to https; plain http
// is accepted for a loopback address, for tests behind nothing).
func (c Config) validateProduction() []error {
	var errs []error
	if c.OutsideDir == "" {
		errs = append(errs, errors.New("--demo=false: give --outside DIR, the directory with the agency's credentials (merchant.json, wechat-app.json, miniprogram/wechat-app.json, ssc/) and gateways.json; see README, Deploying"))
	}
	if c.SandboxURL != "" {
		errs = append(errs, errors.New("--sandbox-url is for demo mode; in production the gateways are in --outside DIR/gateways.json"))
	}
	u, err := url.Parse(c.PublicURL)
	switch {
	case c.PublicURL == "" || err != nil:
		errs = append(errs, errors.New("--demo=false: give --public-url https://HOST, the address people and WeChat Pay reach this service at"))
	case u.Scheme != "https" && !loopback(u.Hostname()):
		errs = append(errs, fmt.Errorf("--public-url %q: production needs https (WeChat Pay notifies only https addresses)", c.PublicURL))
	}
	return errs
}

func loopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}

// DefaultMaxInFlight is 8 requests per CPU: at 1,000 concurrent simulated
// citizens on 2 cores, 16 at once credited 22 orders/s, 64 credited 4 and
// no bound almost none (README, Performance).
func DefaultMaxInFlight() int { return 8 * runtime.GOMAXPROCS(0) }

func envOr(env Env, key, def string) string {
	if v, ok := env(key); ok && v != "" {
		return v
	}
	return def
}
