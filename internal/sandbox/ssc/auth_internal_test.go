package ssc

import "testing"

// TestSigningStringGolden pins the layout of the protocol brief
// (internal/payment/ssc/doc.go); the adapter pins its own implementation to
// the same bytes.
func TestSigningStringGolden(t *testing.T) {
	got := string(signingString("SSCA1-REQUEST", "POST", "/v1/debits", "SSC123456789012", "1700000000", "ABCDEF0123456789", `{"a":1}`))
	want := "SSCA1-REQUEST\nPOST\n/v1/debits\nSSC123456789012\n1700000000\nABCDEF0123456789\n{\"a\":1}\n"
	if got != want {
		t.Errorf("request signing string\n got %q\nwant %q", got, want)
	}
	got = string(signingString("SSCA1-RESPONSE", "404", "SSC1", "1700000000", "N1", "N0", ""))
	if want := "SSCA1-RESPONSE\n404\nSSC1\n1700000000\nN1\nN0\n\n"; got != want {
		t.Errorf("empty-body response signing string %q, want %q", got, want)
	}
}
