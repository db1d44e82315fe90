package govlogin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/govlogin"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/sandbox/govidp"
)

const redirect = "https://shebao.example/auth/national/callback"

// provider starts the sandbox's OpenID Connect provider (mockoidc behind
// the platform's chooser) on a test server.
func provider(t *testing.T) (*httptest.Server, *govidp.Server) {
	t.Helper()
	var idp *govidp.Server
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { idp.ServeHTTP(w, r) }))
	t.Cleanup(ts.Close)
	var err error
	idp, err = govidp.New(govidp.Config{BaseURL: ts.URL, MountPrefix: "/idp", ClientID: "shebao-test", ClientSecret: "s3cret",
		People: []govidp.Person{{Name: "张伟", DocType: "resident_id", DocNumber: "110105198503074514", Label: "张伟"},
			{Name: "李娜", DocType: "resident_id", DocNumber: "11010519491231002X", Label: "李娜"}}})
	if err != nil {
		t.Fatal(err)
	}
	return ts, idp
}

func client(t *testing.T, issuer, secret string) *govlogin.Client {
	t.Helper()
	c, err := govlogin.New(govlogin.Config{Issuer: issuer, ClientID: "shebao-test", ClientSecret: secret})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// signIn follows the authorisation URL as a browser would, choosing the
// person, and returns the code and state the provider sends back.
func signIn(t *testing.T, authURL, choice string) (code, state string) {
	t.Helper()
	code, state, err := follow(authURL, choice)
	if err != nil {
		t.Fatal(err)
	}
	return code, state
}

// follow is signIn without the test: safe in other goroutines.
func follow(authURL, choice string) (code, state string, err error) {
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noFollow.Get(authURL + "&sandbox_person=" + choice)
	if err != nil {
		return "", "", err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		return "", "", fmt.Errorf("authorize: %s", res.Status)
	}
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), redirect) {
		return "", "", fmt.Errorf("redirected to %q, want %s", res.Header.Get("Location"), redirect)
	}
	return loc.Query().Get("code"), loc.Query().Get("state"), nil
}

func isCodeErr(err error) bool {
	e, ok := apperr.As(err)
	return ok && e.Code == identity.ErrNationalCode.Code
}

func TestCodeFlowWithPKCEAndNonce(t *testing.T) {
	_, idp := provider(t)
	c := client(t, idp.Issuer(), "s3cret")
	ctx := context.Background()
	const verifier = "verifier-0123456789-0123456789-0123456789-abc"
	authURL, err := c.AuthorizeURL(ctx, redirect, "state-1", "nonce-1", verifier)
	if err != nil {
		t.Fatal(err)
	}
	q, _ := url.Parse(authURL)
	if q.Query().Get("code_challenge_method") != "S256" || q.Query().Get("code_challenge") == "" || q.Query().Get("nonce") != "nonce-1" {
		t.Fatalf("authorisation URL lacks PKCE or nonce: %s", authURL)
	}
	code, state := signIn(t, authURL, "0")
	if state != "state-1" {
		t.Fatalf("state %q", state)
	}
	who, err := c.Exchange(ctx, redirect, code, verifier, "nonce-1")
	if err != nil {
		t.Fatal(err)
	}
	if who.Name != "张伟" || who.DocNumber != "110105198503074514" || who.DocType != identity.ResidentID || who.Subject == "" {
		t.Fatalf("identity %+v", who)
	}
	// A code is good once.
	if _, err := c.Exchange(ctx, redirect, code, verifier, "nonce-1"); !isCodeErr(err) {
		t.Fatalf("second use of a code: %v", err)
	}
}

