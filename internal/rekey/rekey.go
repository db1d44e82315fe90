// Package rekey moves the personal data sealed at rest onto the keyring's
// current key after a rotation (`shebao keys rotate`): it pages through every
// sealed row, opens each value with whichever key sealed it, seals it again
// with the current key and recomputes the row's blind indexes under that
// key, writing each batch with an optimistic check so that a row a server
// changed meanwhile is left alone (and picked up by the next pass).
//
// The rule that makes lookups work throughout: a row's blind indexes are
// always those of the key that sealed its values. Lookups try the indexes of
// every key in the ring (pii.Sealer.Indexes) until the old key is retired,
// and a key cannot be retired while any value still uses it.
package rekey

import (
	"context"
	"fmt"
)

// PersonSeal is a person's sealed columns and blind indexes, as stored.
type PersonSeal struct {
	ID                    string
	Name, IDNumber, Phone []byte // sealed
	IDIndex, PhoneIndex   []byte
}

// OperatorSeal is an operator's sealed TOTP secret, as stored.
type OperatorSeal struct {
	ID   string
	TOTP []byte
}

// PersonChange replaces Old with New if the row still holds Old.
type PersonChange struct{ Old, New PersonSeal }

// OperatorChange replaces Old with New if the row still holds Old.
type OperatorChange struct{ Old, New OperatorSeal }

// Page selects rows with an id after After, in id order, at most Limit.
type Page struct {
	After string
	Limit int
}

// KeyCount is how many values of one sealed column the key KeyID sealed.
type KeyCount struct {
	Column string // "persons.name_sealed", …
	KeyID  int
	Values int64
}

// Store is the storage the reseal pass needs; each engine implements it.
type Store interface {
	SealedPersons(ctx context.Context, p Page) ([]PersonSeal, error)
	// ResealPersons applies the changes in one transaction. A change whose
	// row no longer holds Old (written meanwhile, or gone) is skipped; the
	// count of applied changes is returned.
	ResealPersons(ctx context.Context, changes []PersonChange) (int, error)
	SealedOperators(ctx context.Context, p Page) ([]OperatorSeal, error)
	ResealOperators(ctx context.Context, changes []OperatorChange) (int, error)
	// SealedKeyCounts counts the values of every sealed column by the key
	// that sealed them (the value's first byte).
	SealedKeyCounts(ctx context.Context) ([]KeyCount, error)
}

// ValuesByKey sums counts per key id over all columns.
func ValuesByKey(counts []KeyCount) map[int]int64 {
	out := map[int]int64{}
	for _, c := range counts {
		out[c.KeyID] += c.Values
	}
	return out
}

// NotOn is how many sealed values a key other than id sealed.
func NotOn(counts []KeyCount, id int) int64 {
	var n int64
	for k, v := range ValuesByKey(counts) {
		if k != id {
			n += v
		}
	}
	return n
}

// unopenable names a row whose value no key in the ring opens. Only the row
// id is said, never the value.
type unopenable struct {
	table, id string
	err       error
}

func (u unopenable) String() string { return fmt.Sprintf("%s %s: %v", u.table, u.id, u.err) }
