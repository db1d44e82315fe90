// Package pii protects personal data (ID numbers, phone numbers, names): it
// seals values for storage with SM4-GCM, derives blind indexes (HMAC-SM3) so
// rows can be found by an exact value without storing it, and masks values
// for pages and logs.
//
// The Personal Information Protection Law and the national standard GB/T
// 35273 ask that identifiers be stored de-identified; using SM4/SM3 keeps the
// platform within the commercial-cryptography rules an agency is audited on.
package pii

import (
	"crypto/cipher"
	"crypto/hmac"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/sm4"
)

// KeySize is the length of the master key file: 16 bytes for SM4 sealing and
// 32 bytes for the HMAC-SM3 index key, kept apart so that knowing one index
// value reveals nothing about the sealing key.
const KeySize = 16 + 32

// Field names a kind of personal data. Indexes are domain-separated by field
// so the same digits as a phone and as an ID number give different indexes.
type Field string

// The personal-data fields shebao stores.
const (
	FieldIDNumber Field = "id_number"
	FieldPhone    Field = "phone"
	FieldName     Field = "name"
)

// Sealer seals and opens personal data under a keyring (keyring.go): new
// values are sealed and indexed with the current key, and a sealed value
// names the key that sealed it, so values sealed before a rotation still
// open. It is safe for concurrent use.
type Sealer struct {
	random io.Reader
	dir    string // the keys directory a loaded keyring re-reads; "" for a fixed key
	ring   atomic.Pointer[ring]
	mu     sync.Mutex  // serialises reloads
	seen   os.FileInfo // the manifest as last loaded; nil when there was none
}

// NewSealer builds a Sealer from one KeySize-byte master key, as key 1 and
// never reloaded: for tests and tools that hold a key in memory. Servers use
// LoadKeyring. random supplies nonces (crypto/rand.Reader in production).
func NewSealer(master []byte, random io.Reader) (*Sealer, error) {
	k, err := newKey(1, master, time.Time{}, random)
	if err != nil {
		return nil, err
	}
	s := &Sealer{random: random}
	s.ring.Store(&ring{keys: map[byte]*Key{1: k}, current: k})
	return s, nil
}

// Key is one generation of the master key: an SM4 sealing key and an
// HMAC-SM3 index key, used together so that a row's blind indexes always
// belong to the key that sealed it.
type Key struct {
	id       byte
	created  time.Time
	aead     cipher.AEAD
	indexKey []byte
	random   io.Reader
}

func newKey(id byte, master []byte, created time.Time, random io.Reader) (*Key, error) {
	if len(master) != KeySize {
		return nil, fmt.Errorf("pii: master key must be %d bytes, got %d", KeySize, len(master))
	}
	block, err := sm4.NewCipher(master[:16])
	if err != nil {
		return nil, fmt.Errorf("pii: sm4 key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("pii: gcm: %w", err)
	}
	return &Key{id: id, created: created, aead: aead, indexKey: append([]byte(nil), master[16:]...), random: random}, nil
}

// ID is the key's number, the first byte of every value it seals. Values
// sealed before keyrings existed start with 1, which is why the first key
// is key 1.
func (k *Key) ID() int { return int(k.id) }

// Seal encrypts value; field is bound as associated data, so a sealed phone
// cannot be swapped into the ID-number column unnoticed.
func (k *Key) Seal(field Field, value string) ([]byte, error) {
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := io.ReadFull(k.random, nonce); err != nil {
		return nil, fmt.Errorf("pii: nonce: %w", err)
	}
	out := append([]byte{k.id}, nonce...)
	return k.aead.Seal(out, nonce, []byte(value), []byte(field)), nil
}

func (k *Key) open(field Field, sealed []byte) (string, error) {
	n := k.aead.NonceSize()
	if len(sealed) < 1+n+k.aead.Overhead() {
		return "", ErrUnsealable
	}
	plain, err := k.aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte(field))
	if err != nil {
		return "", ErrUnsealable
	}
	return string(plain), nil
}

