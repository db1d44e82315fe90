package operator_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/operator"
	"github.com/shebao-project/shebao/internal/pii"
	"github.com/shebao-project/shebao/internal/store/sqlite"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	ctx   context.Context
	svc   *operator.Service
	clock *clock
	path  string
}

const password = "correct horse battery staple"

func newFixture(t *testing.T) *fixture {
	t.Helper()
	path := filepath.Join(t.TempDir(), "shebao.db")
	db, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	sealer, err := pii.NewSealer(bytes.Repeat([]byte{3}, pii.KeySize), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)}
	svc := operator.NewService(operator.Deps{Store: db.OperatorStore(), Sealer: sealer, Now: c.Now, Random: rand.Reader,
		Log: slog.New(slog.DiscardHandler)})
	return &fixture{ctx: t.Context(), svc: svc, clock: c, path: path}
}

func (f *fixture) create(t *testing.T, name string, role operator.Role) *operator.Created {
	t.Helper()
	c, err := f.svc.Create(f.ctx, operator.NewOperator{Name: name, Role: role, Password: password, By: "cli", Reason: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// code is what the operator's authenticator app shows now.
func (f *fixture) code(t *testing.T, c *operator.Created) string {
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(c.Secret)
	if err != nil {
		t.Fatal(err)
	}
	return operator.TOTP{Secret: secret, Digits: 6, Period: 30 * time.Second}.At(f.clock.Now())
}

func (f *fixture) login(t *testing.T, c *operator.Created) string {
	t.Helper()
	token, _, err := f.svc.Login(f.ctx, operator.Credentials{Name: c.Operator.Name, Password: password, Code: f.code(t, c)})
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func TestCreateValidates(t *testing.T) {
	f := newFixture(t)
	f.create(t, "li.na", operator.Reviewer)
	for _, n := range []operator.NewOperator{
		{Name: "li.na", Role: operator.Support, Password: password}, // taken
		{Name: "LiNa!", Role: operator.Support, Password: password}, // bad name
		{Name: "wang", Role: "root", Password: password},            // bad role
		{Name: "wang", Role: operator.Support, Password: "short"},   // short password
	} {
		if _, err := f.svc.Create(f.ctx, n); err == nil {
			t.Errorf("Create(%+v) succeeded", n)
		}
	}
	c := f.create(t, "zhao", operator.Auditor)
	if !strings.HasPrefix(c.URI, "otpauth://totp/shebao:zhao?") || !strings.Contains(c.URI, "secret="+c.Secret) {
		t.Fatalf("URI %s", c.URI)
	}
}

func TestLogin(t *testing.T) {
	f := newFixture(t)
	c := f.create(t, "li.na", operator.Reviewer)
	good := func() operator.Credentials {
		return operator.Credentials{Name: "li.na", Password: password, Code: f.code(t, c)}
	}
	cases := []struct {
		name   string
		change func(*operator.Credentials)
		ok     bool
	}{
		{"wrong password", func(c *operator.Credentials) { c.Password += "x" }, false},
		{"wrong code", func(c *operator.Credentials) { c.Code = "000000" }, false},
		{"no code", func(c *operator.Credentials) { c.Code = "" }, false},
		{"unknown name", func(c *operator.Credentials) { c.Name = "nobody" }, false},
		{"right", func(*operator.Credentials) {}, true},
		{"same code again", func(*operator.Credentials) {}, false}, // RFC 6238 §5.2: one use per code
	}
	for _, k := range cases {
		cr := good()
		k.change(&cr)
		token, op, err := f.svc.Login(f.ctx, cr)
		if k.ok != (err == nil) {
			t.Fatalf("%s: err = %v", k.name, err)
		}
		if k.ok && (token == "" || op.Role != operator.Reviewer) {
			t.Fatalf("%s: token %q, operator %+v", k.name, token, op)
		}
		if !k.ok && !errors.Is(err, operator.ErrBadLogin) {
			t.Fatalf("%s: err = %v, want ErrBadLogin", k.name, err)
		}
	}
}

// TestLockout: five failures in a row lock the account, even against the
// right password and code, until the lock ends or an administrator unlocks.
func TestLockout(t *testing.T) {
	f := newFixture(t)
	admin := f.create(t, "admin", operator.Administrator)
	c := f.create(t, "li.na", operator.Reviewer)
	for i := 1; i <= 5; i++ {
		_, _, err := f.svc.Login(f.ctx, operator.Credentials{Name: "li.na", Password: "guess" + string(rune('0'+i)), Code: "123456"})
		want := operator.ErrBadLogin
		if i == 5 {
			want = operator.ErrLocked
		}
		if !errors.Is(err, want) {
			t.Fatalf("attempt %d: %v, want %v", i, err, want)
		}
	}
	if _, _, err := f.svc.Login(f.ctx, operator.Credentials{Name: "li.na", Password: password, Code: f.code(t, c)}); !errors.Is(err, operator.ErrLocked) {
		t.Fatalf("right credentials while locked: %v", err)
	}
	f.clock.Advance(15*time.Minute + time.Second)
	f.login(t, c) // the lock ended

	for range 5 {
		_, _, _ = f.svc.Login(f.ctx, operator.Credentials{Name: "li.na", Password: "guess", Code: "123456"})
	}
	f.clock.Advance(31 * time.Second)
	if _, _, err := f.svc.Login(f.ctx, operator.Credentials{Name: "li.na", Password: password, Code: f.code(t, c)}); !errors.Is(err, operator.ErrLocked) {
		t.Fatalf("locked again: %v", err)
	}
	adminOp := admin.Operator
	if err := f.svc.Unlock(f.ctx, &adminOp, c.Operator.ID, "called the operator back"); err != nil {
		t.Fatal(err)
	}
	f.login(t, c)
}

// TestSessionExpiry: 30 minutes idle ends a session; use keeps it alive,
// but never past 8 hours after login.
func TestSessionExpiry(t *testing.T) {
	f := newFixture(t)
	c := f.create(t, "li.na", operator.Support)
	steps := []struct {
		advance time.Duration
		alive   bool
	}{
		{29 * time.Minute, true},
		{29 * time.Minute, true}, // used a minute ago: the idle clock restarted
		{30 * time.Minute, false},
	}
	token := f.login(t, c)
	for i, s := range steps {
		f.clock.Advance(s.advance)
		_, err := f.svc.Authenticate(f.ctx, token)
		if s.alive != (err == nil) {
			t.Fatalf("step %d: err = %v, want alive %v", i, err, s.alive)
		}
	}
	f.clock.Advance(time.Minute)
	token = f.login(t, c)
	for elapsed := time.Duration(0); elapsed < 8*time.Hour-20*time.Minute; elapsed += 20 * time.Minute {
		f.clock.Advance(20 * time.Minute)
		if _, err := f.svc.Authenticate(f.ctx, token); err != nil {
			t.Fatalf("busy session ended after %s: %v", elapsed+20*time.Minute, err)
		}
	}
	f.clock.Advance(20 * time.Minute)
	if _, err := f.svc.Authenticate(f.ctx, token); !errors.Is(err, operator.ErrNoSession) {
		t.Fatalf("session alive past 8 hours: %v", err)
	}
	if _, err := f.svc.Authenticate(f.ctx, "forged"); !errors.Is(err, operator.ErrNoSession) {
		t.Fatalf("forged token: %v", err)
	}
}

func TestDisableEndsSessions(t *testing.T) {
	f := newFixture(t)
	admin := f.create(t, "admin", operator.Administrator)
	c := f.create(t, "li.na", operator.Support)
	token := f.login(t, c)
	a := admin.Operator
	if err := f.svc.SetDisabled(f.ctx, &a, c.Operator.ID, true, "left the agency"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(f.ctx, token); err == nil {
		t.Fatal("a disabled operator's session still works")
	}
	if err := f.svc.SetDisabled(f.ctx, &a, a.ID, true, "oops"); err == nil {
		t.Fatal("an administrator disabled themselves")
	}
}

// rawDB opens the database file directly, as someone with access to the
// server could.
func rawDB(t *testing.T, path string) *sql.DB {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}
