package ssc

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
)

// TestSigningStringGolden pins the byte layout doc.go specifies; the
// sandbox has the same test for its own, independent implementation.
func TestSigningStringGolden(t *testing.T) {
	got := string(signingString(tagRequest, "POST", "/v1/debits", "SSC123456789012", "1700000000", "ABCDEF0123456789", `{"a":1}`))
	want := "SSCA1-REQUEST\nPOST\n/v1/debits\nSSC123456789012\n1700000000\nABCDEF0123456789\n{\"a\":1}\n"
	if got != want {
		t.Errorf("request signing string\n got %q\nwant %q", got, want)
	}
	got = string(signingString(tagResponse, "404", "SSC1", "1700000000", "N1", "N0", ""))
	if want := "SSCA1-RESPONSE\n404\nSSC1\n1700000000\nN1\nN0\n\n"; got != want {
		t.Errorf("empty-body response signing string %q, want %q", got, want)
	}
}

// TestSignatureIsStandardSM2 checks the signature is plain GB/T 32918.2 with
// the GM/T 0009 default user id, which any SM2 library verifies.
func TestSignatureIsStandardSM2(t *testing.T) {
	key, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("SSCA1-NOTIFY\nM\n1\nN\n{}\n")
	b64, err := sign(rand.Reader, key, msg)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	if !sm2.VerifyASN1WithSM2(&key.PublicKey, []byte("1234567812345678"), msg, sig) {
		t.Error("signature does not verify under the explicit default user id")
	}
	if sm2.VerifyASN1WithSM2(&key.PublicKey, []byte("another-user-id!"), msg, sig) {
		t.Error("signature verifies under another user id")
	}
}

func TestKeyID(t *testing.T) {
	a, _ := sm2.GenerateKey(rand.Reader)
	b, _ := sm2.GenerateKey(rand.Reader)
	ida, err := KeyID(&a.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	idb, _ := KeyID(&b.PublicKey)
	again, _ := KeyID(&a.PublicKey)
	if !regexp.MustCompile(`^[0-9A-F]{16}$`).MatchString(ida) || ida == idb || ida != again {
		t.Errorf("key ids %s %s %s", ida, idb, again)
	}
}

// TestVerifierOrder checks the order doc.go gives: a stale message is
// refused as stale, and a forged one does not burn its nonce.
func TestVerifierOrder(t *testing.T) {
	key, _ := sm2.GenerateKey(rand.Reader)
	id, _ := KeyID(&key.PublicKey)
	now := time.Unix(1_700_000_000, 0)
	v := &verifier{pub: &key.PublicKey, keyID: id, now: func() time.Time { return now }}
	msgAt := func(ts int64, nonce string) (signed, []byte) {
		s := signed{merchant: "SSC1", timestamp: strconv.FormatInt(ts, 10), nonce: nonce, keyID: id}
		m := signingString(tagNotify, s.merchant, s.timestamp, s.nonce, "{}")
		s.signature, _ = sign(rand.Reader, key, m)
		return s, m
	}
	s, m := msgAt(now.Unix()-301, "NONCE0000000000001")
	if err := v.verify(s, m); !errors.Is(err, errExpired) {
		t.Errorf("stale: %v", err)
	}
	s, m = msgAt(now.Unix()+300, "NONCE0000000000002")
	if err := v.verify(s, m); err != nil {
		t.Errorf("at the edge of the window: %v", err)
	}
	s, m = msgAt(now.Unix(), "NONCE0000000000003")
	forged := s
	forged.signature = s.signature[:len(s.signature)-4] + "AAA="
	if err := v.verify(forged, m); !errors.Is(err, errSignature) {
		t.Errorf("forged: %v", err)
	}
	if err := v.verify(s, m); err != nil {
		t.Errorf("genuine after a forgery with its nonce: %v", err)
	}
	if err := v.verify(s, m); !errors.Is(err, errReplayed) {
		t.Errorf("replayed: %v", err)
	}
	s.keyID = "0000000000000000"
	if err := v.verify(s, m); !errors.Is(err, errSignature) {
		t.Errorf("other key id: %v", err)
	}
}

func TestNonceCachePrunes(t *testing.T) {
	var c nonceCache
	t0 := time.Unix(1_700_000_000, 0)
	if !c.add("A", t0) || c.add("A", t0.Add(9*time.Minute)) {
		t.Fatal("a nonce must be refused again within twice the window")
	}
	c.add("B", t0.Add(15*time.Minute)) // more than a window since the last prune: prunes
	if len(c.seen) != 1 {
		t.Errorf("after pruning %d nonces remain, want 1", len(c.seen))
	}
}
