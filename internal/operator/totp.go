package operator

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/url"
	"time"
)

// TOTP is a time-based one-time password generator (RFC 6238) over HOTP
// (RFC 4226) with HMAC-SHA-1, the variant every authenticator app supports.
type TOTP struct {
	Secret []byte
	Digits int           // 6 for operators; the RFC's test vectors use 8
	Period time.Duration // the time step X, 30 s by default (RFC 6238 §4.1)
}

// Step is the time step counter T = floor((unix time − T0) / X), T0 = 0.
func (t TOTP) Step(at time.Time) int64 { return at.Unix() / int64(t.Period/time.Second) }

// At returns the code for the time step containing at.
func (t TOTP) At(at time.Time) string { return t.code(uint64(t.Step(at))) }

// code is HOTP(K, C) = Truncate(HMAC-SHA-1(K, C)) mod 10^Digits (RFC 4226 §5.3).
func (t TOTP) code(counter uint64) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	m := hmac.New(sha1.New, t.Secret)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f // dynamic truncation
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range t.Digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", t.Digits, bin%mod)
}

// Verify checks code against the steps from skew before to skew after the
// one containing now (RFC 6238 §5.2 recommends one step of network delay)
// and returns the matching step, which the caller must not accept twice.
func (t TOTP) Verify(code string, now time.Time, skew int64) (int64, bool) {
	if len(code) != t.Digits {
		return 0, false
	}
	step := t.Step(now)
	found, match := int64(0), 0
	for s := step - skew; s <= step+skew; s++ {
		if subtle.ConstantTimeCompare([]byte(t.code(uint64(s))), []byte(code)) == 1 && match == 0 {
			found, match = s, 1
		}
	}
	return found, match == 1
}

// secretEncoding is RFC 4648 base32 without padding, as otpauth URIs carry it.
var secretEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// idEncoding is base32 without look-alikes (no I, O, 0, 1), as payment ids.
var idEncoding = base32.NewEncoding("ABCDEFGHJKLMNPQRSTUVWXYZ23456789").WithPadding(base32.NoPadding)

// URI is the otpauth:// URI authenticator apps import (Google
// Authenticator's Key Uri Format), usually as a QR code.
func (t TOTP) URI(issuer, account string) string {
	v := url.Values{}
	v.Set("secret", secretEncoding.EncodeToString(t.Secret))
	v.Set("issuer", issuer)
	v.Set("algorithm", "SHA1")
	v.Set("digits", fmt.Sprint(t.Digits))
	v.Set("period", fmt.Sprint(int(t.Period/time.Second)))
	label := url.PathEscape(issuer + ":" + account)
	return "otpauth://totp/" + label + "?" + v.Encode()
}

// operatorTOTP is the TOTP of an operator's secret: 6 digits, 30 seconds.
func operatorTOTP(secret []byte) TOTP {
	return TOTP{Secret: secret, Digits: 6, Period: 30 * time.Second}
}
