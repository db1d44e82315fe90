package wxplatform

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"sync"
)

const (
	digits   = "0123456789"
	hexLower = "0123456789abcdef"
	alnum    = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	// urlSafe is the alphabet of openids, unionids, template ids and tokens
	// (base64url without padding).
	urlSafe = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
)

// randSource serialises reads from the injected random reader, which need not
// be safe for concurrent use (a seeded test reader usually is not).
type randSource struct {
	mu sync.Mutex
	r  io.Reader
}

// String returns n characters drawn uniformly from alphabet.
func (s *randSource) String(alphabet string, n int) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return randomString(s.r, alphabet, n)
}

// Bytes returns n random bytes.
func (s *randSource) Bytes(n int) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := make([]byte, n)
	if _, err := io.ReadFull(s.r, b); err != nil {
		return nil, fmt.Errorf("wxplatform sandbox: read random: %w", err)
	}
	return b, nil
}

// randomString draws n characters from alphabet, rejecting the bytes at the
// top of the range that would bias the draw.
func randomString(r io.Reader, alphabet string, n int) (string, error) {
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, n+8)
	for len(out) < n {
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", fmt.Errorf("wxplatform sandbox: read random: %w", err)
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out), nil
}

// openIDPrefix is the part every openid of one app shares. WeChat's openids
// for one app visibly start alike ("oz-Ls6…", "oz-Ls6…"); deriving the
// prefix from the appid copies that trait, so a test that mixes up two
// apps' openids sees the difference. It is an observation, not a documented
// format: nothing may parse it.
func openIDPrefix(appID string) string {
	sum := sha256.Sum256([]byte("openid-prefix:" + appID))
	return "o" + base64.RawURLEncoding.EncodeToString(sum[:])[:5]
}

// newOpenID returns a 28-character openid for appID, the length WeChat's have.
func (s *randSource) newOpenID(appID string) (string, error) {
	tail, err := s.String(urlSafe, 22)
	if err != nil {
		return "", err
	}
	return openIDPrefix(appID) + tail, nil
}

// newUnionID returns a 28-character unionid starting with "o", like
// "oHAUs6LSuwgHq-mlnFrffKXw3QYM" in WeChat's UnionID documents.
func (s *randSource) newUnionID() (string, error) {
	tail, err := s.String(urlSafe, 27)
	if err != nil {
		return "", err
	}
	return "o" + tail, nil
}

// newCode returns a 32-character authorization or login code shaped like
// WeChat's ("021wn10w3otnc23Qtt0w3QFXD62wn10D").
func (s *randSource) newCode() (string, error) {
	d, err := s.String(digits, 1)
	if err != nil {
		return "", err
	}
	tail, err := s.String(alnum, 30)
	if err != nil {
		return "", err
	}
	return "0" + d + tail, nil
}

// newToken returns an access or refresh token: a short number, "_", then
// base64url, the shape WeChat's take. WeChat asks callers to keep 512
// characters for them; these are shorter but not short.
func (s *randSource) newToken() (string, error) {
	n, err := s.String(digits, 2)
	if err != nil {
		return "", err
	}
	tail, err := s.String(urlSafe, 150)
	if err != nil {
		return "", err
	}
	return n + "_" + tail, nil
}

// newSessionKey is base64 of 16 random bytes, as WeChat's session_key is (it
// is the AES-128 key for wx.getUserProfile's encrypted data).
func (s *randSource) newSessionKey() (string, error) {
	b, err := s.Bytes(16)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// newMsgID returns a positive 63-bit message id. WeChat's msgid is a large
// number ("1988810812324364291"), beyond JavaScript's exact integers, so a
// client that reads it as a float loses digits here as it would there.
func (s *randSource) newMsgID() (int64, error) {
	b, err := s.Bytes(8)
	if err != nil {
		return 0, err
	}
	id := int64(binary.BigEndian.Uint64(b) >> 1)
	if id < 1<<60 { // keep the realistic 19-digit size
		id += 1 << 60
	}
	return id, nil
}
