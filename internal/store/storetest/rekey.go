package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/operator"
	"github.com/shebao-project/shebao/internal/rekey"
	"github.com/shebao-project/shebao/internal/store"
)

// Rekey is the contract of rekey.Store: pages of sealed rows in id order,
// and rewrites that apply only to rows still holding what was read.
func Rekey(t *testing.T, open Opener) {
	t.Run("PagesInIDOrder", func(t *testing.T) {
		e := open(t)
		seedPersons(t, e, 3, 1, 5, 2, 4)
		var got []string
		for p := (rekey.Page{Limit: 2}); ; {
			rows, err := e.SealedPersons(t.Context(), p)
			must(t, err)
			for _, r := range rows {
				got = append(got, r.ID)
				if want := sealOf(person(personNumber(t, r.ID))); !samePersonSeal(r, want) {
					t.Fatalf("SealedPersons row %+v, want %+v", r, want)
				}
			}
			if len(rows) < p.Limit {
				break
			}
			p.After = rows[len(rows)-1].ID
		}
		if want := []string{"P0001", "P0002", "P0003", "P0004", "P0005"}; !slices.Equal(got, want) {
			t.Fatalf("paged ids %v, want %v", got, want)
		}
	})
	t.Run("ResealPersonsIsOptimistic", func(t *testing.T) {
		e := open(t)
		seedPersons(t, e, 1, 2)
		fresh, stale := moved(sealOf(person(1))), sealOf(person(2))
		stale.Name = []byte{0x01, 0x99} // not what the row holds: someone changed it
		n, err := e.ResealPersons(t.Context(), []rekey.PersonChange{
			{Old: sealOf(person(1)), New: fresh},
			{Old: stale, New: moved(sealOf(person(2)))},
		})
		must(t, err)
		if n != 1 {
			t.Fatalf("ResealPersons applied %d changes, want 1 (the stale one skipped)", n)
		}
		got, err := e.PersonByPhoneIndex(t.Context(), fresh.PhoneIndex)
		must(t, err)
		if !samePersonSeal(sealOf(got), fresh) || got.NameMasked != person(1).NameMasked {
			t.Fatalf("resealed row %+v, want the new seals and the rest unchanged", got)
		}
		got, err = e.PersonByID(t.Context(), "P0002")
		must(t, err)
		same(t, "skipped row", got, person(2), normPerson)
	})
	t.Run("ResealPersonsAllOrNothing", func(t *testing.T) {
		e := open(t)
		seedPersons(t, e, 1, 2)
		clash := moved(sealOf(person(2)))
		clash.IDIndex = moved(sealOf(person(1))).IDIndex // would make two persons one ID number
		_, err := e.ResealPersons(t.Context(), []rekey.PersonChange{
			{Old: sealOf(person(1)), New: moved(sealOf(person(1)))},
			{Old: sealOf(person(2)), New: clash},
		})
		wantErr(t, err, store.ErrConflict)
		for _, n := range []int{1, 2} {
			got, err := e.PersonByID(t.Context(), person(n).ID)
			must(t, err)
			same(t, "row after a refused batch", got, person(n), normPerson)
		}
	})
	t.Run("Operators", func(t *testing.T) {
		e := open(t)
		ops := operatorStore(t, e)
		for _, id := range []string{"O2", "O1"} {
			must(t, ops.CreateOperator(t.Context(), operator.Operator{ID: id, Name: "n" + id, DisplayName: id,
				Role: operator.Administrator, PasswordHash: "x", TOTPSealed: []byte{1, 0, 0xff}, CreatedAt: t0, CreatedBy: "test"}))
		}
		rows, err := e.SealedOperators(t.Context(), rekey.Page{Limit: 10})
		must(t, err)
		if len(rows) != 2 || rows[0].ID != "O1" || string(rows[1].TOTP) != "\x01\x00\xff" {
			t.Fatalf("SealedOperators = %+v", rows)
		}
		n, err := e.ResealOperators(t.Context(), []rekey.OperatorChange{
			{Old: rows[0], New: rekey.OperatorSeal{ID: "O1", TOTP: []byte{2, 7}}},
			{Old: rekey.OperatorSeal{ID: "O2", TOTP: []byte{1, 1}}, New: rekey.OperatorSeal{ID: "O2", TOTP: []byte{2, 8}}},
		})
		must(t, err)
		if n != 1 {
			t.Fatalf("ResealOperators applied %d, want 1", n)
		}
		rows, err = e.SealedOperators(t.Context(), rekey.Page{After: "O1", Limit: 10})
		must(t, err)
		if len(rows) != 1 || string(rows[0].TOTP) != "\x01\x00\xff" {
			t.Fatalf("stale change was applied: %+v", rows)
		}
		counts, err := e.SealedKeyCounts(t.Context())
		must(t, err)
		if got := rekey.ValuesByKey(counts); got[1] != 1 || got[2] != 1 {
			t.Fatalf("TOTP values by key = %v, want one on key 1 and one on key 2", got)
		}
	})
	t.Run("KeyCounts", func(t *testing.T) {
		e := open(t)
		seedPersons(t, e, 1, 2, 3)
		_, err := e.ResealPersons(t.Context(), []rekey.PersonChange{{Old: sealOf(person(3)), New: moved(sealOf(person(3)))}})
		must(t, err)
		counts, err := e.SealedKeyCounts(t.Context())
		must(t, err)
		// person() seals start with 0x00 (name), 0xfe (id), 0x80 (phone):
		// the first byte must be read as an unsigned byte on every engine.
		want := []rekey.KeyCount{
			{Column: "persons.name_sealed", KeyID: 0, Values: 2}, {Column: "persons.name_sealed", KeyID: 2, Values: 1},
			{Column: "persons.id_sealed", KeyID: 2, Values: 1}, {Column: "persons.id_sealed", KeyID: 0xfe, Values: 2},
			{Column: "persons.phone_sealed", KeyID: 2, Values: 1}, {Column: "persons.phone_sealed", KeyID: 0x80, Values: 2},
		}
		if !slices.Equal(counts, want) {
			t.Fatalf("SealedKeyCounts =\n%v\nwant\n%v", counts, want)
		}
		if n := rekey.NotOn(counts, 2); n != 6 {
			t.Fatalf("NotOn(2) = %d, want 6", n)
		}
	})
}

