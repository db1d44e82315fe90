package rekey_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/operator"
	"github.com/shebao-project/shebao/internal/pii"
	"github.com/shebao-project/shebao/internal/rekey"
	"github.com/shebao-project/shebao/internal/store/sqlite"
)

// world is a real SQLite store and keyring with n persons and one operator
// sealed under key 1, as every store is before its first rotation.
type world struct {
	db     *sqlite.DB
	dir    string
	sealer *pii.Sealer
}

func newWorld(t *testing.T, n int) world {
	t.Helper()
	dir := t.TempDir()
	db, err := sqlite.Open(t.Context(), filepath.Join(dir, "shebao.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := pii.LoadKeyring(filepath.Join(dir, "keys"), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	w := world{db: db, dir: filepath.Join(dir, "keys"), sealer: s}
	for i := 1; i <= n; i++ {
		w.addPerson(t, s.Current(), i)
	}
	totp, err := s.Seal(operator.FieldTOTP, "JBSWY3DPEHPK3PXP")
	if err != nil {
		t.Fatal(err)
	}
	err = db.OperatorStore().CreateOperator(t.Context(), operator.Operator{ID: "O1", Name: "admin", DisplayName: "管理员",
		Role: operator.Administrator, PasswordHash: "x", TOTPSealed: totp, CreatedAt: time.Now(), CreatedBy: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func idNumber(i int) string { return fmt.Sprintf("44030019900101%04d", i) }
func phone(i int) string    { return fmt.Sprintf("1380000%04d", i) }

// addPerson seals person i with k; indexWith, if given, computes the
// indexes instead (a row whose indexes do not match its seals).
func (w world) addPerson(t *testing.T, k *pii.Key, i int, indexWith ...*pii.Key) {
	t.Helper()
	ik := k
	if len(indexWith) > 0 {
		ik = indexWith[0]
	}
	name, err1 := k.Seal(pii.FieldName, "张三")
	id, err2 := k.Seal(pii.FieldIDNumber, idNumber(i))
	ph, err3 := k.Seal(pii.FieldPhone, phone(i))
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Fatal(err)
	}
	err := w.db.CreatePerson(t.Context(), identity.PersonRecord{ID: fmt.Sprintf("P%04d", i), Region: "440300", Type: identity.Flexible,
		NameSealed: name, IDSealed: id, PhoneSealed: ph, IDIndex: ik.Index(pii.FieldIDNumber, idNumber(i)),
		PhoneIndex: ik.Index(pii.FieldPhone, phone(i)), CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
}

// onlyOn checks every value is sealed with key id and every person is found
// by the current key's indexes and opens to what was sealed.
func (w world) onlyOn(t *testing.T, id, persons int) {
	t.Helper()
	counts, err := w.db.SealedKeyCounts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if by := rekey.ValuesByKey(counts); len(by) != 1 || by[id] != int64(3*persons+1) {
		t.Fatalf("values by key = %v, want all %d on key %d", by, 3*persons+1, id)
	}
	for i := 1; i <= persons; i++ {
		p, err := w.db.PersonByPhoneIndex(t.Context(), w.sealer.Current().Index(pii.FieldPhone, phone(i)))
		if err != nil {
			t.Fatalf("person %d not found by the new phone index: %v", i, err)
		}
		if !bytes.Equal(p.IDIndex, w.sealer.Current().Index(pii.FieldIDNumber, idNumber(i))) {
			t.Fatalf("person %d: ID index not recomputed", i)
		}
		if got, err := w.sealer.Open(pii.FieldIDNumber, p.IDSealed); err != nil || got != idNumber(i) {
			t.Fatalf("person %d opens to %q, %v", i, got, err)
		}
	}
}

func TestResealMovesEverything(t *testing.T) {
	w := newWorld(t, 7)
	if _, err := pii.AddKey(w.dir, time.Now(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	var reported int
	res, err := rekey.Reseal(t.Context(), w.db, w.sealer, rekey.Options{Batch: 3, Progress: func(_ string, n int) { reported += n }})
	if err != nil || !res.Complete || res.KeyID != 2 || res.Resealed != 8 || res.Skipped != 0 || len(res.Unopenable) != 0 {
		t.Fatalf("Reseal = %+v, %v", res, err)
	}
	if reported != 8 {
		t.Fatalf("progress reported %d rows, want 8", reported)
	}
	w.onlyOn(t, 2, 7)
	// Run again: nothing left to do, nothing written.
	if res, err = rekey.Reseal(t.Context(), w.db, w.sealer, rekey.Options{}); err != nil || !res.Complete || res.Resealed != 0 {
		t.Fatalf("second Reseal = %+v, %v", res, err)
	}
}

func TestResealStopsAndCarriesOn(t *testing.T) {
	w := newWorld(t, 5)
	if _, err := pii.AddKey(w.dir, time.Now(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	res, err := rekey.Reseal(t.Context(), w.db, w.sealer, rekey.Options{Batch: 2, MaxBatches: 1})
	if !errors.Is(err, rekey.ErrStopped) || res.Resealed != 2 || res.Complete {
		t.Fatalf("stopped Reseal = %+v, %v", res, err)
	}
	counts, _ := w.db.SealedKeyCounts(t.Context())
	if by := rekey.ValuesByKey(counts); by[1] != 10 || by[2] != 6 {
		t.Fatalf("after one batch of 2 persons: %v, want 10 values on key 1 and 6 on key 2", by)
	}
	res, err = rekey.Reseal(t.Context(), w.db, w.sealer, rekey.Options{Batch: 2})
	if err != nil || !res.Complete || res.Resealed != 4 {
		t.Fatalf("resumed Reseal = %+v, %v (want the 3 persons and 1 operator left)", res, err)
	}
	w.onlyOn(t, 2, 5)
}

func TestResealRepairsAndReports(t *testing.T) {
	w := newWorld(t, 2)
	old := w.sealer.Current()
	if _, err := pii.AddKey(w.dir, time.Now(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	// Person 3 was sealed with key 2 but indexed with key 1 (a writer that
	// mixed keys): the pass must recompute its indexes too.
	w.addPerson(t, w.sealer.Current(), 3, old)
	res, err := rekey.Reseal(t.Context(), w.db, w.sealer, rekey.Options{})
	if err != nil || !res.Complete || res.Resealed != 4 {
		t.Fatalf("Reseal = %+v, %v", res, err)
	}
	w.onlyOn(t, 2, 3)

	// A value no key opens is named (table and id only) and left alone.
	bad, err := w.sealer.Current().Seal(pii.FieldName, "李四")
	if err != nil {
		t.Fatal(err)
	}
	bad[len(bad)-1] ^= 1
	err = w.db.CreatePerson(t.Context(), identity.PersonRecord{ID: "P0009", Region: "440300", Type: identity.Flexible,
		NameSealed: bad, IDSealed: bad, PhoneSealed: bad, IDIndex: []byte("i9"), PhoneIndex: []byte("p9"), CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	res, err = rekey.Reseal(t.Context(), w.db, w.sealer, rekey.Options{})
	if err != nil || !res.Complete || len(res.Unopenable) != 1 || !bytes.HasPrefix([]byte(res.Unopenable[0]), []byte("persons P0009: ")) {
		t.Fatalf("Reseal with a tampered row = %+v, %v", res, err)
	}
	if bytes.Contains([]byte(res.Unopenable[0]), []byte("李四")) {
		t.Fatal("the report holds a sealed value")
	}
}

// racingStore is a real store in which a server writes the row being
// re-sealed between the pass's read and its write, once.
type racingStore struct {
	*sqlite.DB
	t     *testing.T
	w     world
	raced bool
}

func (r *racingStore) ResealPersons(ctx context.Context, changes []rekey.PersonChange) (int, error) {
	if !r.raced {
		r.raced = true
		// The server re-seals P0001's name under the current key meanwhile
		// (as an update of the person would), leaving its indexes.
		old := changes[0].Old
		name, err := r.w.sealer.Seal(pii.FieldName, "张三丰")
		if err != nil {
			r.t.Fatal(err)
		}
		next := old
		next.Name = name
		if n, err := r.DB.ResealPersons(ctx, []rekey.PersonChange{{Old: old, New: next}}); err != nil || n != 1 {
			r.t.Fatalf("concurrent write: %d, %v", n, err)
		}
	}
	return r.DB.ResealPersons(ctx, changes)
}

func TestResealLeavesConcurrentWrites(t *testing.T) {
	w := newWorld(t, 2)
	if _, err := pii.AddKey(w.dir, time.Now(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	st := &racingStore{DB: w.db, t: t, w: w}
	res, err := rekey.Reseal(t.Context(), st, w.sealer, rekey.Options{Batch: 10})
	if err != nil || !res.Complete || res.Skipped != 1 || res.Resealed != 3 {
		t.Fatalf("Reseal = %+v, %v; want P0001 skipped once, then moved by the next pass", res, err)
	}
	w.onlyOn(t, 2, 2)
	p, err := w.db.PersonByID(t.Context(), "P0001")
	if err != nil {
		t.Fatal(err)
	}
	if name, err := w.sealer.Open(pii.FieldName, p.NameSealed); err != nil || name != "张三丰" {
		t.Fatalf("the concurrent write was overwritten: %q, %v", name, err)
	}
}
