package voucher

import (
	"bytes"
	"errors"
	"testing"
)

func TestDecodeRoundTrip(t *testing.T) {
	for _, k := range Kinds() {
		v := mustBuild(t, k)
		d, err := Decode(v.Payload)
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		again, err := d.Encode()
		if err != nil || !bytes.Equal(again, v.Payload) {
			t.Errorf("%s: re-encoding differs (%v):\n%s\n%s", k, err, again, v.Payload)
		}
		if d.Total().Fen != 216646 || !d.Issued().Equal(v.IssuedAt) {
			t.Errorf("%s: Total %+v, Issued %v", k, d.Total(), d.Issued())
		}
		if until, ok := d.Retained(); ok != (v.RetainUntil != nil) || (ok && !until.Equal(*v.RetainUntil)) {
			t.Errorf("%s: Retained = %v, %t", k, until, ok)
		}
	}
}

// TestDecodeRejects edits built payloads: every edit that Build could not
// have produced must be reported as malformed, never displayed.
func TestDecodeRejects(t *testing.T) {
	tests := []struct {
		name     string
		kind     Kind
		old, new string
	}{
		{"trailing newline", FiscalReceipt, `}}`, "}}\n"},
		{"whitespace", FiscalReceipt, `{"v":1,`, `{"v": 1,`},
		{"unknown field", FiscalReceipt, `{"v":1,`, `{"v":1,"x":0,`},
		{"duplicate field", FiscalReceipt, `{"v":1,`, `{"v":1,"v":1,`},
		{"key in other case", FiscalReceipt, `{"v":1,`, `{"V":1,`},
		{"escaped where raw is canonical", FiscalReceipt, `"张*"`, `"\u5f20*"`},
		{"future version", FiscalReceipt, `{"v":1,`, `{"v":2,`},
		{"unknown kind", TransactionStatement, `"kind":"transaction_statement"`, `"kind":"invoice"`},
		{"kind without its section", AcceptanceReceipt, `"kind":"acceptance_receipt"`, `"kind":"transaction_statement"`},
		{"item amount edited", FiscalReceipt, `"amount_fen":145400`, `"amount_fen":145401`},
		{"total edited", TransactionStatement, `"fen":216646`, `"fen":216647`},
		{"capital edited", AcceptanceReceipt, `贰仟壹佰陆拾陆元`, `贰仟壹佰陆拾柒元`},
		{"yuan edited", TransactionStatement, `"2166.46"`, `"2166.47"`},
		{"check code edited", FiscalReceipt, `"check_code":"`, `"check_code":"0`},
		{"bill number short", FiscalReceipt, `"0000012345"`, `"000012345"`},
		{"issue date off", FiscalReceipt, `"2026-11-15"`, `"2026-11-16"`},
		{"time in UTC", TransactionStatement, `"2026-11-15T10:03:58+08:00"`, `"2026-11-15T02:03:58Z"`},
		{"retention off", AcceptanceReceipt, `"retain_until":"2028-11-15`, `"retain_until":"2028-11-16`},
		{"retention on fiscal", FiscalReceipt, `"retain_until":null`, `"retain_until":"2099-01-01T00:00:00+08:00"`},
		{"no retention on statement", TransactionStatement, `"retain_until":"2028-05-15T10:04:05+08:00"`, `"retain_until":null`},
		{"unmasked id", AcceptanceReceipt, `"110***********1234"`, `"110101199001011234"`},
		{"quantity 2", FiscalReceipt, `"quantity":1`, `"quantity":2`},
		{"float amount", FiscalReceipt, `"amount_fen":145400`, `"amount_fen":145400.0`},
		{"bad code", TransactionStatement, `"7KQ2M9XWZ4HTRC8PNVB3"`, `"7KQ2M9XWZ4HTRC8PNVB0"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := replaceOnce(t, mustBuild(t, tt.kind).Payload, tt.old, tt.new)
			if d, err := Decode(p); !errors.Is(err, ErrMalformed) {
				t.Fatalf("Decode = %+v, %v; want ErrMalformed", d, err)
			}
		})
	}
	for _, p := range []string{"", "null", "[]", "{}", "not json"} {
		if _, err := Decode([]byte(p)); !errors.Is(err, ErrMalformed) {
			t.Errorf("Decode(%q) = %v", p, err)
		}
	}
}