func sealOf(p identity.PersonRecord) rekey.PersonSeal {
	return rekey.PersonSeal{ID: p.ID, Name: p.NameSealed, IDNumber: p.IDSealed, Phone: p.PhoneSealed,
		IDIndex: p.IDIndex, PhoneIndex: p.PhoneIndex}
}

// moved is s as if resealed with key 2: new seals and new indexes.
func moved(s rekey.PersonSeal) rekey.PersonSeal {
	return rekey.PersonSeal{ID: s.ID, Name: []byte{2, 'n', s.Name[2]}, IDNumber: []byte{2, 'i', s.IDNumber[2]},
		Phone: []byte{2, 'p', s.Phone[1]}, IDIndex: append([]byte("k2-"), s.IDIndex...), PhoneIndex: append([]byte("k2-"), s.PhoneIndex...)}
}

func samePersonSeal(a, b rekey.PersonSeal) bool {
	eq := func(x, y []byte) bool { return string(x) == string(y) }
	return a.ID == b.ID && eq(a.Name, b.Name) && eq(a.IDNumber, b.IDNumber) && eq(a.Phone, b.Phone) &&
		eq(a.IDIndex, b.IDIndex) && eq(a.PhoneIndex, b.PhoneIndex)
}

func personNumber(t *testing.T, id string) int {
	t.Helper()
	for n := 1; n < 10; n++ {
		if person(n).ID == id {
			return n
		}
	}
	t.Fatalf("unexpected person %s", id)
	return 0
}

// operatorStore reaches the operator table, which both engines offer
// through OperatorStore, outside the Engine interface.
func operatorStore(t *testing.T, e Engine) interface {
	CreateOperator(ctx context.Context, o operator.Operator) error
} {
	t.Helper()
	s, ok := e.(interface{ OperatorStore() operator.Store })
	if !ok {
		t.Fatal("engine has no OperatorStore")
	}
	return s.OperatorStore()
}
