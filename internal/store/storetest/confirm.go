package storetest

import (
	"bytes"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/store"
)

// testConfirmSession: a session records when its person last gave a second
// factor; a new session has none.
func testConfirmSession(t *testing.T, open Opener) {
	e := open(t)
	seedPersons(t, e, 1)
	ctx := t.Context()
	s := session("c", t0.Add(30*time.Minute))
	must(t, e.CreateSession(ctx, s))
	got, err := e.SessionByTokenHash(ctx, s.TokenHash)
	must(t, err)
	if !got.ConfirmedAt.IsZero() {
		t.Fatalf("a new session is confirmed at %v", got.ConfirmedAt)
	}
	at := t0.Add(3 * time.Minute)
	must(t, e.ConfirmSession(ctx, s.TokenHash, at))
	got, err = e.SessionByTokenHash(ctx, s.TokenHash)
	must(t, err)
	if !got.ConfirmedAt.Equal(at) {
		t.Fatalf("ConfirmedAt = %v, want %v", got.ConfirmedAt, at)
	}
	wantErr(t, e.ConfirmSession(ctx, []byte("no such session"), at), store.ErrNotFound)
}

// testUpdatePhone: a phone number moves with its index and mask, never onto
// another person's number.
func testUpdatePhone(t *testing.T, open Opener) {
	e := open(t)
	seedPersons(t, e, 1, 2)
	ctx := t.Context()
	update := func(id string, sealed, index []byte, masked string) error {
		return e.Grants().InGrantTx(ctx, func(tx identity.GrantTx) error { return tx.UpdatePhone(ctx, id, sealed, index, masked) })
	}
	wantErr(t, update("P0001", []byte{1}, person(2).PhoneIndex, "139****0002"), store.ErrConflict)
	wantErr(t, update("nobody", []byte{1}, []byte("ph\x00new"), "139****9999"), store.ErrNotFound)
	must(t, update("P0001", []byte{0x00, 0x09}, []byte("ph\x00new"), "139****9999"))
	got, err := e.PersonByPhoneIndex(ctx, []byte("ph\x00new"))
	must(t, err)
	if got.ID != "P0001" || got.PhoneMasked != "139****9999" || !bytes.Equal(got.PhoneSealed, []byte{0x00, 0x09}) {
		t.Fatalf("after the change: %s %s %x", got.ID, got.PhoneMasked, got.PhoneSealed)
	}
	_, err = e.PersonByPhoneIndex(ctx, person(1).PhoneIndex)
	wantErr(t, err, store.ErrNotFound)
}