// Index returns the blind index of value for field: HMAC-SM3 under the index
// key. Equal inputs give equal indexes, which is what a UNIQUE column and an
// exact lookup need, while the column alone reveals nothing.
func (k *Key) Index(field Field, value string) []byte {
	m := hmac.New(sm3.New, k.indexKey)
	m.Write([]byte(field))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return m.Sum(nil)
}

// Current is the key new values are sealed with. Code that writes a sealed
// value together with its blind index takes the key once, so a keyring
// reload between the two calls cannot pair a key-2 seal with a key-1 index.
func (s *Sealer) Current() *Key {
	_ = s.refresh() // on a failed re-read the ring already loaded stays in use
	return s.ring.Load().current
}

// Seal encrypts value under the current key (see Key.Seal).
func (s *Sealer) Seal(field Field, value string) ([]byte, error) {
	if err := s.refresh(); err != nil {
		return nil, err
	}
	return s.ring.Load().current.Seal(field, value)
}

// ErrUnsealable reports a sealed value that cannot be opened: a wrong key,
// a tampered column or a value moved between fields. Callers fail closed.
var ErrUnsealable = errors.New("pii: sealed value cannot be opened")

// UnknownKeyError is a value sealed with a key this process does not have,
// even after re-reading the keyring: the key files of a rotation were not
// copied here, or a key was retired while values still used it.
type UnknownKeyError struct{ ID int }

func (e *UnknownKeyError) Error() string {
	return fmt.Sprintf("pii: value sealed with key %d, which is not in this keyring (keys/%s): "+
		"copy keys/%s and keys/%s from where `shebao keys rotate` ran, or restore them from a backup",
		e.ID, manifestFile, keyFile(e.ID), manifestFile)
}

// Is makes an unknown key an ErrUnsealable, so callers that fail closed on
// one fail closed on the other.
func (e *UnknownKeyError) Is(target error) bool { return target == ErrUnsealable }

// Open decrypts a value sealed by Seal for the same field, with the key its
// first byte names. A key this process has not loaded yet (another process
// rotated) makes it re-read the keyring once before failing closed.
func (s *Sealer) Open(field Field, sealed []byte) (string, error) {
	if len(sealed) == 0 {
		return "", ErrUnsealable
	}
	k, ok := s.ring.Load().keys[sealed[0]]
	if !ok {
		if err := s.reload(); err != nil {
			return "", err
		}
		if k, ok = s.ring.Load().keys[sealed[0]]; !ok {
			return "", &UnknownKeyError{ID: int(sealed[0])}
		}
	}
	return k.open(field, sealed)
}

// KeyID returns the id of the key that sealed a value, or 0 for an empty one.
func KeyID(sealed []byte) int {
	if len(sealed) == 0 {
		return 0
	}
	return int(sealed[0])
}

// Index returns the blind index of value for field under the current key,
// the index a new row is written with.
func (s *Sealer) Index(field Field, value string) []byte {
	return s.Current().Index(field, value)
}

// Indexes returns the blind indexes of value under every key in the ring,
// the current key's first. A lookup tries them all: until a rotation's
// reseal pass has reached a row, its indexes are still the old key's.
func (s *Sealer) Indexes(field Field, value string) [][]byte {
	s.refresh()
	r := s.ring.Load()
	out := [][]byte{r.current.Index(field, value)}
	for _, id := range r.ids() {
		if id != r.current.id {
			out = append(out, r.keys[id].Index(field, value))
		}
	}
	return out
}

// MAC returns HMAC-SM3 of parts under a key derived for purpose, for secrets
// such as SMS codes and CSRF tokens that must be compared but never stored.
//
// MACs use the current key only; a MAC made under the previous key is not
// accepted after a server loads a new one. Everything MACed is short-lived
// (SMS and consent codes: minutes; WeChat bind tickets: their TTL), so a
// rotation costs at most a "request a new code" for someone mid-sign-in,
// while accepting the old key would keep a key being rotated out - perhaps
// because it leaked - good for forging bind tickets until it is retired.
func (s *Sealer) MAC(purpose string, parts ...string) []byte {
	m := hmac.New(sm3.New, s.Current().indexKey)
	m.Write([]byte("mac:" + purpose))
	for _, p := range parts {
		m.Write([]byte{0})
		m.Write([]byte(p))
	}
	return m.Sum(nil)
}
