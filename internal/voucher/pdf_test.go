package voucher

import (
	"bytes"
	"crypto/rand"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
)

const testBaseURL = "https://shebao.example"

// renderTest signs a voucher of kind k and renders it as the caller would.
func renderTest(t *testing.T, s *Signer, k Kind) (*Voucher, []byte) {
	t.Helper()
	v := mustSign(t, s, k)
	res := Verify(s.Public(), v, testNow)
	pdf, err := RenderPDF(v, res.Document, QRPayload(testBaseURL, v), res)
	if err != nil {
		t.Fatalf("RenderPDF(%s): %v", k, err)
	}
	return v, pdf
}

// pdfText runs pdftotext; the test is skipped, saying why, where
// poppler-utils is not installed (apt-get install -y poppler-utils).
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext not found: install poppler-utils (apt-get install -y poppler-utils) to check PDF text")
	}
	path := filepath.Join(t.TempDir(), "v.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

func TestPDFTextIsReal(t *testing.T) {
	s := newTestSigner(t)
	cases := map[Kind][]string{
		FiscalReceipt: {"财政电子票据", "贰仟壹佰陆拾陆元肆角陆分", "0000012345", "11060126", "企业职工基本养老保险",
			"¥2,166.46", "长期保存", testCode, testBaseURL + "/verify/" + testCode},
		AcceptanceReceipt:    {"受理回执", "SL1100002026111500012345", "2026-11-15 10:04:02", "保存至 2028-11-15"},
		TransactionStatement: {"交易明细", "微信支付", "4200002345202611151234567890", "保存至 2028-05-15"},
	}
	for k, want := range cases {
		t.Run(string(k), func(t *testing.T) {
			v, pdf := renderTest(t, s, k)
			if len(pdf) > 150<<10 {
				t.Errorf("PDF is %d KB; the font should be subset", len(pdf)>>10)
			}
			text := pdfText(t, pdf)
			for _, w := range append(want, v.KeyID) {
				if !strings.Contains(text, w) {
					t.Errorf("pdftotext output lacks %q:\n%s", w, text)
				}
			}
		})
	}
}

func TestPDFRoundTrip(t *testing.T) {
	s := newTestSigner(t)
	v, pdf := renderTest(t, s, FiscalReceipt)
	got, err := ReadPDF(pdf)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Payload, v.Payload) || !bytes.Equal(got.Signature, v.Signature) || got.KeyID != v.KeyID || got.Code != v.Code {
		t.Fatalf("ReadPDF gave back another voucher: %+v", got)
	}
	if r := Verify(s.Public(), got, testNow); !r.Valid {
		t.Errorf("the PDF's voucher does not verify: %s", r.Reason)
	}
	if r := Verify(newTestSigner(t).Public(), got, testNow); r.Reason != ReasonUnknownKey {
		t.Errorf("with another key: %s, want unknown_key", r.Reason)
	}
	res := Verify(s.Public(), v, testNow.Add(time.Hour))
	again, err := RenderPDF(v, res.Document, QRPayload(testBaseURL, v), res)
	if err != nil || !bytes.Equal(again, pdf) {
		t.Errorf("rendering the same voucher again gave other bytes (%v)", err)
	}
}

func TestRenderPDFRefuses(t *testing.T) {
	s := newTestSigner(t)
	v := mustSign(t, s, TransactionStatement)
	late := testNow.AddDate(2, 0, 0)
	expired := Verify(s.Public(), v, late)
	if expired.Reason != ReasonExpired {
		t.Fatalf("setup: %s", expired.Reason)
	}
	if _, err := RenderPDF(v, expired.Document, QRPayload(testBaseURL, v), expired); !errors.Is(err, ErrNotRenderable) {
		t.Errorf("expired voucher rendered: %v", err)
	}
	ok := Verify(s.Public(), v, testNow)
	other := mustSign(t, s, FiscalReceipt)
	if _, err := RenderPDF(v, Verify(s.Public(), other, testNow).Document, QRPayload(testBaseURL, v), ok); err == nil {
		t.Error("rendered a document that is not the voucher's payload")
	}
	if _, err := RenderPDF(v, nil, "", Result{Reason: ReasonBadSignature}); !errors.Is(err, ErrNotRenderable) {
		t.Errorf("bad signature rendered: %v", err)
	}
}

func TestReadPDFRejects(t *testing.T) {
	for name, pdf := range map[string]string{
		"no keywords":     "%PDF-1.3\n<< /Title (x) >>\n",
		"other keywords":  "<< /Keywords (invoice August) >>",
		"unterminated":    "<< /Keywords (shebao-voucher/1 k http://x",
		"not a QR text":   "<< /Keywords (shebao-voucher/1 k http://x/verify/ABC) >>",
		"digest form":     "<< /Keywords (shebao-voucher/1 k https://x/verify/" + testCode + "#d.AAAA.AAAA) >>",
		"too many fields": "<< /Keywords (shebao-voucher/1 k a b) >>",
	} {
		if _, err := ReadPDF([]byte(pdf)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestPDFLiteral(t *testing.T) {
	got, err := pdfLiteral([]byte(`a\(b\) (c) \\ \r) tail`))
	if want := "a(b) (c) \\ \r"; err != nil || got != want {
		t.Errorf("pdfLiteral = %q, %v; want %q", got, err, want)
	}
	if _, err := pdfLiteral([]byte(`a\101)`)); err == nil {
		t.Error("an escape fpdf does not write was accepted")
	}
}

func BenchmarkRenderPDF(b *testing.B) {
	key, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	s := NewSigner(key)
	v, err := Build(FiscalReceipt, testFacts(), testNumbers, "vch_1", testCode, testNow)
	if err != nil || s.Sign(rand.Reader, v) != nil {
		b.Fatal(err)
	}
	res := Verify(s.Public(), v, testNow)
	qr := QRPayload(testBaseURL, v)
	for b.Loop() {
		if _, err := RenderPDF(v, res.Document, qr, res); err != nil {
			b.Fatal(err)
		}
	}
}
