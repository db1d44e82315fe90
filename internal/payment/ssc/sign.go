package ssc

import (
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"
)

// Signature headers (doc.go, "Signatures").
const (
	HeaderMerchant  = "SSC-Merchant-Id"
	HeaderTimestamp = "SSC-Timestamp"
	HeaderNonce     = "SSC-Nonce"
	HeaderKeyID     = "SSC-Key-Id"
	HeaderSignature = "SSC-Signature"
)

// Domain tags: the first line of each kind of signing string.
const (
	tagRequest  = "SSCA1-REQUEST"
	tagResponse = "SSCA1-RESPONSE"
	tagNotify   = "SSCA1-NOTIFY"
)

// Window is how far a message's timestamp may be from the receiver's clock.
const Window = 5 * time.Minute

var (
	validNonce    = regexp.MustCompile(`^[0-9A-Za-z]{16,64}$`)
	validMerchant = regexp.MustCompile(`^[0-9A-Za-z]{4,32}$`)
)

// Reasons a signed message is refused. They are wrapped, so callers can
// tell a clock problem from a forgery in logs.
var (
	errSignature = errors.New("signature does not verify")
	errExpired   = errors.New("timestamp outside the 5-minute window")
	errReplayed  = errors.New("nonce already seen")
)

// signingString joins the tag and fields, each ended by "\n". The body goes
// last because it is the only part that may itself contain "\n".
func signingString(tag string, fields ...string) []byte {
	var b strings.Builder
	b.WriteString(tag)
	b.WriteByte('\n')
	for _, f := range fields {
		b.WriteString(f)
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// KeyID names an SM2 public key: the first 8 bytes of SM3 over its PKIX DER,
// as 16 uppercase hex digits.
func KeyID(pub *ecdsa.PublicKey) (string, error) {
	der, err := smx509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("ssc: key id: %w", err)
	}
	sum := sm3.Sum(der)
	return strings.ToUpper(hex.EncodeToString(sum[:8])), nil
}

// sign is SM2-with-SM3 under the default user id (GM/T 0009-2012), in DER,
// base64-encoded for a header.
func sign(random io.Reader, key *sm2.PrivateKey, msg []byte) (string, error) {
	sig, err := key.Sign(random, msg, sm2.DefaultSM2SignerOpts)
	if err != nil {
		return "", fmt.Errorf("ssc: sign: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// signed is the signature headers of one message.
type signed struct {
	merchant, timestamp, nonce, keyID, signature string
}

func readSigned(h http.Header) (signed, error) {
	s := signed{
		merchant: h.Get(HeaderMerchant), timestamp: h.Get(HeaderTimestamp), nonce: h.Get(HeaderNonce),
		keyID: h.Get(HeaderKeyID), signature: h.Get(HeaderSignature),
	}
	switch {
	case s.signature == "" || s.timestamp == "" || s.keyID == "":
		return s, fmt.Errorf("%w: signature headers missing", errSignature)
	case !validMerchant.MatchString(s.merchant):
		return s, fmt.Errorf("%w: malformed %s", errSignature, HeaderMerchant)
	case !validNonce.MatchString(s.nonce):
		return s, fmt.Errorf("%w: malformed %s", errSignature, HeaderNonce)
	}
	return s, nil
}

func (s signed) set(h http.Header) {
	h.Set(HeaderMerchant, s.merchant)
	h.Set(HeaderTimestamp, s.timestamp)
	h.Set(HeaderNonce, s.nonce)
	h.Set(HeaderKeyID, s.keyID)
	h.Set(HeaderSignature, s.signature)
}

// verifier checks the bank's messages: key id, window, signature, then
// nonce, in the order doc.go gives.
type verifier struct {
	pub    *ecdsa.PublicKey
	keyID  string
	now    func() time.Time
	nonces nonceCache
}

func (v *verifier) verify(s signed, msg []byte) error {
	if s.keyID != v.keyID {
		return fmt.Errorf("%w: key id %s is not the bank key %s", errSignature, s.keyID, v.keyID)
	}
	ts, err := strconv.ParseInt(s.timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: malformed timestamp", errSignature)
	}
	now := v.now()
	if d := now.Sub(time.Unix(ts, 0)); d > Window || d < -Window {
		return fmt.Errorf("%w: %s off", errExpired, d.Round(time.Second))
	}
	sig, err := base64.StdEncoding.DecodeString(s.signature)
	if err != nil || !sm2.VerifyASN1WithSM2(v.pub, nil, msg, sig) {
		return errSignature
	}
	if !v.nonces.add(s.nonce, now) {
		return errReplayed
	}
	return nil
}

// nonceCache remembers nonces for twice the window: long enough that any
// message whose timestamp still passes is caught if it comes again. It is
// per process; the payment service's notification ids are the durable
// defence against a duplicate event, this one against a replayed message.
type nonceCache struct {
	mu     sync.Mutex
	seen   map[string]time.Time
	pruned time.Time
}

// add records nonce and reports whether it was new.
func (c *nonceCache) add(nonce string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen = map[string]time.Time{}
	}
	if now.Sub(c.pruned) > Window {
		for n, at := range c.seen {
			if now.Sub(at) > 2*Window {
				delete(c.seen, n)
			}
		}
		c.pruned = now
	}
	if _, ok := c.seen[nonce]; ok {
		return false
	}
	c.seen[nonce] = now
	return true
}

// lockedReader serialises reads from an injected random source, which
// need not be safe for concurrent use.
type lockedReader struct {
	mu sync.Mutex
	r  io.Reader
}

func (l *lockedReader) Read(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Read(p)
}

// nonce is 32 hex digits from the random source.
func (l *lockedReader) nonce() (string, error) {
	b := make([]byte, 16)
	if _, err := io.ReadFull(l, b); err != nil {
		return "", fmt.Errorf("ssc: nonce: %w", err)
	}
	return strings.ToUpper(hex.EncodeToString(b)), nil
}
