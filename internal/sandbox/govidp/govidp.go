// Package govidp is the sandbox of the national government-service
// platform's unified login: a real OpenID Connect provider
// (github.com/oauth2-proxy/mockoidc: discovery, JWKS, authorisation code
// with PKCE, token endpoint with client authentication, RS256 ID tokens)
// in front of which this package puts what the platform's login page does:
// choosing who signs in. The provider issues the person's name and
// identity document as ID-token claims (name, id_type, id_number).
package govidp

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/emmansun/gmsm/sm3"
	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"
)

// Person is someone the sandbox can sign in as.
type Person struct {
	Name      string
	DocType   string // shebao's document type names, e.g. resident_id
	DocNumber string
	Label     string // what the chooser shows
}

// Config sets up the sandbox provider.
type Config struct {
	// BaseURL and MountPrefix are where the handler is served; the issuer
	// is BaseURL + MountPrefix + "/oidc".
	BaseURL, MountPrefix   string
	ClientID, ClientSecret string
	// Key signs ID tokens; nil: a fresh RSA-2048 key.
	Key    *rsa.PrivateKey
	People []Person
}

// Server serves the provider under its mount prefix.
type Server struct {
	m      *mockoidc.MockOIDC
	prefix string
	people []Person
	// mu serialises every call into mockoidc: its session store is a plain
	// map, and queueing the chosen person must go with the authorisation
	// that takes them off its queue, so two people signing in at once
	// never get each other's identity. A sandbox's traffic is small.
	mu sync.Mutex
}

// New builds the provider.
func New(cfg Config) (*Server, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || u.Host == "" || u.Scheme != "http" {
		// mockoidc names its issuer http://<address>; a TLS front would
		// need its own listener, which the sandbox does not run.
		return nil, fmt.Errorf("govidp: base URL %q: want an absolute http:// URL", cfg.BaseURL)
	}
	key := cfg.Key
	if key == nil {
		if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			return nil, fmt.Errorf("govidp: signing key: %w", err)
		}
	}
	m, err := mockoidc.NewServer(key)
	if err != nil {
		return nil, fmt.Errorf("govidp: %w", err)
	}
	m.ClientID, m.ClientSecret = cfg.ClientID, cfg.ClientSecret
	m.CodeChallengeMethodsSupported = []string{"S256"}
	// mockoidc derives its issuer and endpoint URLs from its server's
	// address; the sandbox serves its handlers on the platform's own server
	// instead of a listener of its own, so the address names that server
	// and the mount prefix. The server is never started.
	m.Server = &http.Server{Addr: u.Host + strings.TrimSuffix(u.Path, "/") + cfg.MountPrefix}
	return &Server{m: m, prefix: cfg.MountPrefix, people: cfg.People}, nil
}

// Issuer is the issuer URL clients discover the provider at.
func (s *Server) Issuer() string { return s.m.Issuer() }

// ServeHTTP serves discovery, JWKS, the chooser in front of the
// authorisation endpoint, the token and userinfo endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, s.prefix)
	locked := func(h func(http.ResponseWriter, *http.Request)) {
		s.mu.Lock()
		defer s.mu.Unlock()
		h(w, r)
	}
	switch path {
	case mockoidc.DiscoveryEndpoint:
		locked(s.m.Discovery)
	case mockoidc.JWKSEndpoint:
		locked(s.m.JWKS)
	case mockoidc.TokenEndpoint:
		locked(s.m.Token)
	case mockoidc.UserinfoEndpoint:
		locked(s.m.Userinfo)
	case mockoidc.AuthorizationEndpoint:
		s.authorizePage(w, r)
	case "/style.css":
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		_, _ = w.Write([]byte(stylesheet))
	default:
		http.NotFound(w, r)
	}
}

// authorizePage is the platform's login page: without a choice it lists
// the people to sign in as; with one it authorises as that person.
func (s *Server) authorizePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	choice := q.Get("sandbox_person")
	if choice == "" {
		s.chooser(w, r)
		return
	}
	if choice == "cancel" {
		// What a provider answers when the person declines (RFC 6749 §4.1.2.1).
		back, err := url.Parse(q.Get("redirect_uri"))
		if err != nil || back.Scheme == "" {
			http.Error(w, "bad redirect_uri", http.StatusBadRequest)
			return
		}
		v := back.Query()
		v.Set("error", "access_denied")
		v.Set("state", q.Get("state"))
		back.RawQuery = v.Encode()
		http.Redirect(w, r, back.String(), http.StatusFound)
		return
	}
	p, err := s.person(q)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m.QueueUser(user{p})
	s.m.Authorize(w, r)
}

// person is the chosen preset, or one typed in (to try someone who is not
// insured here, or a name the register spells differently).
func (s *Server) person(q url.Values) (Person, error) {
	if c := q.Get("sandbox_person"); c != "other" {
		i, err := strconv.Atoi(c)
		if err != nil || i < 0 || i >= len(s.people) {
			return Person{}, errors.New("unknown sandbox_person")
		}
		return s.people[i], nil
	}
	p := Person{Name: strings.TrimSpace(q.Get("name")), DocType: q.Get("id_type"), DocNumber: strings.TrimSpace(q.Get("id_number"))}
	if p.DocType == "" {
		p.DocType = "resident_id"
	}
	if p.Name == "" || p.DocNumber == "" {
		return Person{}, errors.New("name and id_number are required")
	}
	return p, nil
}

// user is a Person as mockoidc's User: the subject is a pseudonym of the
// document, stable across sign-ins as the platform's is.
type user struct{ p Person }

func (u user) ID() string {
	h := sm3.Sum([]byte("govidp subject\n" + u.p.DocType + "\n" + u.p.DocNumber))
	return hex.EncodeToString(h[:12])
}

type claims struct {
	*mockoidc.IDTokenClaims
	Name     string `json:"name"`
	IDType   string `json:"id_type"`
	IDNumber string `json:"id_number"`
}

func (u user) Claims(_ []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	return &claims{IDTokenClaims: base, Name: u.p.Name, IDType: u.p.DocType, IDNumber: u.p.DocNumber}, nil
}

func (u user) Userinfo([]string) ([]byte, error) {
	return json.Marshal(map[string]string{"sub": u.ID(), "name": u.p.Name, "id_type": u.p.DocType, "id_number": u.p.DocNumber})
}
