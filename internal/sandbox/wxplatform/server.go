package wxplatform

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

// App is an official account or mini-program registered with WeChat: the
// AppID and AppSecret its developer copies from the WeChat console. In demo
// mode the platform uses one app for both, as a 公众号 and 小程序 bound to
// one open-platform account would share a unionid but not an openid.
type App struct {
	AppID     string
	AppSecret string
	// Name is what the sandbox's pages call the app; empty means the AppID.
	Name string
}

// PresetUser is a WeChat user the authorization page offers by name, so that
// a demo can come back as the same person. UnionID may be empty (one is
// generated); AppID may be empty when only one app is configured.
type PresetUser struct {
	AppID, OpenID, UnionID string
	Label                  string // e.g. "张三（已参保）"
}

// Config wires a Server. Everything with a side effect (clock, randomness,
// logs) is injected so tests control it.
type Config struct {
	// MountPrefix is where the platform mounts the server, without
	// http.StripPrefix: "/sandbox/wechat" serves /sns/… at
	// /sandbox/wechat/sns/…. Empty when the sandbox stands alone.
	MountPrefix string
	Apps        []App
	// Templates are the subscription-message templates every app may send;
	// nil means DefaultTemplates().
	Templates []Template
	// PresetOpenIDs are the users the authorization page lists first.
	PresetOpenIDs []PresetUser
	// RedirectHosts stands for each app's 网页授权域名: the hosts (with a
	// port when it must match too) a redirect_uri may name. Empty allows any
	// loopback host (localhost, 127.0.0.0/8, ::1), which suits demos.
	RedirectHosts []string
	// Now is the sandbox's clock; nil means time.Now.
	Now func() time.Time
	// Random feeds ids, codes, tokens and keys; nil means crypto/rand.
	Random io.Reader
	// Logger records the sandbox's own failures; nil discards them.
	Logger *slog.Logger
}

// Server is the sandbox. It is an http.Handler.
type Server struct {
	prefix        string
	apps          map[string]App
	appOrder      []string
	templates     map[string]Template
	redirectHosts []string
	now           func() time.Time
	rnd           *randSource
	log           *slog.Logger
	mux           *http.ServeMux
	pages         *template.Template
	cssVersion    string

	mu        sync.Mutex // guards everything below: the sandbox's whole world
	users     *users
	codes     map[string]*code          // by code value
	codeQueue []string                  // code values, oldest first, for sweeping
	tokens    map[string]*token         // by access_token value
	stable    map[string]*token         // the current stable_token per appid
	lastFR    map[string]time.Time      // last stable_token force_refresh per appid
	grants    map[string]map[string]int // openid → template_id → unused consents
	outbox    map[string][]Message      // openid → messages, newest last
}

var (
	validPrefix = regexp.MustCompile(`^(/[A-Za-z0-9._~-]+)*$`)
	validAppID  = regexp.MustCompile(`^wx[0-9a-f]{16}$`)
)

// NewServer checks cfg, fills defaults and parses the pages, so that a
// broken template or app fails at start, not on a request.
func NewServer(cfg Config) (*Server, error) {
	if !validPrefix.MatchString(cfg.MountPrefix) {
		return nil, fmt.Errorf("wxplatform sandbox: mount prefix %q must be empty or /segments without a trailing slash", cfg.MountPrefix)
	}
	s := &Server{
		prefix:        cfg.MountPrefix,
		apps:          map[string]App{},
		templates:     map[string]Template{},
		redirectHosts: cfg.RedirectHosts,
		now:           cfg.Now,
		rnd:           &randSource{r: cfg.Random},
		log:           cfg.Logger,
		codes:         map[string]*code{},
		tokens:        map[string]*token{},
		stable:        map[string]*token{},
		lastFR:        map[string]time.Time{},
		grants:        map[string]map[string]int{},
		outbox:        map[string][]Message{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rnd.r == nil {
		s.rnd.r = rand.Reader
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if err := s.addApps(cfg.Apps); err != nil {
		return nil, err
	}
	tmpls := cfg.Templates
	if tmpls == nil {
		tmpls = DefaultTemplates()
	}
	if err := s.addTemplates(tmpls); err != nil {
		return nil, err
	}
	s.users = newUsers(s.rnd)
	if err := s.addPresets(cfg.PresetOpenIDs); err != nil {
		return nil, err
	}
	var err error
	if s.pages, s.cssVersion, err = parsePages(); err != nil {
		return nil, err
	}
	s.mux = s.routes()
	return s, nil
}

func (s *Server) addApps(apps []App) error {
	if len(apps) == 0 {
		return errors.New("wxplatform sandbox: at least one app is required")
	}
	for _, a := range apps {
		if !validAppID.MatchString(a.AppID) {
			return fmt.Errorf("wxplatform sandbox: appid %q is not wx + 16 hex digits", a.AppID)
		}
		if len(a.AppSecret) < 16 {
			return fmt.Errorf("wxplatform sandbox: app %s: appsecret too short", a.AppID)
		}
		if _, dup := s.apps[a.AppID]; dup {
			return fmt.Errorf("wxplatform sandbox: app %s configured twice", a.AppID)
		}
		if a.Name == "" {
			a.Name = a.AppID
		}
		s.apps[a.AppID] = a
		s.appOrder = append(s.appOrder, a.AppID)
	}
	return nil
}

func (s *Server) addTemplates(tmpls []Template) error {
	for _, t := range tmpls {
		if err := t.validate(); err != nil {
			return fmt.Errorf("wxplatform sandbox: %w", err)
		}
		if _, dup := s.templates[t.ID]; dup {
			return fmt.Errorf("wxplatform sandbox: template %s configured twice", t.ID)
		}
		s.templates[t.ID] = t
	}
	return nil
}

func (s *Server) addPresets(presets []PresetUser) error {
	for _, p := range presets {
		if p.AppID == "" && len(s.appOrder) == 1 {
			p.AppID = s.appOrder[0]
		}
		if _, ok := s.apps[p.AppID]; !ok {
			return fmt.Errorf("wxplatform sandbox: preset user %s: unknown appid %q", p.OpenID, p.AppID)
		}
		if err := s.users.addPreset(p); err != nil {
			return fmt.Errorf("wxplatform sandbox: %w", err)
		}
	}
	return nil
}

// ServeHTTP routes a request. The platform mounts the server at
// MountPrefix+"/" without stripping, so every route includes the prefix.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// cookiePath is where the sandbox's cookie applies: only its own pages.
func (s *Server) cookiePath() string {
	if s.prefix == "" {
		return "/"
	}
	return s.prefix
}

// appName is what pages call an app.
func (s *Server) appName(appID string) string {
	return strings.TrimSpace(s.apps[appID].Name)
}
