package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/store"
)

func testPersons(t *testing.T, open Opener) {
	t.Run("CreateThenReadEveryField", func(t *testing.T) {
		e := open(t)
		want := person(1)
		want.Type = identity.Resident
		want.CreatedAt = t0.In(cst)
		must(t, e.CreatePerson(t.Context(), want))
		got, err := e.PersonByID(t.Context(), want.ID)
		must(t, err)
		same(t, "PersonByID", got, want, normPerson)
		got, err = e.PersonByPhoneIndex(t.Context(), want.PhoneIndex)
		must(t, err)
		same(t, "PersonByPhoneIndex", got, want, normPerson)
	})
	t.Run("Conflicts", func(t *testing.T) {
		tests := []struct {
			name   string
			mutate func(p *identity.PersonRecord)
		}{
			{"SameID", func(p *identity.PersonRecord) { p.IDIndex, p.PhoneIndex = []byte("other-id"), []byte("other-ph") }},
			{"SamePhoneIndex", func(p *identity.PersonRecord) { p.ID, p.IDIndex = "P9999", []byte("other-id") }},
			{"SameIDIndex", func(p *identity.PersonRecord) { p.ID, p.PhoneIndex = "P9999", []byte("other-ph") }},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e := open(t)
				seedPersons(t, e, 1)
				dup := person(1)
				tt.mutate(&dup)
				wantErr(t, e.CreatePerson(t.Context(), dup), store.ErrConflict)
				n, err := e.CountPersons(t.Context())
				must(t, err)
				if n != 1 {
					t.Fatalf("CountPersons = %d after a refused insert, want 1", n)
				}
			})
		}
	})
	t.Run("NotFound", func(t *testing.T) {
		e := open(t)
		seedPersons(t, e, 1)
		_, err := e.PersonByID(t.Context(), "nobody")
		wantErr(t, err, store.ErrNotFound)
		_, err = e.PersonByPhoneIndex(t.Context(), []byte("nobody"))
		wantErr(t, err, store.ErrNotFound)
	})
	t.Run("CountAndPersonIDs", func(t *testing.T) {
		e := open(t)
		seedPersons(t, e, 5, 3, 1, 4, 2)
		n, err := e.CountPersons(t.Context())
		must(t, err)
		if n != 5 {
			t.Fatalf("CountPersons = %d, want 5", n)
		}
		pages := []struct {
			after string
			want  []string
		}{
			{"", []string{"P0001", "P0002"}},
			{"P0002", []string{"P0003", "P0004"}},
			{"P0004", []string{"P0005"}},
			{"P0005", nil},
		}
		for _, p := range pages {
			got, err := e.PersonIDs(t.Context(), p.after, 2)
			must(t, err)
			if fmt.Sprint(got) != fmt.Sprint(p.want) {
				t.Fatalf("PersonIDs(%q, 2) = %v, want %v", p.after, got, p.want)
			}
		}
	})
}

