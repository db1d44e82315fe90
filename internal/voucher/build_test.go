package voucher

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden payloads in testdata")

// TestBuildGolden pins the canonical bytes: any change to field order,
// spelling or escaping breaks every signature already issued, so it must be
// a deliberate new PayloadVersion, not an accident.
func TestBuildGolden(t *testing.T) {
	for _, k := range Kinds() {
		t.Run(string(k), func(t *testing.T) {
			got := mustBuild(t, k).Payload
			again := mustBuild(t, k).Payload
			if !bytes.Equal(got, again) {
				t.Fatal("two builds of the same facts differ")
			}
			path := filepath.Join("testdata", string(k)+".json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("payload differs from %s:\n got %s\nwant %s", path, got, want)
			}
		})
	}
}

func TestBuildFields(t *testing.T) {
	until := func(y int, m time.Month) string { return time.Date(y, m, 15, 10, 4, 5, 0, cst).Format(time.RFC3339) }
	tests := []struct {
		kind        Kind
		retainUntil string
		check       func(t *testing.T, d *Document)
	}{
		{FiscalReceipt, "", func(t *testing.T, d *Document) {
			f := d.Fiscal
			if f.BillCode != "11060126" || f.BillNumber != "0000012345" || f.IssueDate != "2026-11-15" {
				t.Errorf("numbers/date: %+v", f)
			}
			if f.CheckCode != CheckCode("11060126", "0000012345", 216646) || len(f.CheckCode) != 6 {
				t.Errorf("check code %q", f.CheckCode)
			}
			if f.Total != (Amount{216646, "2166.46", "贰仟壹佰陆拾陆元肆角陆分"}) {
				t.Errorf("total %+v", f.Total)
			}
			if f.Payee != (Unit{"北京市社会保险基金管理中心（沙箱）", "12110000MB01234567"}) || f.Insured.IDMasked != "110***********1234" {
				t.Errorf("parties %+v %+v", f.Payee, f.Insured)
			}
			if f.Reviewer != "系统自动" || f.Issuer != "系统自动" {
				t.Errorf("reviewer/issuer %q/%q", f.Reviewer, f.Issuer)
			}
			want := Item{Code: "110", Name: "企业职工基本养老保险", Period: "2026-11", BaseFen: 727000, Rate: "0.20",
				Quantity: 1, StandardFen: 145400, AmountFen: 145400}
			if len(f.Items) != 2 || f.Items[0] != want {
				t.Errorf("items %+v", f.Items)
			}
		}},
		{AcceptanceReceipt, until(2028, 11), func(t *testing.T, d *Document) {
			a := d.Acceptance
			if a.AcceptanceNo != "SL1100002026111500012345" || a.BusinessType != "灵活就业人员社保缴费" ||
				a.AcceptedAt != "2026-11-15T10:04:02+08:00" || len(a.Items) != 2 || a.Total.Fen != 216646 {
				t.Errorf("acceptance %+v", a)
			}
		}},
		{TransactionStatement, until(2028, 5), func(t *testing.T, d *Document) {
			x := d.Transaction
			if x.Channel != "wechatpay" || x.ChannelName != "微信支付" || x.OutTradeNo != "SB20261115100358A1B2" ||
				x.TransactionID != "4200002345202611151234567890" || x.PaidAt != "2026-11-15T10:03:58+08:00" ||
				x.Amount.Yuan != "2166.46" || x.Payee != "北京市社会保险基金管理中心（沙箱）" {
				t.Errorf("statement %+v", x)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			v := mustBuild(t, tt.kind)
			if v.Kind != tt.kind || v.Code != testCode || v.OrderID != "ord_01JD5Z8QW3" || v.ID != "vch_"+string(tt.kind) {
				t.Errorf("envelope %+v", v)
			}
			if !v.IssuedAt.Equal(time.Date(2026, 11, 15, 10, 4, 5, 0, cst)) || v.IssuedAt.Location() != cst {
				t.Errorf("IssuedAt = %v", v.IssuedAt)
			}
			if got := ""; v.RetainUntil != nil {
				got = v.RetainUntil.Format(time.RFC3339)
				if got != tt.retainUntil {
					t.Errorf("RetainUntil = %s, want %q", got, tt.retainUntil)
				}
			} else if tt.retainUntil != "" {
				t.Errorf("RetainUntil = nil, want %s", tt.retainUntil)
			}
			d, err := Decode(v.Payload)
			if err != nil {
				t.Fatal(err)
			}
			if d.V != 1 || d.Kind != tt.kind || d.Code != testCode || d.OrderID != v.OrderID || d.Region != "110000" ||
				d.IssuedAt != "2026-11-15T10:04:05+08:00" {
				t.Errorf("common fields %+v", d)
			}
			if (d.RetainUntil == nil) != (tt.retainUntil == "") || (d.RetainUntil != nil && *d.RetainUntil != tt.retainUntil) {
				t.Errorf("payload retain_until %v, want %q", d.RetainUntil, tt.retainUntil)
			}
			tt.check(t, d)
		})
	}
}

func TestBuildOptionalFacts(t *testing.T) {
	f := testFacts()
	f.Lines = []Line{{Insurance: "390", Name: "城乡居民基本医疗保险", Period: "2027", AmountFen: 40000}}
	f.Total, f.PayerName = 40000, "李*" // a child paying for a parent
	f.Reviewer, f.Issuer = "王*", "赵*"
	a, err := Build(AcceptanceReceipt, f, Numbers{}, "v1", testCode, testNow)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := Decode(a.Payload)
	if d.Acceptance.BusinessType != "城乡居民社保缴费" || d.Acceptance.Payer != "李*" || d.Acceptance.Insured.Name != "张*" {
		t.Errorf("resident proxy payment: %+v", d.Acceptance)
	}
	r, err := Build(FiscalReceipt, f, testNumbers, "v2", testCode, testNow)
	if err != nil {
		t.Fatal(err)
	}
	d, _ = Decode(r.Payload)
	if d.Fiscal.Reviewer != "王*" || d.Fiscal.Issuer != "赵*" || d.Fiscal.Items[0].Rate != "" || d.Fiscal.Total.Capital != "肆佰元整" {
		t.Errorf("fiscal: %+v", d.Fiscal)
	}
	f.BusinessType = "城乡居民基本医疗保险参保缴费"
	a, _ = Build(AcceptanceReceipt, f, Numbers{}, "v3", testCode, testNow)
	if d, _ = Decode(a.Payload); d.Acceptance.BusinessType != f.BusinessType {
		t.Errorf("business type not taken from facts: %q", d.Acceptance.BusinessType)
	}
	f.AgencyName = `<b>"A&B"</b>`
	x, _ := Build(TransactionStatement, f, Numbers{}, "v4", testCode, testNow)
	if !bytes.Contains(x.Payload, []byte(`"payee":"<b>\"A&B\"</b>"`)) {
		t.Errorf("HTML escaped or quotes not escaped: %s", x.Payload)
	}
}

func TestBuildRejects(t *testing.T) {
	tests := []struct {
		name   string
		kind   Kind
		mutate func(f *Facts, n *Numbers, code *string, now *time.Time)
	}{
		{"unknown kind", Kind("invoice"), func(*Facts, *Numbers, *string, *time.Time) {}},
		{"no order id", FiscalReceipt, func(f *Facts, _ *Numbers, _ *string, _ *time.Time) { f.OrderID = " " }},
		{"lines do not add up", FiscalReceipt, func(f *Facts, _ *Numbers, _ *string, _ *time.Time) { f.Total++ }},
		{"no lines", AcceptanceReceipt, func(f *Facts, _ *Numbers, _ *string, _ *time.Time) { f.Lines = nil }},
		{"full id number", AcceptanceReceipt, func(f *Facts, _ *Numbers, _ *string, _ *time.Time) { f.InsuredIDMasked = "110101199001011234" }},
		{"short bill code", FiscalReceipt, func(_ *Facts, n *Numbers, _ *string, _ *time.Time) { n.BillCode = "1106012" }},
		{"no bill number", FiscalReceipt, func(_ *Facts, n *Numbers, _ *string, _ *time.Time) { n.BillNumber = "" }},
		{"credit code with O", FiscalReceipt, func(f *Facts, _ *Numbers, _ *string, _ *time.Time) { f.AgencyCreditCode = "12110000MBO1234567" }},
		{"bad period", FiscalReceipt, func(f *Facts, _ *Numbers, _ *string, _ *time.Time) { f.Lines[0].Period = "2026-13" }},
		{"rate without base", FiscalReceipt, func(f *Facts, _ *Numbers, _ *string, _ *time.Time) { f.Lines[0].BaseFen = 0 }},
		{"bad rate", FiscalReceipt, func(f *Facts, _ *Numbers, _ *string, _ *time.Time) { f.Lines[0].Rate = "20%" }},
		{"zero line", FiscalReceipt, func(f *Facts, _ *Numbers, _ *string, _ *time.Time) { f.Lines[1].AmountFen, f.Total = 0, 145400 }},
		{"invalid UTF-8", FiscalReceipt, func(f *Facts, _ *Numbers, _ *string, _ *time.Time) { f.PayerName = "张\xff" }},
		{"bad region", TransactionStatement, func(f *Facts, _ *Numbers, _ *string, _ *time.Time) { f.Region = "11" }},
		{"no transaction id", TransactionStatement, func(f *Facts, _ *Numbers, _ *string, _ *time.Time) { f.TransactionID = "" }},
		{"not paid", TransactionStatement, func(f *Facts, _ *Numbers, _ *string, _ *time.Time) { f.PaidAt = time.Time{} }},
		{"not posted", AcceptanceReceipt, func(f *Facts, _ *Numbers, _ *string, _ *time.Time) { f.PostedAt = time.Time{} }},
		{"no acceptance number", AcceptanceReceipt, func(f *Facts, _ *Numbers, _ *string, _ *time.Time) { f.CorePostingRef = "" }},
		{"short code", FiscalReceipt, func(_ *Facts, _ *Numbers, c *string, _ *time.Time) { *c = "7KQ2M9XW" }},
		{"ambiguous code", FiscalReceipt, func(_ *Facts, _ *Numbers, c *string, _ *time.Time) { *c = "7KQ2M9XWZ4HTRC8PNVO0" }},
		{"no clock", FiscalReceipt, func(_ *Facts, _ *Numbers, _ *string, now *time.Time) { *now = time.Time{} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, n, code, now := testFacts(), testNumbers, testCode, testNow
			tt.mutate(&f, &n, &code, &now)
			if v, err := Build(tt.kind, f, n, "v1", code, now); err == nil {
				t.Fatalf("Build accepted it:\n%s", v.Payload)
			}
		})
	}
}

func TestNewCode(t *testing.T) {
	seq := bytes.NewReader(bytes.Repeat([]byte{0, 31, 32, 255, 7}, 4))
	code, err := NewCode(seq)
	if err != nil || code != "2Z2Z92Z2Z92Z2Z92Z2Z9" {
		t.Fatalf("NewCode = %q, %v", code, err)
	}
	if checkCode(code) != nil || strings.ContainsAny(code, "01IO") {
		t.Errorf("code %q is not acceptable to Build", code)
	}
	if _, err := NewCode(iotest.ErrReader(errors.New("no entropy"))); err == nil {
		t.Error("NewCode ignored a failing random source")
	}
}

func TestCheckCode(t *testing.T) {
	a := CheckCode("11060126", "0000012345", 216646)
	if len(a) != 6 || strings.Trim(a, "0123456789abcdef") != "" {
		t.Fatalf("CheckCode = %q, want 6 hex digits", a)
	}
	if a != CheckCode("11060126", "0000012345", 216646) {
		t.Error("CheckCode is not deterministic")
	}
	for _, b := range []string{CheckCode("11060126", "0000012346", 216646), CheckCode("11060126", "0000012345", 216647)} {
		if a == b {
			t.Errorf("CheckCode does not depend on every input: %s", a)
		}
	}
}
