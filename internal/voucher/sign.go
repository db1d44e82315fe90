package voucher

import (
	"crypto/ecdsa"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"
)

// Signer signs vouchers with one SM2 key. Signatures are standard SM2 (GB/T
// 32918.2-2016) over SM3, with Z_A computed from the default user ID
// "1234567812345678" (GM/T 0009-2012 §10), in ASN.1 DER (GM/T 0009 §7.2):
// any SM2 library verifies them with the public key alone.
type Signer struct {
	key    *sm2.PrivateKey
	keyID  string
	pubPEM []byte
	err    error // from NewSigner, reported by Sign
}

// NewSigner makes a Signer for key. A key whose public half cannot be
// marshalled makes a Signer whose Sign always fails, so wiring code stays
// simple and no voucher is ever signed with it.
func NewSigner(key *sm2.PrivateKey) *Signer {
	s := &Signer{key: key}
	if key == nil {
		s.err = errors.New("voucher: nil signing key")
		return s
	}
	der, err := smx509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		s.err = fmt.Errorf("voucher: marshal public key: %w", err)
		return s
	}
	s.keyID = keyIDFromDER(der)
	s.pubPEM = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	return s
}

// Sign signs v.Payload and sets v.Signature and v.KeyID. It refuses a payload
// that does not decode or that disagrees with v's envelope, so nothing but a
// Build result is ever signed. random should be crypto/rand.Reader outside
// tests.
func (s *Signer) Sign(random io.Reader, v *Voucher) error {
	if s.err != nil {
		return s.err
	}
	d, err := Decode(v.Payload)
	if err != nil {
		return fmt.Errorf("voucher: refuse to sign %s: %w", v.ID, err)
	}
	if err := matchEnvelope(d, v); err != nil {
		return fmt.Errorf("voucher: refuse to sign %s: %w", v.ID, err)
	}
	sig, err := s.key.Sign(random, v.Payload, sm2.NewSM2SignerOption(true, nil))
	if err != nil {
		return fmt.Errorf("voucher: sign %s: %w", v.ID, err)
	}
	v.Signature, v.KeyID = sig, s.keyID
	return nil
}

// KeyID identifies the signing key, see KeyID.
func (s *Signer) KeyID() string { return s.keyID }

// Public is the verification key.
func (s *Signer) Public() *ecdsa.PublicKey {
	if s.key == nil {
		return nil
	}
	return &s.key.PublicKey
}

// PublicKeyPEM is the verification key as a PEM "PUBLIC KEY" block
// (SubjectPublicKeyInfo with the SM2 curve OID 1.2.156.10197.1.301), the form
// the agency publishes so that anyone can verify vouchers offline.
func (s *Signer) PublicKeyPEM() []byte { return s.pubPEM }

// KeyID names a public key: the hex of the first 8 bytes of SM3 over its
// SubjectPublicKeyInfo DER. Vouchers carry it so that, after a key rotation,
// a verifier picks the right key and reports a missing one as unknown rather
// than as a forgery.
func KeyID(pub *ecdsa.PublicKey) (string, error) {
	der, err := smx509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("voucher: marshal public key: %w", err)
	}
	return keyIDFromDER(der), nil
}

func keyIDFromDER(der []byte) string {
	sum := sm3.Sum(der)
	return hex.EncodeToString(sum[:8])
}

// ParsePublicKeyPEM reads a key published by PublicKeyPEM.
func ParsePublicKeyPEM(data []byte) (*ecdsa.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PUBLIC KEY" {
		return nil, errors.New("voucher: no PEM PUBLIC KEY block")
	}
	key, err := smx509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("voucher: parse public key: %w", err)
	}
	pub, ok := key.(*ecdsa.PublicKey)
	if !ok || !sm2.IsSM2PublicKey(pub) {
		return nil, fmt.Errorf("voucher: public key is %T, not SM2", key)
	}
	return pub, nil
}

// matchEnvelope checks that the stored copies of kind, code and order id
// agree with the signed payload; empty copies (a voucher rebuilt from a QR
// code) are not compared.
func matchEnvelope(d *Document, v *Voucher) error {
	switch {
	case v.Kind != "" && v.Kind != d.Kind:
		return fmt.Errorf("kind %q, payload says %q", v.Kind, d.Kind)
	case v.Code != "" && v.Code != d.Code:
		return fmt.Errorf("code %q, payload says %q", v.Code, d.Code)
	case v.OrderID != "" && v.OrderID != d.OrderID:
		return fmt.Errorf("order %q, payload says %q", v.OrderID, d.OrderID)
	}
	return nil
}