// testWeChatBinding: an app's openid finds at most one person; binding
// moves it and refuses one another person holds; the official account and
// the mini-program keep separate openids.
func testWeChatBinding(t *testing.T, open Opener) {
	e := open(t)
	seedPersons(t, e, 1, 2)
	ctx := t.Context()
	oa, mp := identity.AppOfficialAccount, identity.AppMiniProgram
	got, err := e.PersonByOpenID(ctx, oa, "o-P0001")
	if err != nil || got.ID != "P0001" {
		t.Fatalf("PersonByOpenID(o-P0001) = %s, %v", got.ID, err)
	}
	if got.MiniOpenID != "m-P0001" {
		t.Errorf("MiniOpenID %q, want m-P0001", got.MiniOpenID)
	}
	for _, c := range []struct{ app, id string }{{oa, ""}, {oa, "o-nobody"}, {mp, "o-P0001"}, {oa, "m-P0001"}} {
		_, err := e.PersonByOpenID(ctx, c.app, c.id)
		wantErr(t, err, store.ErrNotFound)
	}
	if got, err := e.PersonByOpenID(ctx, mp, "m-P0002"); err != nil || got.ID != "P0002" {
		t.Errorf("PersonByOpenID(mp, m-P0002) = %s, %v", got.ID, err)
	}
	bind := func(person, app, openID string) error {
		return e.Grants().InGrantTx(ctx, func(tx identity.GrantTx) error { return tx.BindOpenID(ctx, person, app, openID) })
	}
	wantErr(t, bind("P0002", oa, "o-P0001"), store.ErrConflict)
	wantErr(t, bind("P0002", mp, "m-P0001"), store.ErrConflict)
	wantErr(t, bind("nobody", oa, "o-new"), store.ErrNotFound)
	if err := bind("P0001", oa, "o-new"); err != nil {
		t.Fatal(err)
	}
	if got, err := e.PersonByOpenID(ctx, oa, "o-new"); err != nil || got.ID != "P0001" || got.MiniOpenID != "m-P0001" {
		t.Errorf("after binding, o-new finds %s (mini %s), %v", got.ID, got.MiniOpenID, err)
	}
	_, err = e.PersonByOpenID(ctx, oa, "o-P0001")
	wantErr(t, err, store.ErrNotFound)
	// Two persons without WeChat (openid "") do not collide.
	for _, app := range []string{oa, mp} {
		if err := bind("P0001", app, ""); err != nil {
			t.Fatal(err)
		}
		if err := bind("P0002", app, ""); err != nil {
			t.Errorf("a second person without %s: %v", app, err)
		}
	}
}

// testDisplayPrefs: none until chosen; the latest choice wins.
func testDisplayPrefs(t *testing.T, open Opener) {
	e := open(t)
	seedPersons(t, e, 1)
	ctx := t.Context()
	if _, ok, err := e.DisplayPrefs(ctx, "P0001"); err != nil || ok {
		t.Fatalf("before any choice: ok %v, %v", ok, err)
	}
	for _, want := range []identity.DisplayPrefs{{Care: true, Voice: true, Lang: "zh-CN"}, {Care: false, Voice: false, Lang: ""}} {
		must(t, e.SetDisplayPrefs(ctx, "P0001", want, t0))
		got, ok, err := e.DisplayPrefs(ctx, "P0001")
		if err != nil || !ok || got != want {
			t.Fatalf("DisplayPrefs = %+v, %v, %v; want %+v", got, ok, err, want)
		}
	}
}

func testEnrolments(t *testing.T, open Opener) {
	t.Run("Upsert", func(t *testing.T) {
		e := open(t)
		seedPersons(t, e, 1, 2)
		puts := []identity.Enrolment{
			{PersonID: "P0001", Insurance: "110", Status: "active", Since: "2020-01", Base: "floor"},
			{PersonID: "P0001", Insurance: "310", Status: "active", Since: "2021-03", Base: "floor"},
			{PersonID: "P0002", Insurance: "110", Status: "active", Since: "2019-07", Base: "ceiling"},
			// Same key as the first: replaces it.
			{PersonID: "P0001", Insurance: "110", Status: "suspended", Since: "2022-05", Base: "600000"},
		}
		for _, p := range puts {
			must(t, e.PutEnrolment(t.Context(), p))
		}
		got, err := e.Enrolments(t.Context(), "P0001")
		must(t, err)
		byIns := map[string]identity.Enrolment{}
		for _, en := range got {
			byIns[en.Insurance] = en
		}
		want := map[string]identity.Enrolment{"110": puts[3], "310": puts[1]}
		same(t, "Enrolments(P0001)", byIns, want, nil)
		if len(got) != 2 {
			t.Fatalf("Enrolments(P0001) has %d rows, want 2: %+v", len(got), got)
		}
		none, err := e.Enrolments(t.Context(), "nobody")
		must(t, err)
		if len(none) != 0 {
			t.Fatalf("Enrolments(nobody) = %+v, want none", none)
		}
	})
}

