package storetest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/policyadmin"
	"github.com/shebao-project/shebao/internal/store"
)

// PolicyPacks is the group for policyadmin.Store, the engine's
// PolicyPacks(): packs stored and read back whole, the version moving with
// every publication and roll-back and guarding both (one of many concurrent
// publications on the same version wins), a roll-back done once, and one
// region's persons paged with their active enrolments. Run lists it as
// {"PolicyPacks", PolicyPacks}.
func PolicyPacks(t *testing.T, open Opener) {
	t.Run("PublishAndRollBack", func(t *testing.T) {
		s := policyPacksOf(t, open(t))
		ctx := t.Context()
		if ps, err := s.Packs(ctx); err != nil || len(ps) != 0 {
			t.Fatalf("empty store: %v %v", ps, err)
		}
		wantVersion(t, s, 0)
		_, err := s.Pack(ctx, 1)
		wantErr(t, err, store.ErrNotFound)

		a, err := s.Insert(ctx, policyPack("110000", "2027-07"), 0)
		must(t, err)
		if a.ID <= 0 || a.Status != policyadmin.StatusPublished {
			t.Fatalf("inserted %+v", a)
		}
		_, err = s.Insert(ctx, policyPack("110000", "2027-07"), 0) // previewed before a was published
		wantErr(t, err, store.ErrConflict)
		v := wantVersion(t, s, a.ID)
		b, err := s.Insert(ctx, policyPack("310000", "2027-07"), v)
		must(t, err)
		if b.ID <= a.ID {
			t.Fatalf("ids %d then %d", a.ID, b.ID)
		}
		got, err := s.Pack(ctx, a.ID)
		must(t, err)
		same(t, "pack read back", got, a, normPack)

		v = wantVersion(t, s, b.ID)
		back := policyadmin.RollBack{ID: a.ID, By: "admin.li", At: t0.Add(time.Hour), Reason: "基数录错，回滚"}
		wantErr(t, s.RollBack(ctx, back, v-1), store.ErrConflict)
		must(t, s.RollBack(ctx, back, v))
		wantErr(t, s.RollBack(ctx, back, v+1), store.ErrConflict) // rolled back already
		wantErr(t, s.RollBack(ctx, policyadmin.RollBack{ID: 999, By: "x", At: t0, Reason: "x"}, v+1), store.ErrNotFound)
		wantVersion(t, s, v+1)

		a.Status, a.RolledBackBy, a.RolledBackAt, a.RollbackReason = policyadmin.StatusRolledBack, back.By, back.At, back.Reason
		ps, err := s.Packs(ctx)
		must(t, err)
		same(t, "packs", ps, []policyadmin.Pack{a, b}, func(ps []policyadmin.Pack) []policyadmin.Pack {
			out := make([]policyadmin.Pack, len(ps))
			for i, p := range ps {
				out[i] = normPack(p)
			}
			return out
		})
	})
	t.Run("ConcurrentPublications", func(t *testing.T) {
		s := policyPacksOf(t, open(t))
		var won atomic.Int32
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				_, err := s.Insert(t.Context(), policyPack("110000", fmt.Sprintf("2027-%02d", i+1)), 0)
				switch {
				case err == nil:
					won.Add(1)
				case !isConflict(err):
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if won.Load() != 1 {
			t.Fatalf("8 publications on version 0: %d stored, want 1", won.Load())
		}
	})
	t.Run("EnrolledInRegion", func(t *testing.T) { testEnrolledInRegion(t, open) })
}

func testEnrolledInRegion(t *testing.T, open Opener) {
	e := open(t)
	s := policyPacksOf(t, e)
	ctx := t.Context()
	for n := 1; n <= 5; n++ {
		p := person(n)
		if n == 3 {
			p.Region = "110000"
		}
		if n == 4 {
			p.Type = identity.Resident
		}
		must(t, e.CreatePerson(ctx, p))
	}
	enrol := func(n int, ins, status, base string) {
		must(t, e.PutEnrolment(ctx, identity.Enrolment{PersonID: person(n).ID, Insurance: ins, Status: status, Since: "2025-01", Base: base}))
	}
	enrol(1, "310", "active", "floor")
	enrol(1, "110", "active", "ceiling")
	enrol(2, "110", "suspended", "floor")
	enrol(3, "110", "active", "floor") // another region
	enrol(4, "390", "active", "")
	enrol(5, "110", "active", "720000")
	var got []billing.Enrolled
	for after := ""; ; {
		page, err := s.EnrolledInRegion(ctx, "440300", after, 2)
		must(t, err)
		if len(page) == 0 {
			break
		}
		got = append(got, page...)
		after = page[len(page)-1].PersonID
	}
	want := []billing.Enrolled{
		{PersonID: "P0001", Region: "440300", Type: identity.Flexible, Items: []billing.Item{{Insurance: "110", Base: "ceiling"}, {Insurance: "310", Base: "floor"}}},
		{PersonID: "P0002", Region: "440300", Type: identity.Flexible},
		{PersonID: "P0004", Region: "440300", Type: identity.Resident, Items: []billing.Item{{Insurance: "390", Base: ""}}},
		{PersonID: "P0005", Region: "440300", Type: identity.Flexible, Items: []billing.Item{{Insurance: "110", Base: "720000"}}},
	}
	same(t, "enrolled in 440300", got, want, nil)
}

// policyPacksOf is e's policy pack store. It asks for the method itself, so
// the group compiles whether or not Engine lists PolicyPacks().
func policyPacksOf(t *testing.T, e Engine) policyadmin.Store {
	t.Helper()
	s, ok := any(e).(interface{ PolicyPacks() policyadmin.Store })
	if !ok {
		t.Fatalf("%T has no PolicyPacks() policyadmin.Store", e)
	}
	return s.PolicyPacks()
}

func policyPack(region, from string) policyadmin.Pack {
	return policyadmin.Pack{Region: region, EffectiveFrom: from, YAML: "region: \"" + region + "\"\n# 北京市\x7f\n",
		SHA256: "ab12", SM3: "cd34", Status: policyadmin.StatusPublished, PublishedBy: "admin.wang", PublishedAt: t0,
		Reason: "2027年度缴费基数通知"}
}

func normPack(p policyadmin.Pack) policyadmin.Pack {
	p.PublishedAt, p.RolledBackAt = p.PublishedAt.UTC(), p.RolledBackAt.UTC()
	return p
}

func wantVersion(t *testing.T, s policyadmin.Store, want int64) int64 {
	t.Helper()
	v, err := s.Version(t.Context())
	must(t, err)
	if v != want {
		t.Fatalf("version %d, want %d", v, want)
	}
	return v
}

func isConflict(err error) bool { return errors.Is(err, store.ErrConflict) }
