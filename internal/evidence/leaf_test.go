package evidence_test

import (
	"bytes"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shebao-project/shebao/internal/evidence"
	"github.com/shebao-project/shebao/internal/voucher"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestLeafGolden pins the byte encoding of both leaf kinds: a change to it
// changes every leaf hash, so it must be a new LeafVersion, never an edit.
func TestLeafGolden(t *testing.T) {
	c, err := contribution(7).Leaf()
	if err != nil {
		t.Fatal(err)
	}
	v, err := voucherRecord(7, voucher.FiscalReceipt).Leaf()
	if err != nil {
		t.Fatal(err)
	}
	for name, l := range map[string]evidence.Leaf{"contribution": c, "voucher": v} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", name+".leaf.hex")
			got := hex.Dump(l.Data)
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("encoding changed:\n got:\n%s\nwant:\n%s", got, want)
			}
			back, err := evidence.ParseLeaf(l.Data)
			if err != nil || back.Kind != l.Kind || back.Ref != l.Ref {
				t.Errorf("ParseLeaf = %v %q, %v; want %v %q", back.Kind, back.Ref, err, l.Kind, l.Ref)
			}
		})
	}
}

func TestDecodeRoundTrip(t *testing.T) {
	want := contribution(3)
	l, err := want.Leaf()
	if err != nil {
		t.Fatal(err)
	}
	got, err := evidence.DecodeContribution(l.Data)
	if err != nil {
		t.Fatal(err)
	}
	if got.OrderID != want.OrderID || got.TotalFen != want.TotalFen || len(got.Items) != 2 ||
		got.Items[1] != want.Items[1] || !got.PostedAt.Equal(want.PostedAt) || got.InsuredPersonID != want.InsuredPersonID {
		t.Errorf("round trip: got %+v, want %+v", got, want)
	}
	r := voucherRecord(3, voucher.AcceptanceReceipt)
	vl, _ := r.Leaf()
	if back, err := evidence.DecodeVoucherRecord(vl.Data); err != nil || back != r {
		t.Errorf("voucher round trip: %+v, %v", back, err)
	}
}

func TestLeafRejects(t *testing.T) {
	good, _ := contribution(1).Leaf()
	bad := func(name string, mutate func(c *evidence.Contribution)) {
		c := contribution(1)
		mutate(&c)
		if _, err := c.Leaf(); err == nil {
			t.Errorf("%s: Leaf accepted it", name)
		}
	}
	bad("empty order id", func(c *evidence.Contribution) { c.OrderID = "" })
	bad("no person", func(c *evidence.Contribution) { c.InsuredPersonID = "" })
	bad("items do not add up", func(c *evidence.Contribution) { c.TotalFen++ })
	bad("no items", func(c *evidence.Contribution) { c.Items = nil; c.TotalFen = 0 })
	bad("invalid UTF-8", func(c *evidence.Contribution) { c.Region = "\xff" })
	bad("string too long", func(c *evidence.Contribution) { c.CorePostingRef = strings.Repeat("x", 1<<16) })

	for name, data := range map[string][]byte{
		"trailing byte": append(bytes.Clone(good.Data), 0),
		"truncated":     good.Data[:len(good.Data)-1],
		"version 2":     append([]byte{2}, good.Data[1:]...),
		"unknown tag":   append([]byte{1, 9}, good.Data[2:]...),
		"empty":         nil,
	} {
		if _, err := evidence.ParseLeaf(data); err == nil {
			t.Errorf("ParseLeaf(%s) accepted it", name)
		}
	}
}

// TestVoucherLeaf checks the leaf of a real voucher hashes what was signed.
func TestVoucherLeaf(t *testing.T) {
	v := &voucher.Voucher{ID: "vch_1", Kind: voucher.FiscalReceipt, Code: "7KQ2M9XWZ4HTRC8PNVB3",
		Payload: []byte(`{"v":1}`), Signature: []byte{0x30, 0x01}}
	l, err := evidence.VoucherLeaf(v)
	if err != nil {
		t.Fatal(err)
	}
	r, err := evidence.DecodeVoucherRecord(l.Data)
	if err != nil || r.VoucherID != "vch_1" || r.Code != v.Code || r.Kind != v.Kind {
		t.Fatalf("decoded %+v, %v", r, err)
	}
	v.Signature = nil
	if _, err := evidence.VoucherLeaf(v); err == nil {
		t.Error("an unsigned voucher got a leaf")
	}
}
