package voucher

import (
	"bytes"
	"compress/flate"
	"crypto/rand"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"image/png"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"rsc.io/qr"

	"github.com/shebao-project/shebao/internal/money"
)

const testBase = "https://shebao.example.cn/"

func TestQRRoundTrip(t *testing.T) {
	signer := newTestSigner(t)
	for _, k := range Kinds() {
		t.Run(string(k), func(t *testing.T) {
			v := mustSign(t, signer, k)
			s := QRPayload(testBase, v)
			if len(s) > MaxQRBytes {
				t.Fatalf("QR text is %d bytes", len(s))
			}
			if !strings.HasPrefix(s, "https://shebao.example.cn/verify/"+testCode+"#") {
				t.Fatalf("QR text %q", s)
			}
			code, payload, sig, err := ParseQRPayload(s)
			if err != nil || code != testCode || !bytes.Equal(sig, v.Signature) {
				t.Fatalf("ParseQRPayload = %q, %v", code, err)
			}
			q, _ := ParseQR(s)
			if !q.Matches(v.Payload) {
				t.Error("digest does not match the payload")
			}
			if payload == nil { // a typical order must be verifiable from the QR alone
				t.Fatalf("%s: %d-byte payload left out of the QR code", k, len(v.Payload))
			}
			t.Logf("%s: %d-byte payload, %d-byte QR text", k, len(v.Payload), len(s))
			got := Verify(signer.Public(), &Voucher{Code: code, Payload: payload, Signature: sig}, testNow)
			if !got.Valid {
				t.Errorf("Verify after QR round trip: %s", got.Reason)
			}
		})
	}
}

// TestQRDigestForm grows a back payment month by month until its receipt no
// longer fits a QR code, and checks the digest form that takes over.
func TestQRDigestForm(t *testing.T) {
	signer := newTestSigner(t)
	f := testFacts()
	f.Lines, f.Total = nil, 0
	for m := 0; m < 60; m++ {
		period := fmt.Sprintf("%d-%02d", 2021+m/12, m%12+1)
		base := money.Fen(600000 + 1234*m)
		f.Lines = append(f.Lines,
			Line{Insurance: "110", Name: "企业职工基本养老保险", Period: period, BaseFen: base, Rate: "0.20", AmountFen: base / 5},
			Line{Insurance: "310", Name: "职工基本医疗保险", Period: period, BaseFen: base, Rate: "0.10", AmountFen: base / 10})
		f.Total += base/5 + base/10
		v, err := Build(FiscalReceipt, f, testNumbers, "v1", testCode, testNow)
		if err != nil {
			t.Fatal(err)
		}
		if err := signer.Sign(rand.Reader, v); err != nil {
			t.Fatal(err)
		}
		s := QRPayload(testBase, v)
		q, err := ParseQR(s)
		if err != nil || len(s) > MaxQRBytes {
			t.Fatalf("%d months: %d-byte QR text, %v", m+1, len(s), err)
		}
		if q.Payload != nil {
			continue
		}
		t.Logf("digest form from %d months (%d items, %d-byte payload)", m+1, len(f.Lines), len(v.Payload))
		if m == 0 || len(q.Digest) != 32 || !q.Matches(v.Payload) || q.Matches(v.Payload[1:]) {
			t.Fatalf("digest form: %d months, digest %x", m+1, q.Digest)
		}
		if r := Verify(signer.Public(), q.Voucher(), testNow); r.Reason != ReasonMalformed {
			t.Errorf("digest alone verified as %s", r.Reason)
		}
		return
	}
	t.Fatal("60 months still fit: the digest form is never used")
}

func TestParseQRRejects(t *testing.T) {
	v := mustSign(t, newTestSigner(t), TransactionStatement)
	good := QRPayload(testBase, v)
	other := strings.Replace(good, "/verify/"+testCode, "/verify/22222222222222222222", 1)
	bomb, err := deflate(bytes.Repeat([]byte(" "), maxQRPayload+1))
	if err != nil {
		t.Fatal(err)
	}
	sig := good[strings.LastIndex(good, ".")+1:]
	for _, s := range []string{
		"", "https://shebao.example.cn/verify/" + testCode, // no signed data
		strings.Replace(good, "/verify/", "/check/", 1),
		strings.Replace(good, "#z.", "#x.", 1),
		strings.Replace(good, "#z.", "#z.!", 1),
		good + ".extra",
		other, // the payload belongs to another code
		"https://shebao.example.cn/verify/" + testCode + "#d.AAAA." + sig,              // digest too short
		"https://shebao.example.cn/verify/" + testCode + "#z.AAAA." + sig,              // not DEFLATE
		"https://shebao.example.cn/verify/" + testCode + "#z." + b64(bomb) + "." + sig, // inflates too far
	} {
		if _, err := ParseQR(s); err == nil {
			t.Errorf("ParseQR(%.60q…) accepted", s)
		}
	}
	if s := QRPayload(testBase, mustBuild(t, FiscalReceipt)); s != "https://shebao.example.cn/verify/"+testCode {
		t.Errorf("unsigned voucher QR %q", s)
	}
}

