package govidp

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// ClientFile is where, in the sandbox directory, the agency's registration
// with the platform is kept: the same file and keys production reads from
// its --outside directory (internal/govlogin.ReadConfig).
const ClientFile = "govlogin.json"

// Registration is what the platform issues an agency: the issuer to
// discover and the client's credentials.
type Registration struct {
	Issuer       string `json:"issuer"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// LoadOrCreate returns the sandbox registration kept in dir, creating it on
// first use (race-safe: two processes starting together agree on one), and
// keeps its issuer pointing at where the sandbox is served now.
func LoadOrCreate(dir, issuer string, random io.Reader) (*Registration, error) {
	path := filepath.Join(dir, ClientFile)
	for range 2 { // a second round reads what a racing process created
		raw, err := os.ReadFile(path)
		if err == nil {
			var r Registration
			if err := json.Unmarshal(raw, &r); err != nil || r.ClientID == "" || r.ClientSecret == "" {
				return nil, fmt.Errorf("govidp: %s is not a registration: %v", path, err)
			}
			if r.Issuer != issuer {
				r.Issuer = issuer
				if err := write(path, &r, false); err != nil {
					return nil, err
				}
			}
			return &r, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("govidp: %w", err)
		}
		secret := make([]byte, 24)
		if _, err := io.ReadFull(random, secret); err != nil {
			return nil, fmt.Errorf("govidp: client secret: %w", err)
		}
		r := &Registration{Issuer: issuer, ClientID: "shebao-sandbox", ClientSecret: hex.EncodeToString(secret)}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("govidp: %w", err)
		}
		if err := write(path, r, true); err == nil {
			return r, nil
		} else if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("govidp: %s keeps changing under us", path)
}

// write stores r through a temporary file: renamed over the old one, or,
// when fresh, linked into place so an existing file is never replaced.
func write(path string, r *Registration, fresh bool) error {
	raw, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".govlogin-*")
	if err != nil {
		return fmt.Errorf("govidp: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(raw, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("govidp: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("govidp: %w", err)
	}
	if fresh {
		if err := os.Link(tmp.Name(), path); err != nil {
			return fmt.Errorf("govidp: %w", err)
		}
		return nil
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("govidp: %w", err)
	}
	return nil
}