func smsCode(mac string) identity.SMSCode {
	return identity.SMSCode{PhoneIndex: []byte("ph\x00P0001"), CodeMAC: []byte(mac), SentAt: t0, ExpiresAt: t0.Add(5 * time.Minute)}
}

func normSMS(c identity.SMSCode) identity.SMSCode {
	c.SentAt, c.ExpiresAt = c.SentAt.UTC(), c.ExpiresAt.UTC()
	return c
}

func testSMSCodes(t *testing.T, open Opener) {
	t.Run("PutReplacesAndResetsAttempts", func(t *testing.T) {
		e := open(t)
		first := smsCode("mac-1")
		must(t, e.PutSMSCode(t.Context(), first))
		got, err := e.SMSCodeFor(t.Context(), first.PhoneIndex)
		must(t, err)
		same(t, "SMSCodeFor", got, first, normSMS)
		for i := 1; i <= 2; i++ {
			got, err = e.AttemptSMSCode(t.Context(), first.PhoneIndex, t0.Add(time.Second), 5)
			must(t, err)
			if got.Attempts != i {
				t.Fatalf("attempt %d: Attempts = %d", i, got.Attempts)
			}
		}
		second := smsCode("mac-2")
		second.SentAt, second.ExpiresAt = t0.Add(time.Minute), t0.Add(6*time.Minute)
		must(t, e.PutSMSCode(t.Context(), second))
		got, err = e.SMSCodeFor(t.Context(), first.PhoneIndex)
		must(t, err)
		same(t, "SMSCodeFor after a second Put", got, second, normSMS)
	})
	t.Run("Attempt", func(t *testing.T) {
		c := smsCode("mac")
		tests := []struct {
			name     string
			now      time.Time
			prior    int // attempts made before the one checked
			max      int
			wantErr  error
			attempts int
		}{
			{"Live", c.ExpiresAt.Add(-time.Millisecond), 0, 5, nil, 1},
			{"LastAllowed", c.SentAt, 2, 3, nil, 3},
			{"AttemptsUsedUp", c.SentAt, 3, 3, store.ErrNotFound, 3},
			{"Expired", c.ExpiresAt.Add(time.Millisecond), 0, 5, store.ErrNotFound, 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e := open(t)
				must(t, e.PutSMSCode(t.Context(), c))
				for range tt.prior {
					_, err := e.AttemptSMSCode(t.Context(), c.PhoneIndex, c.SentAt, tt.max)
					must(t, err)
				}
				got, err := e.AttemptSMSCode(t.Context(), c.PhoneIndex, tt.now, tt.max)
				if tt.wantErr != nil {
					wantErr(t, err, tt.wantErr)
				} else {
					must(t, err)
					if got.Attempts != tt.attempts || string(got.CodeMAC) != "mac" {
						t.Fatalf("AttemptSMSCode = %+v, want Attempts %d", got, tt.attempts)
					}
				}
				stored, err := e.SMSCodeFor(t.Context(), c.PhoneIndex)
				must(t, err)
				if stored.Attempts != tt.attempts {
					t.Fatalf("stored Attempts = %d, want %d (a refused attempt is not counted)", stored.Attempts, tt.attempts)
				}
			})
		}
		t.Run("Unknown", func(t *testing.T) {
			e := open(t)
			_, err := e.AttemptSMSCode(t.Context(), []byte("nobody"), t0, 5)
			wantErr(t, err, store.ErrNotFound)
			_, err = e.SMSCodeFor(t.Context(), []byte("nobody"))
			wantErr(t, err, store.ErrNotFound)
		})
	})
	t.Run("ConcurrentAttemptsNeverExceedMax", func(t *testing.T) {
		e := open(t)
		c := smsCode("mac")
		must(t, e.PutSMSCode(t.Context(), c))
		const goroutines, maxAttempts = 50, 5
		var wg sync.WaitGroup
		errs := make(chan error, goroutines)
		for range goroutines {
			wg.Go(func() {
				_, err := e.AttemptSMSCode(t.Context(), c.PhoneIndex, t0, maxAttempts)
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		ok := 0
		for err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, store.ErrNotFound):
				t.Errorf("AttemptSMSCode: unexpected error %v", err)
			}
		}
		if ok != maxAttempts {
			t.Fatalf("%d of %d concurrent attempts succeeded, want exactly %d", ok, goroutines, maxAttempts)
		}
	})
	t.Run("ConsumeOnce", func(t *testing.T) {
		e := open(t)
		c := smsCode("mac")
		must(t, e.PutSMSCode(t.Context(), c))
		steps := []struct {
			mac  string
			want bool
		}{{"other-mac", false}, {"mac", true}, {"mac", false}}
		for i, s := range steps {
			got, err := e.ConsumeSMSCode(t.Context(), c.PhoneIndex, []byte(s.mac))
			must(t, err)
			if got != s.want {
				t.Fatalf("step %d: ConsumeSMSCode(%q) = %v, want %v", i, s.mac, got, s.want)
			}
		}
		_, err := e.SMSCodeFor(t.Context(), c.PhoneIndex)
		wantErr(t, err, store.ErrNotFound)
	})
}

