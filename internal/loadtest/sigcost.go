package loadtest

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emmansun/gmsm/sm2"
)

// Per order, the WeChat Pay v3 flow and the vouchers cost these signatures
// (../shared/docs/wechatpay-v3.md): the merchant signs the prepay request,
// the sandbox verifies it, signs its answer, the SDK verifies that; the
// merchant signs the wx.requestPayment parameters; the sandbox signs the
// notification and we verify it; the agency signs three vouchers with SM2.
const (
	rsaSignsPerOrder    = 4
	rsaVerifiesPerOrder = 3
	sm2SignsPerOrder    = 3
)

// SignatureLimit measures, on all cores for about d, how many orders per
// second the signatures alone would allow: the ceiling no implementation of
// this protocol can pass on this machine.
func SignatureLimit(ctx context.Context, d time.Duration) float64 {
	n, elapsed := signatures(ctx, d)
	if elapsed <= 0 {
		return 0
	}
	return float64(n) / elapsed.Seconds()
}

// signatures signs and verifies as one order does, on every core, for about
// d; it returns how many orders' worth it did and how long that took.
func signatures(ctx context.Context, d time.Duration) (int64, time.Duration) {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return 0, 0
	}
	sk, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		return 0, 0
	}
	digest := sha256.Sum256([]byte("shebao signature cost"))
	sig, _ := rsa.SignPKCS1v15(rand.Reader, rk, crypto.SHA256, digest[:])
	msg := []byte("voucher payload of about this length, signed three times per order")
	var orders atomic.Int64
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				for range rsaSignsPerOrder {
					_, _ = rsa.SignPKCS1v15(rand.Reader, rk, crypto.SHA256, digest[:])
				}
				for range rsaVerifiesPerOrder {
					_ = rsa.VerifyPKCS1v15(&rk.PublicKey, crypto.SHA256, digest[:], sig)
				}
				for range sm2SignsPerOrder {
					_, _ = sk.Sign(rand.Reader, msg, sm2.DefaultSM2SignerOpts)
				}
				orders.Add(1)
			}
		})
	}
	wg.Wait()
	// The last order of each goroutine may end after the deadline: divide by
	// the time actually taken, not by d.
	return orders.Load(), time.Since(start)
}

// sigMeter samples the signature limit and, given the process's CPU clock,
// adds up the CPU time and the orders' worth of signatures of its samples.
type sigMeter struct {
	cpu    func() time.Duration // nil: not measured
	orders int64
	spent  time.Duration
}

// sample returns the orders per second that the signatures alone allow, as
// measured for about d.
func (m *sigMeter) sample(ctx context.Context, d time.Duration) float64 {
	var c0 time.Duration
	if m.cpu != nil {
		c0 = m.cpu()
	}
	n, elapsed := signatures(ctx, d)
	if m.cpu != nil {
		m.spent += m.cpu() - c0
	}
	m.orders += n
	if elapsed <= 0 {
		return 0
	}
	return float64(n) / elapsed.Seconds()
}
