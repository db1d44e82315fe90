package wechatpay

import (
	"fmt"
	"io"
	"sync"
	"time"
)

const (
	digits   = "0123456789"
	hexUpper = "0123456789ABCDEF"
	hexLower = "0123456789abcdef"
	alnum    = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

// randSource serialises reads from the injected random reader, which need not
// be safe for concurrent use (a seeded test reader usually is not).
type randSource struct {
	mu sync.Mutex
	r  io.Reader
}

// String returns n characters drawn uniformly from alphabet. Bytes that would
// bias the draw (the top of the byte range that does not divide evenly) are
// rejected and drawn again.
func (s *randSource) String(alphabet string, n int) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return randomString(s.r, alphabet, n)
}

func randomString(r io.Reader, alphabet string, n int) (string, error) {
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, n+8)
	for len(out) < n {
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", fmt.Errorf("wechatpay sandbox: read random: %w", err)
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out), nil
}

// ids builds the identifiers WeChat Pay hands out. Their shapes imitate the
// real ones (length, prefix, embedded date) so that code which stores or
// displays them meets realistic values; their content means nothing.
type ids struct {
	rnd *randSource
	loc *time.Location
}

// prepayID looks like "wx26112221580621e9b071c00d9e093b0000" (36 chars):
// "wx", day-hour-minute-second, then random digits and hex.
func (g ids) prepayID(now time.Time) (string, error) {
	d, err := g.rnd.String(digits, 6)
	if err != nil {
		return "", err
	}
	h, err := g.rnd.String(hexLower, 20)
	if err != nil {
		return "", err
	}
	return "wx" + now.In(g.loc).Format("02150405") + d + h, nil
}

// transactionID is the 28-digit 微信支付订单号, e.g. 4200001234202406011234567890.
func (g ids) transactionID(now time.Time) (string, error) {
	a, err := g.rnd.String(digits, 3)
	if err != nil {
		return "", err
	}
	b, err := g.rnd.String(digits, 10)
	if err != nil {
		return "", err
	}
	return "4200000" + a + now.In(g.loc).Format("20060102") + b, nil
}

// refundID is the 29-digit 微信支付退款单号, e.g. 50000000382019052709732678859.
func (g ids) refundID(now time.Time) (string, error) {
	a, err := g.rnd.String(digits, 5)
	if err != nil {
		return "", err
	}
	b, err := g.rnd.String(digits, 11)
	if err != nil {
		return "", err
	}
	return "50000" + a + now.In(g.loc).Format("20060102") + b, nil
}

// eventID is a UUID-shaped notification id ("874d9bc1-8f88-5280-95c9-1ae296d46709").
func (g ids) eventID() (string, error) {
	h, err := g.rnd.String(hexLower, 32)
	if err != nil {
		return "", err
	}
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}
