package evidence

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/voucher"
)

// LeafKind names what a leaf records. The values are stored in the kind
// column; inside the leaf data the kind is one tag byte (see LeafVersion).
type LeafKind string

// The two kinds of leaf.
const (
	KindContribution LeafKind = "contribution" // a credited order's contributions
	KindVoucher      LeafKind = "voucher"      // one issued, signed voucher
)

// LeafVersion is the first byte of every leaf's data. It changes when any
// rule of the encoding below changes, so leaves appended under older rules
// stay decodable; a version is never reused.
//
// Canonical encoding, version 1, in the presentation language of RFC 8446 §3
// (as RFC 6962 §3.4 writes its own leaves): big-endian integers, strings as
// opaque<0..2^16-1> (a uint16 byte length, then UTF-8 bytes, which must be
// valid), lists as a uint16 count followed by the elements, no maps, no
// padding and nothing after the last field:
//
//	struct {
//	    uint8 version = 1;
//	    uint8 tag;                     // 1 contribution, 2 voucher
//	    select (tag) {
//	        case 1: Contribution;
//	        case 2: VoucherRecord;
//	    };
//	} LeafData;
//
//	struct {
//	    opaque order_id<1..2^16-1>;
//	    opaque out_trade_no<0..2^16-1>;
//	    opaque transaction_id<0..2^16-1>;
//	    opaque region<0..2^16-1>;
//	    opaque insured_person_id<1..2^16-1>;  // our person id, never the ID number
//	    int64  total_fen;
//	    Item   items<1..2^16-1>;              // a uint16 count, in the order's bill order
//	    opaque core_posting_ref<0..2^16-1>;
//	    int64  posted_at;                     // Unix milliseconds, UTC
//	} Contribution;
//
//	struct { opaque insurance<..>; opaque period<..>; int64 amount_fen; } Item;
//
//	struct {
//	    opaque voucher_id<1..2^16-1>;
//	    opaque kind<1..2^16-1>;               // voucher.Kind, e.g. "fiscal_receipt"
//	    opaque code<1..2^16-1>;               // the public verification code
//	    opaque payload_sm3[32];               // SM3 (GB/T 32905) of the signed payload
//	    opaque signature_sm3[32];             // SM3 of the SM2 signature bytes
//	} VoucherRecord;
//
// Fixed-width integers and length-prefixed strings give every value exactly
// one encoding, so equal leaves have equal hashes and Decode accepts only what
// Encode writes.
const LeafVersion = 1

const (
	tagContribution = 1
	tagVoucher      = 2
)

// Leaf is one entry to append: Data is the canonical encoding the tree
// hashes; Kind and Ref are stored beside it for lookups (VerifyLog checks
// that they agree with Data).
type Leaf struct {
	Kind LeafKind
	Ref  string // order id for a contribution, voucher id for a voucher
	Data []byte
}

// Contribution is the contribution leaf of one credited order.
type Contribution struct {
	OrderID         string
	OutTradeNo      string
	TransactionID   string
	Region          string
	InsuredPersonID string // internal person id; the ID number never enters the log
	TotalFen        money.Fen
	Items           []Item
	CorePostingRef  string
	PostedAt        time.Time // stored to the millisecond
}

// Item is one bill of a contribution.
type Item struct {
	Insurance string // aae140 code
	Period    string // "2026-11" or "2027"
	AmountFen money.Fen
}

// VoucherRecord is the voucher leaf: enough to recognise the one voucher it
// stands for (the digests of its payload and signature) without repeating
// any personal data.
type VoucherRecord struct {
	VoucherID    string
	Kind         voucher.Kind
	Code         string
	PayloadSM3   [sm3.Size]byte
	SignatureSM3 [sm3.Size]byte
}

// VoucherLeaf is the leaf of an issued voucher.
func VoucherLeaf(v *voucher.Voucher) (Leaf, error) {
	if v == nil || len(v.Signature) == 0 {
		return Leaf{}, errors.New("evidence: voucher leaf needs a signed voucher")
	}
	return VoucherRecord{VoucherID: v.ID, Kind: v.Kind, Code: v.Code,
		PayloadSM3: sm3.Sum(v.Payload), SignatureSM3: sm3.Sum(v.Signature)}.Leaf()
}

// Leaf encodes r.
func (r VoucherRecord) Leaf() (Leaf, error) {
	var e encoder
	e.header(tagVoucher)
	e.str("voucher id", r.VoucherID, true)
	e.str("kind", string(r.Kind), true)
	e.str("code", r.Code, true)
	e.b = append(e.b, r.PayloadSM3[:]...)
	e.b = append(e.b, r.SignatureSM3[:]...)
	if e.err != nil {
		return Leaf{}, fmt.Errorf("evidence: voucher leaf %s: %w", r.VoucherID, e.err)
	}
	return Leaf{Kind: KindVoucher, Ref: r.VoucherID, Data: e.b}, nil
}

