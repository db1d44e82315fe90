package ssc

import (
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/hex"
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

// This file is the bank's half of the SSCA/1 signature scheme, written from
// the brief in internal/payment/ssc/doc.go rather than shared with the
// adapter, so that the two halves check each other.

const (
	hMerchant  = "SSC-Merchant-Id"
	hTimestamp = "SSC-Timestamp"
	hNonce     = "SSC-Nonce"
	hKeyID     = "SSC-Key-Id"
	hSignature = "SSC-Signature"
)

// window is the five minutes a timestamp may be off; nonces are remembered
// for twice that, which covers every timestamp the window still accepts.
const window = 5 * time.Minute

var validNonce = regexp.MustCompile(`^[0-9A-Za-z]{16,64}$`)

// signingString is the tag, then each field, each ended by "\n"; the body,
// the only part that may contain "\n", is the last field.
func signingString(tag string, fields ...string) []byte {
	return []byte(tag + "\n" + strings.Join(fields, "\n") + "\n")
}

// keyID is the first 8 bytes of SM3 over the PKIX DER, in uppercase hex.
func keyID(pub *ecdsa.PublicKey) (string, error) {
	der, err := smx509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("ssc sandbox: key id: %w", err)
	}
	sum := sm3.Sum(der)
	return strings.ToUpper(hex.EncodeToString(sum[:8])), nil
}

// canonicalPath is the request target as the client sent it, minus the
// mount prefix: the protocol signs paths relative to the base URL.
func (s *Server) canonicalPath(r *http.Request) string {
	raw := r.RequestURI
	if raw == "" {
		raw = r.URL.RequestURI()
	}
	return strings.TrimPrefix(raw, s.prefix)
}

// verifyRequest checks the agency's signature in the brief's order:
// merchant, key id, window, signature, then the nonce, which is recorded
// only once the signature holds (so nobody can burn another's nonce).
func (s *Server) verifyRequest(r *http.Request, body []byte) *apiError {
	h := r.Header
	merchant, ts, nonce := h.Get(hMerchant), h.Get(hTimestamp), h.Get(hNonce)
	switch {
	case merchant != s.creds.MerchantID:
		return signError("SIGN_ERROR", "商户号不存在或与签名不匹配")
	case h.Get(hKeyID) != s.merchantKeyID:
		return signError("SIGN_ERROR", "签名密钥编号与登记的商户公钥不符")
	case !validNonce.MatchString(nonce):
		return signError("SIGN_ERROR", "随机串须为16至64位字母或数字")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return signError("SIGN_ERROR", "时间戳格式错误")
	}
	now := s.now()
	if d := now.Sub(time.Unix(sec, 0)); d > window || d < -window {
		return signError("SIGN_EXPIRED", "请求时间戳与银行时间相差超过5分钟")
	}
	msg := signingString("SSCA1-REQUEST", r.Method, s.canonicalPath(r), merchant, ts, nonce, string(body))
	sig, err := base64.StdEncoding.DecodeString(h.Get(hSignature))
	if err != nil || !sm2.VerifyASN1WithSM2(&s.creds.MerchantKey.PublicKey, nil, msg, sig) {
		return signError("SIGN_ERROR", "签名验证失败")
	}
	if !s.recordNonce(nonce, now) {
		return signError("NONCE_REPLAYED", "随机串已使用过，请求被视为重放")
	}
	return nil
}

func signError(code, message string) *apiError {
	return &apiError{Status: http.StatusUnauthorized, Code: code, Message: message}
}

func (s *Server) recordNonce(nonce string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.pruned) > window {
		for n, at := range s.nonces {
			if now.Sub(at) > 2*window {
				delete(s.nonces, n)
			}
		}
		s.pruned = now
	}
	if _, seen := s.nonces[nonce]; seen {
		return false
	}
	s.nonces[nonce] = now
	return true
}

// signResponse signs an answer to the request whose nonce is given; the
// status is signed too, so an error cannot pass for a success.
func (s *Server) signResponse(h http.Header, status int, requestNonce string, body []byte) error {
	return s.signInto(h, func(ts, nonce string) []byte {
		return signingString("SSCA1-RESPONSE", strconv.Itoa(status), s.creds.MerchantID, ts, nonce, requestNonce, string(body))
	})
}

func (s *Server) signNotification(h http.Header, body []byte) error {
	return s.signInto(h, func(ts, nonce string) []byte {
		return signingString("SSCA1-NOTIFY", s.creds.MerchantID, ts, nonce, string(body))
	})
}

// signInto signs with the bank key under a fresh timestamp and nonce each
// time, so a retried notification is never stale.
func (s *Server) signInto(h http.Header, message func(ts, nonce string) []byte) error {
	ts := strconv.FormatInt(s.now().Unix(), 10)
	nonce, err := s.rnd.String(alnum, 32)
	if err != nil {
		return err
	}
	sig, err := s.creds.BankKey.Sign(s.rnd, message(ts, nonce), sm2.DefaultSM2SignerOpts)
	if err != nil {
		return fmt.Errorf("ssc sandbox: sign: %w", err)
	}
	h.Set(hMerchant, s.creds.MerchantID)
	h.Set(hTimestamp, ts)
	h.Set(hNonce, nonce)
	h.Set(hKeyID, s.bankKeyID)
	h.Set(hSignature, base64.StdEncoding.EncodeToString(sig))
	return nil
}

const (
	digits = "0123456789"
	alnum  = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

// randSource serialises reads from the injected random reader, which need
// not be safe for concurrent use (a seeded test reader usually is not).
type randSource struct {
	mu sync.Mutex
	r  io.Reader
}

func (s *randSource) Read(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.r.Read(p)
}

// String returns n characters drawn uniformly from alphabet, rejecting the
// bytes that would bias the draw.
func (s *randSource) String(alphabet string, n int) (string, error) {
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, n+8)
	for len(out) < n {
		if _, err := io.ReadFull(s, buf); err != nil {
			return "", fmt.Errorf("ssc sandbox: read random: %w", err)
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out), nil
}
