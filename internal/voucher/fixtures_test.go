package voucher

import (
	"bytes"
	"crypto/rand"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
)

// testNow is the fixed clock of these tests: 2026-11-15 10:04:05 in Beijing,
// given in UTC with nanoseconds to prove Build converts and truncates.
var testNow = time.Date(2026, 11, 15, 2, 4, 5, 123456789, time.UTC)

const testCode = "7KQ2M9XWZ4HTRC8PNVB3"

var testNumbers = Numbers{BillCode: "11060126", BillNumber: "0000012345"}

// testFacts is a Beijing flexible worker paying one month of pension and
// medical insurance for themself.
func testFacts() Facts {
	return Facts{
		OrderID:          "ord_01JD5Z8QW3",
		OutTradeNo:       "SB20261115100358A1B2",
		TransactionID:    "4200002345202611151234567890",
		Channel:          "wechatpay",
		ChannelName:      "微信支付",
		PaidAt:           time.Date(2026, 11, 15, 10, 3, 58, 0, cst),
		PostedAt:         time.Date(2026, 11, 15, 10, 4, 2, 0, cst),
		PayerName:        "张*",
		InsuredName:      "张*",
		InsuredIDMasked:  "110***********1234",
		Region:           "110000",
		AgencyName:       "北京市社会保险基金管理中心（沙箱）",
		AgencyCreditCode: "12110000MB01234567",
		Lines: []Line{
			{Insurance: "110", Name: "企业职工基本养老保险", Period: "2026-11", BaseFen: 727000, Rate: "0.20", AmountFen: 145400},
			{Insurance: "310", Name: "职工基本医疗保险", Period: "2026-11", BaseFen: 727000, Rate: "0.098", AmountFen: 71246},
		},
		Total:          216646,
		CorePostingRef: "SL1100002026111500012345",
	}
}

// mustBuild builds kind from the fixture facts.
func mustBuild(t *testing.T, k Kind) *Voucher {
	t.Helper()
	v, err := Build(k, testFacts(), testNumbers, "vch_"+string(k), testCode, testNow)
	if err != nil {
		t.Fatalf("Build(%s): %v", k, err)
	}
	return v
}

// newTestSigner makes a signer with a fresh key; keys are random, which is
// fine because no test compares signature bytes.
func newTestSigner(t *testing.T) *Signer {
	t.Helper()
	key, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return NewSigner(key)
}

// mustSign builds and signs kind.
func mustSign(t *testing.T, s *Signer, k Kind) *Voucher {
	t.Helper()
	v := mustBuild(t, k)
	if err := s.Sign(rand.Reader, v); err != nil {
		t.Fatalf("Sign(%s): %v", k, err)
	}
	return v
}

// replaceOnce swaps the first old for new in a copy of b, failing the test if
// old is absent, so a tampering test cannot silently tamper with nothing.
func replaceOnce(t *testing.T, b []byte, old, new string) []byte {
	t.Helper()
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("payload lacks %q:\n%s", old, b)
	}
	return bytes.Replace(b, []byte(old), []byte(new), 1)
}