// Leaf encodes c after checking it: a wrong leaf, once logged, stays in the
// log forever, so it is refused rather than written.
func (c Contribution) Leaf() (Leaf, error) {
	if err := c.check(); err != nil {
		return Leaf{}, fmt.Errorf("evidence: contribution leaf %s: %w", c.OrderID, err)
	}
	var e encoder
	e.header(tagContribution)
	e.str("order id", c.OrderID, true)
	e.str("out trade no", c.OutTradeNo, false)
	e.str("transaction id", c.TransactionID, false)
	e.str("region", c.Region, false)
	e.str("insured person id", c.InsuredPersonID, true)
	e.i64(int64(c.TotalFen))
	e.count(len(c.Items))
	for _, it := range c.Items {
		e.str("insurance", it.Insurance, false)
		e.str("period", it.Period, false)
		e.i64(int64(it.AmountFen))
	}
	e.str("core posting ref", c.CorePostingRef, false)
	e.i64(c.PostedAt.UnixMilli())
	if e.err != nil {
		return Leaf{}, fmt.Errorf("evidence: contribution leaf %s: %w", c.OrderID, e.err)
	}
	return Leaf{Kind: KindContribution, Ref: c.OrderID, Data: e.b}, nil
}

func (c Contribution) check() error {
	if len(c.Items) == 0 {
		return errors.New("no items")
	}
	var sum money.Fen
	for i, it := range c.Items {
		if it.AmountFen <= 0 {
			return fmt.Errorf("item %d: amount %d fen is not positive", i+1, it.AmountFen)
		}
		sum += it.AmountFen
	}
	switch {
	case sum != c.TotalFen:
		return fmt.Errorf("items add up to %d fen, total is %d", sum, c.TotalFen)
	case c.PostedAt.IsZero():
		return errors.New("posted time is not set")
	}
	return nil
}

// ParseLeaf decodes leaf data and returns it as a Leaf with the kind and
// ref it states; it fails on anything Encode would not have written.
func ParseLeaf(data []byte) (Leaf, error) {
	if len(data) < 2 || data[0] != LeafVersion {
		return Leaf{}, errors.New("evidence: leaf data is not version 1")
	}
	switch data[1] {
	case tagContribution:
		c, err := DecodeContribution(data)
		return Leaf{Kind: KindContribution, Ref: c.OrderID, Data: data}, err
	case tagVoucher:
		r, err := DecodeVoucherRecord(data)
		return Leaf{Kind: KindVoucher, Ref: r.VoucherID, Data: data}, err
	}
	return Leaf{}, fmt.Errorf("evidence: unknown leaf tag %d", data[1])
}

// DecodeContribution reads a contribution leaf's data.
func DecodeContribution(data []byte) (Contribution, error) {
	d := decoder{b: data}
	d.header(tagContribution)
	c := Contribution{OrderID: d.str(), OutTradeNo: d.str(), TransactionID: d.str(), Region: d.str(),
		InsuredPersonID: d.str(), TotalFen: money.Fen(d.i64())}
	n := d.count()
	for i := 0; i < n && d.err == nil; i++ {
		c.Items = append(c.Items, Item{Insurance: d.str(), Period: d.str(), AmountFen: money.Fen(d.i64())})
	}
	c.CorePostingRef = d.str()
	c.PostedAt = time.UnixMilli(d.i64()).UTC()
	if err := d.finish(); err != nil {
		return Contribution{}, fmt.Errorf("evidence: contribution leaf: %w", err)
	}
	if again, err := c.Leaf(); err != nil || !bytes.Equal(again.Data, data) {
		return Contribution{}, fmt.Errorf("evidence: contribution leaf is not canonical: %v", err)
	}
	return c, nil
}

// DecodeVoucherRecord reads a voucher leaf's data.
func DecodeVoucherRecord(data []byte) (VoucherRecord, error) {
	d := decoder{b: data}
	d.header(tagVoucher)
	r := VoucherRecord{VoucherID: d.str(), Kind: voucher.Kind(d.str()), Code: d.str()}
	copy(r.PayloadSM3[:], d.fixed(sm3.Size))
	copy(r.SignatureSM3[:], d.fixed(sm3.Size))
	if err := d.finish(); err != nil {
		return VoucherRecord{}, fmt.Errorf("evidence: voucher leaf: %w", err)
	}
	if again, err := r.Leaf(); err != nil || !bytes.Equal(again.Data, data) {
		return VoucherRecord{}, fmt.Errorf("evidence: voucher leaf is not canonical: %v", err)
	}
	return r, nil
}