func TestQRPNG(t *testing.T) {
	content := QRPayload(testBase, mustSign(t, newTestSigner(t), TransactionStatement))
	code, err := qr.Encode(content, qr.M)
	if err != nil {
		t.Fatal(err)
	}
	side := code.Size + 8
	for _, px := range []int{1, side, 300, 512} {
		b, err := QRPNG(content, px)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("px %d: not a PNG: %v", px, err)
		}
		scale := max(1, px/side)
		if w, h := img.Bounds().Dx(), img.Bounds().Dy(); w != side*scale || h != w || (px >= side && (w > px || w <= px-side)) {
			t.Fatalf("px %d: image %dx%d, scale %d", px, w, h, scale)
		}
		for y := -4; y < code.Size+4; y++ { // every module, sampled at its centre
			for x := -4; x < code.Size+4; x++ {
				r, _, _, _ := img.At((x+4)*scale+scale/2, (y+4)*scale+scale/2).RGBA()
				if dark := r < 0x8000; dark != code.Black(x, y) {
					t.Fatalf("px %d: module (%d,%d) dark=%t", px, x, y, dark)
				}
			}
		}
	}
	if _, err := QRPNG(content, 0); err == nil {
		t.Error("QRPNG accepted 0 px")
	}
}

func TestQRSVG(t *testing.T) {
	content := QRPayload(testBase, mustSign(t, newTestSigner(t), AcceptanceReceipt))
	svg, err := QRSVG(content)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		ViewBox string `xml:"viewBox,attr"`
		Role    string `xml:"role,attr"`
		Title   string `xml:"title"`
		Paths   []struct {
			D string `xml:"d,attr"`
		} `xml:"path"`
	}
	if err := xml.Unmarshal([]byte(svg), &doc); err != nil {
		t.Fatalf("not XML: %v", err)
	}
	code, _ := qr.Encode(content, qr.M)
	n := code.Size + 8
	if doc.ViewBox != fmt.Sprintf("0 0 %d %d", n, n) || doc.Role != "img" || doc.Title == "" || len(doc.Paths) != 1 {
		t.Fatalf("svg shell: %+v", doc)
	}
	// Redraw the path onto a grid and compare with the symbol.
	dark := map[[2]int]bool{}
	runs := regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`).FindAllStringSubmatch(doc.Paths[0].D, -1)
	for _, m := range runs {
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		w, _ := strconv.Atoi(m[3])
		for i := range w {
			dark[[2]int{x + i - 4, y - 4}] = true
		}
	}
	want := 0
	for y := range code.Size {
		for x := range code.Size {
			if code.Black(x, y) {
				want++
				if !dark[[2]int{x, y}] {
					t.Fatalf("module (%d,%d) missing", x, y)
				}
			}
		}
	}
	if len(dark) != want {
		t.Errorf("%d dark cells drawn, symbol has %d", len(dark), want)
	}
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// TestDeflateReused: a pooled writer compresses exactly as a new one, so
// the QR text of a voucher does not depend on what was compressed before.
func TestDeflateReused(t *testing.T) {
	fresh := func(b []byte) []byte {
		var buf bytes.Buffer
		w, _ := flate.NewWriter(&buf, flate.BestCompression)
		_, _ = w.Write(b)
		_ = w.Close()
		return buf.Bytes()
	}
	inputs := [][]byte{[]byte(strings.Repeat("社保缴费 fiscal receipt ", 40)), {}, []byte("x"), bytes.Repeat([]byte{0, 1, 2, 3}, 5000)}
	for round := range 3 {
		for i, in := range inputs {
			got, err := deflate(in)
			if err != nil || !bytes.Equal(got, fresh(in)) {
				t.Fatalf("round %d, input %d: pooled deflate differs from a new writer's (%v)", round, i, err)
			}
		}
	}
}