func TestExchangeRefusals(t *testing.T) {
	_, idp := provider(t)
	ctx := context.Background()
	const verifier = "verifier-0123456789-0123456789-0123456789-abc"
	start := func(c *govlogin.Client) string {
		u, err := c.AuthorizeURL(ctx, redirect, "s", "n", verifier)
		if err != nil {
			t.Fatal(err)
		}
		code, _ := signIn(t, u, "0")
		return code
	}
	good := client(t, idp.Issuer(), "s3cret")
	t.Run("wrong PKCE verifier", func(t *testing.T) {
		if _, err := good.Exchange(ctx, redirect, start(good), verifier+"x", "n"); !isCodeErr(err) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("nonce of another flow", func(t *testing.T) {
		if _, err := good.Exchange(ctx, redirect, start(good), verifier, "other"); !isCodeErr(err) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("made-up code", func(t *testing.T) {
		if _, err := good.Exchange(ctx, redirect, "not-a-code", verifier, "n"); !isCodeErr(err) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("wrong client secret is a configuration error, not the person's", func(t *testing.T) {
		bad := client(t, idp.Issuer(), "wrong")
		_, err := bad.Exchange(ctx, redirect, start(bad), verifier, "n")
		if err == nil || isCodeErr(err) || !strings.Contains(err.Error(), "invalid_client") {
			t.Fatalf("got %v", err)
		}
	})
}

// The provider down when shebao starts: the first use fails, a later one
// discovers it.
func TestDiscoveryRetried(t *testing.T) {
	var idp *govidp.Server
	up := false
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !up {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		idp.ServeHTTP(w, r)
	}))
	defer ts.Close()
	var err error
	if idp, err = govidp.New(govidp.Config{BaseURL: ts.URL, ClientID: "shebao-test", ClientSecret: "s3cret"}); err != nil {
		t.Fatal(err)
	}
	c := client(t, idp.Issuer(), "s3cret")
	if _, err := c.AuthorizeURL(context.Background(), redirect, "s", "n", "v"); err == nil {
		t.Fatal("discovery of a provider that is down succeeded")
	}
	up = true
	if _, err := c.AuthorizeURL(context.Background(), redirect, "s", "n", "v"); err != nil {
		t.Fatalf("after the provider came up: %v", err)
	}
}

// A provider that does not release the identity claims (mockoidc's own
// default user has none) is reported as a configuration problem.
func TestMissingIdentityClaims(t *testing.T) {
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Shutdown()
	c, err := govlogin.New(govlogin.Config{Issuer: m.Issuer(), ClientID: m.ClientID, ClientSecret: m.ClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const verifier = "verifier-0123456789-0123456789-0123456789-abc"
	u, err := c.AuthorizeURL(ctx, redirect, "s", "n", verifier)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := signIn(t, u, "ignored")
	_, err = c.Exchange(ctx, redirect, code, verifier, "n")
	if err == nil || isCodeErr(err) || !strings.Contains(err.Error(), "claim") {
		t.Fatalf("got %v", err)
	}
}

func TestConfigRequired(t *testing.T) {
	if _, err := govlogin.New(govlogin.Config{Issuer: "https://x"}); err == nil {
		t.Fatal("a client without id and secret was built")
	}
}

// TestConcurrentSignIns: people signing in at once each get their own
// identity (the sandbox serialises mockoidc's queue and session store).
func TestConcurrentSignIns(t *testing.T) {
	_, idp := provider(t)
	c := client(t, idp.Issuer(), "s3cret")
	ctx := context.Background()
	const verifier = "verifier-0123456789-0123456789-0123456789-abc"
	names := []string{"张伟", "李娜"}
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			u, err := c.AuthorizeURL(ctx, redirect, "s", "n", verifier)
			if err != nil {
				t.Error(err)
				return
			}
			code, _, err := follow(u, strconv.Itoa(i%2))
			if err != nil {
				t.Error(err)
				return
			}
			who, err := c.Exchange(ctx, redirect, code, verifier, "n")
			if err != nil || who.Name != names[i%2] {
				t.Errorf("sign-in %d as %s: %+v, %v", i, names[i%2], who, err)
			}
		})
	}
	wg.Wait()
}
