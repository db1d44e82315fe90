package identity_test

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/pii"
	"github.com/shebao-project/shebao/internal/store/sqlite"
)

// lastSMS keeps the last text sent, so the test can read the code.
type lastSMS struct{ text string }

func (l *lastSMS) SendSMS(_ context.Context, _, text string) error { l.text = text; return nil }

// TestLookupsDuringKeyRotation: after a new key is made current and before
// the reseal pass has reached a row, the row (still indexed under key 1) is
// found by ID number and by phone, and cannot be registered a second time.
func TestLookupsDuringKeyRotation(t *testing.T) {
	dir := t.TempDir()
	db, err := sqlite.Open(t.Context(), filepath.Join(dir, "shebao.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	keys := filepath.Join(dir, "keys")
	sealer, err := pii.LoadKeyring(keys, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sms := &lastSMS{}
	now := time.Now()
	s := identity.NewService(identity.Deps{Store: db, Grants: db.Grants(), Sealer: sealer, SMS: sms,
		Now: func() time.Time { now = now.Add(time.Minute); return now }, Random: rand.Reader,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	first := identity.NewPerson{ID: "P0001", Region: "440300", Type: identity.Flexible, Name: "张三",
		IDNumber: "11010519491231002X", Phone: "13800000001"}
	if _, err := s.Register(t.Context(), first); err != nil {
		t.Fatal(err)
	}
	if id, err := pii.AddKey(keys, time.Now(), rand.Reader); err != nil || id != 2 {
		t.Fatalf("AddKey = %d, %v", id, err)
	}

	_, created, err := s.Import(t.Context(), identity.ImportPerson{NewPerson: first})
	if err != nil || created {
		t.Fatalf("person under key 1 not found by ID number: created=%v, %v", created, err)
	}
	if err := s.SendSMSCode(t.Context(), first.Phone); err != nil {
		t.Fatal(err)
	}
	code := regexp.MustCompile(`\d{6}`).FindString(sms.text)
	if _, p, err := s.LoginSMS(t.Context(), first.Phone, code); err != nil || p.ID != "P0001" {
		t.Fatalf("person under key 1 not found by phone: %v", err)
	}

	tests := []struct {
		name string
		p    identity.NewPerson
	}{
		{"same ID number", identity.NewPerson{ID: "P0002", Region: "440300", Type: identity.Flexible, Name: "李四",
			IDNumber: first.IDNumber, Phone: "13800000002"}},
		{"same phone", identity.NewPerson{ID: "P0003", Region: "440300", Type: identity.Flexible, Name: "王五",
			IDNumber: "110105199001010010", Phone: first.Phone}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Register(t.Context(), tt.p)
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != "person_exists" {
				t.Fatalf("Register = %v, want person_exists", err)
			}
		})
	}
	p, err := s.Register(t.Context(), identity.NewPerson{ID: "P0004", Region: "440300", Type: identity.Flexible,
		Name: "赵六", IDNumber: "110105199001010010", Phone: "13800000004"})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := db.PersonByID(t.Context(), p.ID)
	if err != nil || pii.KeyID(rec.NameSealed) != 2 || pii.KeyID(rec.IDSealed) != 2 || pii.KeyID(rec.PhoneSealed) != 2 {
		t.Fatalf("new person not sealed with key 2: %v", err)
	}
}
