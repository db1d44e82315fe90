package evidence_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/shebao-project/shebao/internal/evidence"
	"github.com/shebao-project/shebao/internal/voucher"
)

func TestBundleVerifiesOffline(t *testing.T) {
	f := newFixture(t)
	f.appendOrders(t, 0, 3)
	ref := voucherRecord(1, voucher.FiscalReceipt).VoucherID
	if _, err := f.log.Bundle(t.Context(), evidence.KindVoucher, ref); !errors.Is(err, evidence.ErrNotCheckpointed) {
		t.Fatalf("before any checkpoint: %v", err)
	}
	f.checkpoint(t)
	b, err := f.log.Bundle(t.Context(), evidence.KindVoucher, ref)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("c2sp.org/tlog-proof@v1\nextra ")) || !bytes.Contains(b, []byte("\nindex 5\n")) {
		t.Errorf("not a tlog-proof for index 5:\n%s", b)
	}
	leaf, _ := voucherRecord(1, voucher.FiscalReceipt).Leaf()
	if err := evidence.VerifyBundle(b, f.log.VerifierKey(), leaf.Data); err != nil {
		t.Errorf("VerifyBundle: %v", err)
	}
	if err := evidence.VerifyBundle(b, f.log.VerifierKey(), nil); err != nil {
		t.Errorf("VerifyBundle with the bundle's own leaf data: %v", err)
	}
	both, _ := evidence.Verifiers(f.log.VerifierKey(), &f.sm2.PublicKey)
	if cp, err := evidence.VerifyBundleWith(b, both, testOrigin, leaf.Data); err != nil || cp.Size != 12 {
		t.Errorf("VerifyBundleWith: %+v, %v", cp, err)
	}

	other, _ := voucherRecord(2, voucher.FiscalReceipt).Leaf()
	_, otherVkey, _ := note.GenerateKey(rand.Reader, testOrigin)
	parsed, _ := evidence.ParseBundle(b)
	parsed.Extra = nil
	bare := parsed.Marshal()
	parsed.Index = 6
	moved := parsed.Marshal()
	for name, tc := range map[string]struct {
		bundle []byte
		vkey   string
		leaf   []byte
	}{
		"another leaf":           {bare, f.log.VerifierKey(), other.Data},
		"leaf not the extra":     {b, f.log.VerifierKey(), other.Data},
		"another key":            {b, otherVkey, leaf.Data},
		"another index":          {moved, f.log.VerifierKey(), leaf.Data},
		"edited checkpoint":      {bytes.Replace(b, []byte("\n12\n"), []byte("\n13\n"), 1), f.log.VerifierKey(), leaf.Data},
		"no leaf anywhere":       {bare, f.log.VerifierKey(), nil},
		"not a proof":            {[]byte("hello\n\nworld\n"), f.log.VerifierKey(), leaf.Data},
		"hash line not a hash":   {[]byte(strings.Replace(string(bare), "index 5\n", "index 5\nAAAA\n", 1)), f.log.VerifierKey(), leaf.Data},
		"index leading zero":     {[]byte(strings.Replace(string(bare), "index 5", "index 05", 1)), f.log.VerifierKey(), leaf.Data},
		"checkpoint unsigned":    {bytes.SplitAfter(b, []byte("\n\n"))[0], f.log.VerifierKey(), leaf.Data},
		"extra not base64":       {[]byte(strings.Replace(string(b), "extra ", "extra *", 1)), f.log.VerifierKey(), leaf.Data},
		"proof lines before key": {append([]byte("x\n"), b...), f.log.VerifierKey(), leaf.Data},
	} {
		if err := evidence.VerifyBundle(tc.bundle, tc.vkey, tc.leaf); err == nil {
			t.Errorf("%s: verified", name)
		}
	}
}