func normSession(s identity.Session) identity.Session {
	s.CreatedAt, s.ExpiresAt = s.CreatedAt.UTC(), s.ExpiresAt.UTC()
	return s
}

func session(token string, expires time.Time) identity.Session {
	return identity.Session{TokenHash: []byte("h\x00" + token), PersonID: "P0001", Method: "sms", CreatedAt: t0, ExpiresAt: expires}
}

func testSessions(t *testing.T, open Opener) {
	t.Run("CreateReadDelete", func(t *testing.T) {
		e := open(t)
		seedPersons(t, e, 1)
		s := session("a", t0.Add(30*time.Minute))
		must(t, e.CreateSession(t.Context(), s))
		wantErr(t, e.CreateSession(t.Context(), s), store.ErrConflict)
		got, err := e.SessionByTokenHash(t.Context(), s.TokenHash)
		must(t, err)
		same(t, "SessionByTokenHash", got, s, normSession)
		// Read with its person in one statement: the same session, and
		// the same person as read alone.
		got, person, err := e.SessionWithPerson(t.Context(), s.TokenHash)
		must(t, err)
		same(t, "SessionWithPerson session", got, s, normSession)
		alone, err := e.PersonByID(t.Context(), s.PersonID)
		must(t, err)
		same(t, "SessionWithPerson person", person, alone, normPerson)
		must(t, e.DeleteSession(t.Context(), s.TokenHash))
		_, err = e.SessionByTokenHash(t.Context(), s.TokenHash)
		wantErr(t, err, store.ErrNotFound)
		_, _, err = e.SessionWithPerson(t.Context(), s.TokenHash)
		wantErr(t, err, store.ErrNotFound)
		wantErr(t, e.DeleteSession(t.Context(), s.TokenHash), store.ErrNotFound)
	})
	t.Run("DeleteExpired", func(t *testing.T) {
		e := open(t)
		seedPersons(t, e, 1)
		now := t0.Add(time.Hour)
		sessions := []struct {
			s    identity.Session
			kept bool
		}{
			{session("old", now.Add(-time.Minute)), false},
			{session("older", now.Add(-time.Hour)), false},
			{session("live", now.Add(time.Minute)), true},
		}
		for _, x := range sessions {
			must(t, e.CreateSession(t.Context(), x.s))
		}
		n, err := e.DeleteExpiredSessions(t.Context(), now)
		must(t, err)
		if n != 2 {
			t.Fatalf("DeleteExpiredSessions = %d, want 2", n)
		}
		for _, x := range sessions {
			_, err := e.SessionByTokenHash(t.Context(), x.s.TokenHash)
			if x.kept {
				must(t, err)
			} else {
				wantErr(t, err, store.ErrNotFound)
			}
		}
	})
}
