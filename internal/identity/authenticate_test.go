package identity_test

import (
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/pii"
	"github.com/shebao-project/shebao/internal/store/sqlite"
)

// TestAuthenticatePerson: a signed-in request's token opens its session and
// the person together, the person decrypted; an unknown, empty or ended
// session is ErrNoSession, as with Authenticate.
func TestAuthenticatePerson(t *testing.T) {
	dir := t.TempDir()
	db, err := sqlite.Open(t.Context(), filepath.Join(dir, "shebao.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sealer, err := pii.LoadKeyring(filepath.Join(dir, "keys"), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sms := &lastSMS{}
	now := time.Now()
	s := identity.NewService(identity.Deps{Store: db, Grants: db.Grants(), Sealer: sealer, SMS: sms,
		Now: func() time.Time { return now }, Random: rand.Reader,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	np := identity.NewPerson{ID: "P0001", Region: "440300", Type: identity.Flexible, Name: "张三",
		IDNumber: "11010519491231002X", Phone: "13800000001"}
	if _, err := s.Register(t.Context(), np); err != nil {
		t.Fatal(err)
	}
	if err := s.SendSMSCode(t.Context(), np.Phone); err != nil {
		t.Fatal(err)
	}
	token, _, err := s.LoginSMS(t.Context(), np.Phone, regexp.MustCompile(`\d{6}`).FindString(sms.text))
	if err != nil {
		t.Fatal(err)
	}

	sess, p, err := s.AuthenticatePerson(t.Context(), token)
	if err != nil {
		t.Fatal(err)
	}
	if sess.PersonID != "P0001" || sess.Method != "sms" || p.ID != "P0001" || p.Name != np.Name || p.IDNumber != np.IDNumber || p.Phone != np.Phone {
		t.Fatalf("session %+v, person %+v", sess, p)
	}
	alone, err := s.Authenticate(t.Context(), token)
	if err != nil || alone.PersonID != sess.PersonID || !alone.ExpiresAt.Equal(sess.ExpiresAt) {
		t.Fatalf("Authenticate = %+v, %v; AuthenticatePerson's session %+v", alone, err, sess)
	}

	for _, c := range []struct {
		name  string
		token string
		at    time.Time
	}{
		{"empty token", "", now},
		{"unknown token", "not-a-token", now},
		{"at the session's end", token, sess.ExpiresAt},
		{"after it", token, sess.ExpiresAt.Add(time.Second)},
	} {
		now = c.at
		if _, _, err := s.AuthenticatePerson(t.Context(), c.token); !errors.Is(err, identity.ErrNoSession) {
			t.Errorf("%s: AuthenticatePerson = %v, want ErrNoSession", c.name, err)
		}
	}
}
