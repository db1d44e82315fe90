package identity

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/pii"
)

// recordingLogin captures what StartNational hands the client.
type recordingLogin struct{ nonce, verifier string }

func (l *recordingLogin) RedirectAllowed(uri string) bool {
	return strings.HasPrefix(uri, "https://shebao.example/")
}

func (l *recordingLogin) AuthorizeURL(_ context.Context, _, _, nonce, verifier string) (string, error) {
	l.nonce, l.verifier = nonce, verifier
	return "https://idp.example/authorize", nil
}

func (l *recordingLogin) Exchange(context.Context, string, string, string, string) (NationalIdentity, error) {
	return NationalIdentity{}, nil
}

func TestNationalFlowState(t *testing.T) {
	sealer, err := pii.NewSealer(bytes.Repeat([]byte{5}, pii.KeySize), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	login := &recordingLogin{}
	s := NewService(Deps{Sealer: sealer, National: login, Now: func() time.Time { return now }, Random: rand.Reader,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	const cb = "https://shebao.example/auth/national/callback"
	_, state, err := s.StartNational(context.Background(), FlowWeb, cb)
	if err != nil {
		t.Fatal(err)
	}
	if len(login.verifier) < 43 || login.nonce == "" || login.nonce == login.verifier || strings.Contains(state, login.verifier) {
		t.Fatalf("verifier %q / nonce %q not derived apart from the state", login.verifier, login.nonce)
	}
	if _, _, err := s.StartNational(context.Background(), FlowAPI, "https://evil.example/cb"); err == nil {
		t.Fatal("a flow started with an unregistered redirect URI")
	}
	if n, v := s.nationalSecrets(state); n != login.nonce || v != login.verifier {
		t.Fatal("secrets are not re-derived identically from the state")
	}
	parts := strings.Split(state, ".")
	tampered := func(i int, v string) string {
		p := append([]string(nil), parts...)
		p[i] = v
		return strings.Join(p, ".")
	}
	tests := []struct {
		name, state, kind, redirect string
		at                          time.Duration
		ok                          bool
	}{
		{"as issued", state, FlowWeb, cb, 0, true},
		{"just before expiry", state, FlowWeb, cb, nationalFlowTTL - time.Second, true},
		{"expired", state, FlowWeb, cb, nationalFlowTTL, false},
		{"answered to an API flow", state, FlowAPI, cb, 0, false},
		{"another redirect URI", state, FlowWeb, "https://evil.example/cb", 0, false},
		{"expiry stretched", tampered(2, "9999999999"), FlowWeb, cb, 0, false},
		{"random part swapped", tampered(3, "AAAAAAAAAAAAAAAAAAAAAAAA"), FlowWeb, cb, 0, false},
		{"kind changed", tampered(1, FlowAPI), FlowAPI, cb, 0, false},
		{"not a state", "hello", FlowWeb, cb, 0, false},
		{"empty", "", FlowWeb, cb, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := now.Add(tt.at)
			s.now = func() time.Time { return at }
			err := s.checkNationalState(tt.state, tt.kind, tt.redirect)
			if (err == nil) != tt.ok {
				t.Fatalf("checkNationalState: %v, want ok=%v", err, tt.ok)
			}
			if err != nil {
				if e, _ := apperr.As(err); e == nil || e.Code != "national_login_state_invalid" {
					t.Fatalf("error %v", err)
				}
			}
		})
	}
}

func TestNationalOff(t *testing.T) {
	s := NewService(Deps{Now: time.Now, Random: rand.Reader})
	if s.NationalOffered() {
		t.Fatal("offered without a client")
	}
	if _, _, err := s.StartNational(context.Background(), FlowWeb, "x"); err == nil {
		t.Fatal("started without a client")
	}
}

func TestNormaliseName(t *testing.T) {
	for a, b := range map[string]string{"张伟": "张伟", " 张 伟 ": "张伟", "阿依古丽•买买提": "阿依古丽·买买提", "Anna.Li": "Anna·Li"} {
		if normaliseName(a) != normaliseName(b) {
			t.Errorf("%q and %q should compare equal", a, b)
		}
	}
	if normaliseName("张伟") == normaliseName("张玮") {
		t.Error("different names compare equal")
	}
}
