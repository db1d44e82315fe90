package app

import (
	"fmt"
	"io"
	"net/url"
	"path/filepath"

	"github.com/shebao-project/shebao/internal/govlogin"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/pii"
	"github.com/shebao-project/shebao/internal/sandbox/govidp"
)

// govLoginPrefix is where the sandbox serves the national government-service
// platform's unified login (an OpenID Connect provider).
const govLoginPrefix = "/sandbox/govlogin"

// nationalCallbackPath is the web callback registered with the platform.
const nationalCallbackPath = "/auth/national/callback"

// govIssuer is the sandbox provider's issuer when served at baseURL; "" if
// it cannot be served there (the sandbox provider speaks plain http only).
func govIssuer(baseURL string) string {
	if u, err := url.Parse(baseURL); err != nil || u.Scheme != "http" {
		return ""
	}
	return baseURL + govLoginPrefix + "/oidc"
}

// newGovIDP builds the sandbox provider with the demo people as the
// platform's users, keeping the agency's registration in dir.
func newGovIDP(dir, baseURL string, random io.Reader) (*govidp.Server, error) {
	issuer := govIssuer(baseURL)
	if issuer == "" {
		return nil, nil
	}
	reg, err := govidp.LoadOrCreate(dir, issuer, random)
	if err != nil {
		return nil, fmt.Errorf("app: national login sandbox: %w", err)
	}
	var people []govidp.Person
	for _, d := range DemoPeople {
		id := d.idNumber()
		people = append(people, govidp.Person{Name: d.Name, DocType: string(identity.ResidentID), DocNumber: id,
			Label: fmt.Sprintf("%s（%s）", d.Name, pii.MaskIDNumber(id))})
	}
	return govidp.New(govidp.Config{BaseURL: baseURL, MountPrefix: govLoginPrefix, ClientID: reg.ClientID,
		ClientSecret: reg.ClientSecret, People: people})
}

// nationalLogin is the national login's client, from govlogin.json in the
// outside directory (written by the sandbox in demo mode); nil when the
// agency has not registered with the platform.
func (x *outside) nationalLogin(publicURL string, random io.Reader) (*govlogin.Client, error) {
	if x.demo {
		issuer := govIssuer(x.sandboxURL)
		if issuer == "" {
			return nil, nil
		}
		// The sandbox may run apart (--sandbox-url): it and this process
		// agree on one registration in the shared directory.
		if _, err := govidp.LoadOrCreate(x.dir, issuer, random); err != nil {
			return nil, err
		}
	}
	cfg, err := govlogin.ReadConfig(filepath.Join(x.dir, govidp.ClientFile))
	if err != nil || cfg == nil {
		return nil, err
	}
	cfg.RedirectURIs = append(cfg.RedirectURIs, publicURL+nationalCallbackPath)
	return govlogin.New(*cfg)
}
