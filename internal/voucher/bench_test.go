package voucher

import (
	"crypto/rand"
	"testing"

	"github.com/emmansun/gmsm/sm2"
)

// BenchmarkBuildAndSign is one voucher's cost when an order is credited:
// the canonical encoding and an SM2 signature.
func BenchmarkBuildAndSign(b *testing.B) {
	key, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	s := NewSigner(key)
	b.ReportAllocs()
	for b.Loop() {
		v, err := Build(FiscalReceipt, testFacts(), testNumbers, "vch_bench", testCode, testNow)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Sign(rand.Reader, v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify is what a scan of a voucher's QR code costs the server.
func BenchmarkVerify(b *testing.B) {
	key, _ := sm2.GenerateKey(rand.Reader)
	s := NewSigner(key)
	v, _ := Build(FiscalReceipt, testFacts(), testNumbers, "vch_bench", testCode, testNow)
	if err := s.Sign(rand.Reader, v); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if r := Verify(s.Public(), v, testNow); !r.Valid {
			b.Fatal(r.Reason)
		}
	}
}

// BenchmarkQRPayload is what each voucher of GET /api/v1/orders/{id}/vouchers
// costs: the payload compressed into the QR text.
func BenchmarkQRPayload(b *testing.B) {
	key, _ := sm2.GenerateKey(rand.Reader)
	s := NewSigner(key)
	v, _ := Build(FiscalReceipt, testFacts(), testNumbers, "vch_bench", testCode, testNow)
	if err := s.Sign(rand.Reader, v); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = QRPayload("https://shebao.example.cn/", v)
	}
}
