package voucher

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"strings"
	"sync"

	"github.com/emmansun/gmsm/sm3"
	"rsc.io/qr"
)

// MaxQRBytes bounds the text of a voucher QR code. At error-correction level
// M that much fits a version 29 symbol (133 modules), which a phone camera
// still reads from a screen or a receipt printed at 4 cm; much longer text
// makes the modules too small to print.
const MaxQRBytes = 1200

// QRPayload is the text of a voucher's QR code: the verification URL
// baseURL/verify/{code}, so any phone camera opens the verify page, and a
// fragment with the signed data, so a verifier holding the public key needs
// no network. The fragment is never sent to the server.
//
// Two fragment forms exist, each field base64url without padding (RFC 4648 §5):
//
//	#z.<deflate(payload)>.<signature>  the canonical payload, compressed with
//	                                   DEFLATE (RFC 1951): verifiable offline
//	#d.<SM3(payload)>.<signature>      when the first form exceeds MaxQRBytes
//	                                   (many items): ties the code to one
//	                                   payload, which the holder of the
//	                                   electronic voucher checks with Matches
//	                                   and verifies with Verify
//
// The signature is always over the uncompressed payload; compression is only
// transport (a typical two-item fiscal receipt shrinks from about 930 to 560
// bytes), so its exact output does not matter. An unsigned voucher gets the
// bare URL.
func QRPayload(baseURL string, v *Voucher) string {
	u := strings.TrimRight(baseURL, "/") + "/verify/" + v.Code
	if len(v.Signature) == 0 {
		return u
	}
	b64 := base64.RawURLEncoding
	sig := b64.EncodeToString(v.Signature)
	if z, err := deflate(v.Payload); err == nil {
		if full := u + "#z." + b64.EncodeToString(z) + "." + sig; len(full) <= MaxQRBytes {
			return full
		}
	}
	sum := sm3.Sum(v.Payload)
	return u + "#d." + b64.EncodeToString(sum[:]) + "." + sig
}

// maxQRPayload bounds what a "z" fragment may inflate to, so a crafted QR
// code cannot exhaust memory; real payloads are a few kilobytes.
const maxQRPayload = 64 << 10

// deflaters keeps flate writers for reuse: a new one allocates about a
// megabyte of tables, which made compressing a voucher's QR text cost more
// than signing it (GET .../vouchers builds three). A writer reset onto a
// new buffer compresses exactly as a new one does.
var deflaters = sync.Pool{New: func() any {
	w, err := flate.NewWriter(io.Discard, flate.BestCompression)
	if err != nil {
		panic(err) // only for an invalid level
	}
	return w
}}

