// Package govlogin is the client of the national government-service
// platform's unified login (国家政务服务平台统一身份认证), spoken as OpenID
// Connect: authorisation code flow with PKCE (S256) and a nonce, the ID
// token verified by coreos/go-oidc (signature against the provider's JWKS,
// issuer, audience, expiry) and the code exchanged by golang.org/x/oauth2.
//
// The platform releases the person's name and identity document in the ID
// token; which claims carry them is configuration (Claims), because each
// deployment of the platform names them its own way.
package govlogin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/shebao-project/shebao/internal/identity"
)

// Claims names the ID-token claims that carry the person's identity.
type Claims struct {
	Name      string `json:"name"`       // default "name"
	DocType   string `json:"doc_type"`   // default "id_type"; absent: resident_id
	DocNumber string `json:"doc_number"` // default "id_number"
}

// Config is what the agency is issued when it registers with the platform.
type Config struct {
	Issuer       string   `json:"issuer"`
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret"`
	Scopes       []string `json:"scopes"` // default openid, profile
	Claims       Claims   `json:"claims"`
	// DocTypes maps the platform's document-type values to shebao's
	// (e.g. "01" → resident_id); values already in shebao's names pass.
	DocTypes map[string]string `json:"doc_types"`
	// RedirectURIs are the redirect URIs registered with the platform
	// besides the web callback, which the app adds (apps that take the
	// answer themselves register their own).
	RedirectURIs []string     `json:"redirect_uris"`
	HTTP         *http.Client `json:"-"`
}

// Client is safe for concurrent use. Discovery happens on first use, and is
// retried on the next use after a failure, so a platform that is down when
// shebao starts does not stop the start.
type Client struct {
	cfg Config

	mu       sync.Mutex
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
}

// New checks the configuration and builds a client.
func New(cfg Config) (*Client, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.ClientSecret == "" {
		return nil, errors.New("govlogin: issuer, client_id and client_secret are required")
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = []string{oidc.ScopeOpenID, "profile"}
	}
	if cfg.Claims.Name == "" {
		cfg.Claims.Name = "name"
	}
	if cfg.Claims.DocType == "" {
		cfg.Claims.DocType = "id_type"
	}
	if cfg.Claims.DocNumber == "" {
		cfg.Claims.DocNumber = "id_number"
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 10 * time.Second}
	}
	return &Client{cfg: cfg}, nil
}

// RedirectAllowed tells whether uri is registered.
func (c *Client) RedirectAllowed(uri string) bool { return slices.Contains(c.cfg.RedirectURIs, uri) }

func (c *Client) ctx(ctx context.Context) context.Context { return oidc.ClientContext(ctx, c.cfg.HTTP) }

// discover returns the provider's metadata and the ID-token verifier.
func (c *Client) discover(ctx context.Context) (*oidc.Provider, *oidc.IDTokenVerifier, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.provider == nil {
		p, err := oidc.NewProvider(c.ctx(ctx), c.cfg.Issuer)
		if err != nil {
			return nil, nil, fmt.Errorf("govlogin: discovery at %s: %w", c.cfg.Issuer, err)
		}
		c.provider = p
		c.verifier = p.Verifier(&oidc.Config{ClientID: c.cfg.ClientID})
	}
	return c.provider, c.verifier, nil
}

func (c *Client) oauth(p *oidc.Provider, redirectURI string) *oauth2.Config {
	return &oauth2.Config{ClientID: c.cfg.ClientID, ClientSecret: c.cfg.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: redirectURI, Scopes: c.cfg.Scopes}
}

// AuthorizeURL is where the person signs in at the platform.
func (c *Client) AuthorizeURL(ctx context.Context, redirectURI, state, nonce, verifier string) (string, error) {
	p, _, err := c.discover(ctx)
	if err != nil {
		return "", err
	}
	return c.oauth(p, redirectURI).AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), nil
}

// Exchange redeems the code and verifies the ID token. A code or token the
// platform or the verifier refuses is identity.ErrNationalCode; anything
// else (network, 5xx) is returned as is, for "try again later".
func (c *Client) Exchange(ctx context.Context, redirectURI, code, verifier, nonce string) (identity.NationalIdentity, error) {
	var none identity.NationalIdentity
	p, v, err := c.discover(ctx)
	if err != nil {
		return none, err
	}
	tok, err := c.oauth(p, redirectURI).Exchange(c.ctx(ctx), code, oauth2.VerifierOption(verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		// invalid_client is our credentials, not the person's code: it must
		// reach the logs as a fault, not tell the person to try again.
		if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode < 500 && re.ErrorCode != "invalid_client" {
			return none, identity.ErrNationalCode.Wrap(fmt.Errorf("govlogin: token endpoint: %s", re.ErrorCode))
		}
		return none, fmt.Errorf("govlogin: token endpoint: %w", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return none, identity.ErrNationalCode.Wrap(errors.New("govlogin: no id_token in the token response"))
	}
	idt, err := v.Verify(c.ctx(ctx), raw)
	if err != nil {
		return none, identity.ErrNationalCode.Wrap(fmt.Errorf("govlogin: id token: %w", err))
	}
	if idt.Nonce != nonce {
		return none, identity.ErrNationalCode.Wrap(errors.New("govlogin: id token nonce does not match"))
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return none, identity.ErrNationalCode.Wrap(fmt.Errorf("govlogin: id token claims: %w", err))
	}
	return c.identity(idt.Subject, claims)
}

// identity reads the configured claims. A token without a name or a
// document number cannot name an insured person: that is the platform's
// configuration (scopes, claims released), reported as such.
func (c *Client) identity(sub string, claims map[string]any) (identity.NationalIdentity, error) {
	str := func(k string) string { s, _ := claims[k].(string); return strings.TrimSpace(s) }
	who := identity.NationalIdentity{Subject: sub, Name: str(c.cfg.Claims.Name), DocNumber: str(c.cfg.Claims.DocNumber)}
	t := str(c.cfg.Claims.DocType)
	if mapped, ok := c.cfg.DocTypes[t]; ok {
		t = mapped
	}
	if t == "" {
		t = string(identity.ResidentID)
	}
	who.DocType = identity.DocumentType(t)
	if who.Name == "" || who.DocNumber == "" {
		return identity.NationalIdentity{}, fmt.Errorf("govlogin: the id token has no %q or %q claim: check the scopes and claims the platform releases to this client",
			c.cfg.Claims.Name, c.cfg.Claims.DocNumber)
	}
	return who, nil
}

// ReadConfig reads the agency's registration with the platform (the file
// named govlogin.json in the --outside directory; the sandbox writes the
// same file in demo mode). A missing file is (nil, nil): the national login
// is then not offered.
func ReadConfig(path string) (*Config, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("govlogin: %w", err)
	}
	var c Config
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("govlogin: %s: %w", path, err)
	}
	if u, err := url.Parse(c.Issuer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("govlogin: %s: issuer %q is not an absolute http(s) URL", path, c.Issuer)
	}
	if c.ClientID == "" || c.ClientSecret == "" {
		return nil, fmt.Errorf("govlogin: %s: client_id and client_secret are required", path)
	}
	return &c, nil
}
