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

// Sealer seals and opens personal data. It holds no mutable state and is safe
// for concurrent use.
type Sealer struct {
	aead     cipher.AEAD
	indexKey []byte
	random   io.Reader
}

// NewSealer builds a Sealer from a KeySize-byte master key. random supplies
// nonces (crypto/rand.Reader in production).
func NewSealer(master []byte, random io.Reader) (*Sealer, error) {
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
	return &Sealer{aead: aead, indexKey: append([]byte(nil), master[16:]...), random: random}, nil
}

// sealVersion prefixes every sealed value so that a key rotation can tell old
// ciphertexts from new ones.
const sealVersion = 1

// Seal encrypts value; field is bound as associated data, so a sealed phone
// cannot be swapped into the ID-number column unnoticed.
func (s *Sealer) Seal(field Field, value string) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := io.ReadFull(s.random, nonce); err != nil {
		return nil, fmt.Errorf("pii: nonce: %w", err)
	}
	out := append([]byte{sealVersion}, nonce...)
	return s.aead.Seal(out, nonce, []byte(value), []byte(field)), nil
}

// ErrUnsealable reports a sealed value that cannot be opened: a wrong key,
// a tampered column or a value moved between fields. Callers fail closed.
var ErrUnsealable = errors.New("pii: sealed value cannot be opened")

// Open decrypts a value sealed by Seal for the same field.
func (s *Sealer) Open(field Field, sealed []byte) (string, error) {
	n := s.aead.NonceSize()
	if len(sealed) < 1+n+s.aead.Overhead() || sealed[0] != sealVersion {
		return "", ErrUnsealable
	}
	plain, err := s.aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte(field))
	if err != nil {
		return "", ErrUnsealable
	}
	return string(plain), nil
}

// Index returns the blind index of value for field: HMAC-SM3 under the index
// key. Equal inputs give equal indexes, which is what a UNIQUE column and an
// exact lookup need, while the column alone reveals nothing.
func (s *Sealer) Index(field Field, value string) []byte {
	m := hmac.New(sm3.New, s.indexKey)
	m.Write([]byte(field))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return m.Sum(nil)
}

// MAC returns HMAC-SM3 of parts under a key derived for purpose, for secrets
// such as SMS codes and CSRF tokens that must be compared but never stored.
func (s *Sealer) MAC(purpose string, parts ...string) []byte {
	m := hmac.New(sm3.New, s.indexKey)
	m.Write([]byte("mac:" + purpose))
	for _, p := range parts {
		m.Write([]byte{0})
		m.Write([]byte(p))
	}
	return m.Sum(nil)
}