func deflate(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	w := deflaters.Get().(*flate.Writer)
	// Reset clears the writer's hash tables (640 KB at this level), the
	// main cost of compressing a short text: once per use, here, and not
	// again before Put. The pooled writer keeps pointing at buf until its
	// next use, but Close has flushed it, so it writes nothing more there.
	w.Reset(&buf)
	defer deflaters.Put(w)
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func inflate(z []byte) ([]byte, error) {
	r := flate.NewReader(bytes.NewReader(z))
	defer func() { _ = r.Close() }()
	b, err := io.ReadAll(io.LimitReader(r, maxQRPayload+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxQRPayload {
		return nil, fmt.Errorf("payload larger than %d bytes", maxQRPayload)
	}
	return b, nil
}

// QRContent is what a voucher QR code carries.
type QRContent struct {
	Code      string
	Payload   []byte // the canonical payload; nil in the digest form
	Digest    []byte // SM3 of the payload, in both forms
	Signature []byte
}

// Voucher is the content as a voucher for Verify. In the digest form it has
// no payload and Verify reports it malformed: use Matches on the payload held.
func (q QRContent) Voucher() *Voucher {
	return &Voucher{Code: q.Code, Payload: q.Payload, Signature: q.Signature}
}

// Matches reports whether payload is the one the QR code was made for.
func (q QRContent) Matches(payload []byte) bool {
	sum := sm3.Sum(payload)
	return bytes.Equal(sum[:], q.Digest)
}

// ParseQR reads the text of a voucher QR code made by QRPayload. It checks
// the shape only; Verify decides whether the content is genuine.
func ParseQR(s string) (QRContent, error) {
	base, frag, ok := strings.Cut(strings.TrimSpace(s), "#")
	i := strings.LastIndex(base, "/verify/")
	if !ok || i < 0 {
		return QRContent{}, errors.New("voucher: QR text is not a verification URL with signed data")
	}
	q := QRContent{Code: base[i+len("/verify/"):]}
	if err := checkCode(q.Code); err != nil {
		return QRContent{}, fmt.Errorf("voucher: QR: %w", err)
	}
	parts := strings.Split(frag, ".")
	if len(parts) != 3 || (parts[0] != "z" && parts[0] != "d") {
		return QRContent{}, errors.New("voucher: QR fragment is neither z.<payload>.<sig> nor d.<digest>.<sig>")
	}
	data, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return QRContent{}, fmt.Errorf("voucher: QR data: %w", err)
	}
	if q.Signature, err = base64.RawURLEncoding.DecodeString(parts[2]); err != nil {
		return QRContent{}, fmt.Errorf("voucher: QR signature: %w", err)
	}
	if parts[0] == "d" {
		if len(data) != sm3.Size {
			return QRContent{}, fmt.Errorf("voucher: QR digest is %d bytes, want %d", len(data), sm3.Size)
		}
		q.Digest = data
		return q, nil
	}
	if data, err = inflate(data); err != nil {
		return QRContent{}, fmt.Errorf("voucher: QR payload: %w", err)
	}
	// A payload under another code's URL would make the page and the signed
	// data disagree about which voucher this is.
	var d Document
	if err := json.Unmarshal(data, &d); err != nil || d.Code != q.Code {
		return QRContent{}, errors.New("voucher: QR payload is not the voucher its URL names")
	}
	sum := sm3.Sum(data)
	q.Payload, q.Digest = data, sum[:]
	return q, nil
}

// ParseQRPayload is ParseQR for callers that need only the parts; payload is
// nil when the code carries only the digest.
func ParseQRPayload(s string) (code string, payload, sig []byte, err error) {
	q, err := ParseQR(s)
	return q.Code, q.Payload, q.Signature, err
}

// QRPNG renders content as a black-on-white PNG QR code at error-correction
// level M (15% of the symbol may be damaged, enough for a creased receipt),
// with the 4-module quiet zone ISO/IEC 18004 requires. The image is the
// largest whole-pixel multiple of the symbol not wider than px (at least one
// pixel per module), so modules stay sharp. It is drawn here and written by
// image/png because rsc.io/qr's own PNG writer panics at small scales.
func QRPNG(content string, px int) ([]byte, error) {
	if px <= 0 {
		return nil, fmt.Errorf("voucher: QR size %d px", px)
	}
	c, err := qr.Encode(content, qr.M)
	if err != nil {
		return nil, fmt.Errorf("voucher: QR encode: %w", err)
	}
	scale := max(1, px/(c.Size+8))
	n := (c.Size + 8) * scale
	img := image.NewPaletted(image.Rect(0, 0, n, n), color.Palette{color.Gray{Y: 0xff}, color.Gray{}})
	for y := 0; y < c.Size; y++ {
		for x := 0; x < c.Size; x++ {
			if c.Black(x, y) {
				r := image.Rect(x+4, y+4, x+5, y+5)
				draw.Draw(img, image.Rectangle{r.Min.Mul(scale), r.Max.Mul(scale)}, image.Black, image.Point{}, draw.Src)
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("voucher: QR png: %w", err)
	}
	return buf.Bytes(), nil
}

// QRSVG renders content as an inline SVG QR code, for pages that should not
// need another request for it. Dark modules are one path of horizontal runs,
// in units of one module with the quiet zone included, so the SVG scales
// without blur to whatever its container sets. The title names it for screen
// readers.
func QRSVG(content string) (string, error) {
	return QRSVGTitled(content, "凭证验证二维码 Voucher verification QR code")
}

// QRSVGTitled is QRSVG with another title. The title is written as is:
// callers pass fixed text, never anything a request carried.
func QRSVGTitled(content, title string) (string, error) {
	c, err := qr.Encode(content, qr.M)
	if err != nil {
		return "", fmt.Errorf("voucher: QR encode: %w", err)
	}
	var d strings.Builder
	for y := 0; y < c.Size; y++ {
		for x := 0; x < c.Size; x++ {
			if !c.Black(x, y) {
				continue
			}
			run := 1
			for c.Black(x+run, y) {
				run++
			}
			fmt.Fprintf(&d, "M%d %dh%dv1h-%dz", x+4, y+4, run, run)
			x += run
		}
	}
	n := c.Size + 8
	return fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" shape-rendering="crispEdges">`+
		`<title>%s</title>`+
		`<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="%s"/></svg>`, n, n, html.EscapeString(title), n, n, d.String()), nil
}
