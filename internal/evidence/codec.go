package evidence

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"unicode/utf8"
)

// encoder writes the leaf encoding described at LeafVersion; the first
// error sticks, so callers check once at the end.
type encoder struct {
	b   []byte
	err error
}

func (e *encoder) header(tag byte) { e.b = append(e.b, LeafVersion, tag) }

func (e *encoder) str(field, s string, required bool) {
	switch {
	case e.err != nil:
		return
	case required && s == "":
		e.err = fmt.Errorf("%s is empty", field)
	case len(s) > math.MaxUint16:
		e.err = fmt.Errorf("%s is %d bytes, more than %d", field, len(s), math.MaxUint16)
	case !utf8.ValidString(s):
		e.err = fmt.Errorf("%s is not valid UTF-8", field)
	}
	e.b = binary.BigEndian.AppendUint16(e.b, uint16(len(s)))
	e.b = append(e.b, s...)
}

func (e *encoder) count(n int) {
	if n > math.MaxUint16 && e.err == nil {
		e.err = fmt.Errorf("%d items, more than %d", n, math.MaxUint16)
	}
	e.b = binary.BigEndian.AppendUint16(e.b, uint16(n))
}

func (e *encoder) i64(v int64) { e.b = binary.BigEndian.AppendUint64(e.b, uint64(v)) }

// decoder reads what encoder wrote; after the first error every read
// returns a zero value and finish reports the error.
type decoder struct {
	b   []byte
	err error
}

var errShort = errors.New("data ends early")

func (d *decoder) fixed(n int) []byte {
	if d.err != nil {
		return make([]byte, n)
	}
	if len(d.b) < n {
		d.err = errShort
		return make([]byte, n)
	}
	out := d.b[:n]
	d.b = d.b[n:]
	return out
}

func (d *decoder) header(tag byte) {
	h := d.fixed(2)
	if d.err == nil && (h[0] != LeafVersion || h[1] != tag) {
		d.err = fmt.Errorf("header %d/%d, want %d/%d", h[0], h[1], LeafVersion, tag)
	}
}

func (d *decoder) u16() int { return int(binary.BigEndian.Uint16(d.fixed(2))) }

func (d *decoder) count() int { return d.u16() }

func (d *decoder) i64() int64 { return int64(binary.BigEndian.Uint64(d.fixed(8))) }

func (d *decoder) str() string {
	s := string(d.fixed(d.u16()))
	if d.err == nil && !utf8.ValidString(s) {
		d.err = errors.New("string is not valid UTF-8")
	}
	return s
}

func (d *decoder) finish() error {
	if d.err == nil && len(d.b) > 0 {
		d.err = fmt.Errorf("%d bytes after the last field", len(d.b))
	}
	return d.err
}
