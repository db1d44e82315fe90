package evidence

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
	"golang.org/x/mod/sumdb/note"
)

// Checkpoint is the body of a checkpoint note, c2sp.org/tlog-checkpoint:
// the origin line, the tree size in decimal without leading zeros, and the
// RFC 6962 root hash in standard base64 (RFC 4648 §4), each ending in a
// newline. We write no extension lines (the spec calls them NOT RECOMMENDED,
// as monitors cannot audit them) and refuse notes that have any.
type Checkpoint struct {
	Origin string
	Size   uint64
	Root   []byte
}

// Text is the note text of c.
func (c Checkpoint) Text() string {
	return c.Origin + "\n" + strconv.FormatUint(c.Size, 10) + "\n" + base64.StdEncoding.EncodeToString(c.Root) + "\n"
}

// ParseCheckpoint reads a checkpoint note's text (as note.Open returns it).
func ParseCheckpoint(text string) (Checkpoint, error) {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if !strings.HasSuffix(text, "\n") || len(lines) != 3 {
		return Checkpoint{}, errors.New("evidence: checkpoint is not exactly three lines")
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil || strconv.FormatUint(size, 10) != lines[1] {
		return Checkpoint{}, fmt.Errorf("evidence: checkpoint size %q is not a decimal without leading zeros", lines[1])
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != sha256.Size {
		return Checkpoint{}, fmt.Errorf("evidence: checkpoint root %q is not a base64 SHA-256 hash", lines[2])
	}
	if lines[0] == "" {
		return Checkpoint{}, errors.New("evidence: checkpoint origin is empty")
	}
	return Checkpoint{Origin: lines[0], Size: size, Root: root}, nil
}

// SM2 co-signatures. A checkpoint is signed twice: by the log's Ed25519
// note key, which every c2sp.org/signed-note verifier understands, and by
// the agency's SM2 voucher key, so that the same key vouches for the
// vouchers and for the log that lists them, as Chinese commercial
// cryptography rules expect. The SM2 line is an ordinary note signature line
// under its own key name (origin + "/sm2"):
//
//	— <origin>/sm2 base64(key ID || SM2 signature)
//
// The signature is SM2 (GB/T 32918.2) with SM3 and the default user ID over
// the note text, ASN.1 DER encoded, exactly as vouchers are signed. signed-note
// assigns no type byte to SM2, so the key ID uses the escape 0xff followed by
// a long identifier, as that spec recommends:
//
//	key ID = SHA-256(name || 0x0A || 0xff || "shebao.sm2-sm3.v1" || SPKI DER)[:4]
//
// Standard verifiers (note.Open with only the Ed25519 key, tessera, witness
// software) ignore the SM2 line, since signed-note requires verifiers to
// ignore signatures from unknown keys; checking it needs our own tool
// (NewSM2Verifier, `shebao log verify`).
const sm2SigType = "\xffshebao.sm2-sm3.v1"

// SM2KeyName is the key name of a log's SM2 co-signature.
func SM2KeyName(origin string) string { return origin + "/sm2" }

func sm2KeyHash(name string, pub *ecdsa.PublicKey) (uint32, error) {
	der, err := smx509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return 0, fmt.Errorf("evidence: SM2 public key: %w", err)
	}
	h := sha256.New()
	h.Write([]byte(name + "\n" + sm2SigType))
	h.Write(der)
	return binary.BigEndian.Uint32(h.Sum(nil)), nil
}

type sm2Signer struct {
	name   string
	hash   uint32
	key    *sm2.PrivateKey
	random io.Reader
}

// NewSM2Signer makes a note.Signer that co-signs with the agency's SM2 key;
// random should be crypto/rand.Reader outside tests.
func NewSM2Signer(origin string, key *sm2.PrivateKey, random io.Reader) (note.Signer, error) {
	if key == nil {
		return nil, errors.New("evidence: no SM2 key")
	}
	name := SM2KeyName(origin)
	hash, err := sm2KeyHash(name, &key.PublicKey)
	if err != nil {
		return nil, err
	}
	return &sm2Signer{name: name, hash: hash, key: key, random: random}, nil
}

func (s *sm2Signer) Name() string    { return s.name }
func (s *sm2Signer) KeyHash() uint32 { return s.hash }
func (s *sm2Signer) Sign(msg []byte) ([]byte, error) {
	return s.key.Sign(s.random, msg, sm2.NewSM2SignerOption(true, nil))
}

type sm2Verifier struct {
	name string
	hash uint32
	pub  *ecdsa.PublicKey
}

// NewSM2Verifier makes the note.Verifier for a log's SM2 co-signature.
func NewSM2Verifier(origin string, pub *ecdsa.PublicKey) (note.Verifier, error) {
	if pub == nil || !sm2.IsSM2PublicKey(pub) {
		return nil, errors.New("evidence: not an SM2 public key")
	}
	name := SM2KeyName(origin)
	hash, err := sm2KeyHash(name, pub)
	if err != nil {
		return nil, err
	}
	return &sm2Verifier{name: name, hash: hash, pub: pub}, nil
}

func (v *sm2Verifier) Name() string    { return v.name }
func (v *sm2Verifier) KeyHash() uint32 { return v.hash }
func (v *sm2Verifier) Verify(msg, sig []byte) bool {
	return sm2.VerifyASN1WithSM2(v.pub, nil, msg, sig)
}
