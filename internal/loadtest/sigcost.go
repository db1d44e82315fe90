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
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return 0
	}
	sk, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		return 0
	}
	digest := sha256.Sum256([]byte("shebao signature cost"))
	sig, _ := rsa.SignPKCS1v15(rand.Reader, rk, crypto.SHA256, digest[:])
	msg := []byte("voucher payload of about this length, signed three times per order")
	var orders atomic.Int64
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
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
		}()
	}
	wg.Wait()
	return float64(orders.Load()) / d.Seconds()
}
