package ledger

import (
	"errors"
	"testing"

	"github.com/shebao-project/shebao/internal/money"
)

func TestPostingsBalance(t *testing.T) {
	tests := []struct {
		name string
		p    Posting
		want []Entry
	}{
		{"receive", Receive("o1", "wechatpay", 223916), []Entry{{"clearing:wechatpay", 223916}, {"unposted", -223916}}},
		{"credit two funds", Credit("o1", []Line{{"110000", "310", 78516}, {"110000", "110", 145400}}),
			[]Entry{{"unposted", 223916}, {"fund:110000:110", -145400}, {"fund:110000:310", -78516}}},
		{"credit same fund twice", Credit("o2", []Line{{"440100", "110", 110200}, {"440100", "110", 110200}}),
			[]Entry{{"unposted", 220400}, {"fund:440100:110", -220400}}},
		{"owe refund", OweRefund("o3", 500), []Entry{{"unposted", 500}, {"refund_payable", -500}}},
		{"pay refund", PayRefund("o3", "wechatpay", 500), []Entry{{"refund_payable", 500}, {"clearing:wechatpay", -500}}},
		{"extend credit", Extend("o4", 145400), []Entry{{"credit_receivable", 145400}, {"unposted", -145400}}},
		{"repay credit", Repay("o4", "ssc_account", 145400), []Entry{{"clearing:ssc_account", 145400}, {"credit_receivable", -145400}}},
		{"offset debit", OffsetDebit("o5", 40000), []Entry{{"medical_account_offset", 40000}, {"unposted", -40000}}},
		{"offset reversed", OffsetReverse("o5", 40000), []Entry{{"refund_payable", 40000}, {"medical_account_offset", -40000}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.p.Check(); err != nil {
				t.Fatal(err)
			}
			if len(tt.p.Entries) != len(tt.want) {
				t.Fatalf("entries %v, want %v", tt.p.Entries, tt.want)
			}
			for i := range tt.want {
				if tt.p.Entries[i] != tt.want[i] {
					t.Fatalf("entries %v, want %v", tt.p.Entries, tt.want)
				}
			}
		})
	}
}

func TestCheckRefuses(t *testing.T) {
	bad := []Posting{
		{OrderID: "o", Kind: Received, Entries: []Entry{{"a", 1}, {"b", -2}}},
		{OrderID: "o", Kind: Received, Entries: []Entry{{"a", 1}}},
		{OrderID: "o", Kind: Received, Entries: []Entry{{"a", 0}, {"b", 0}}},
		{OrderID: "o", Kind: Received, Entries: []Entry{{"", 1}, {"b", -1}}},
	}
	for i, p := range bad {
		if err := p.Check(); err == nil {
			t.Errorf("posting %d accepted", i)
		}
	}
	if err := bad[0].Check(); !errors.Is(err, ErrUnbalanced) {
		t.Errorf("unbalanced error = %v", err)
	}
	huge := Posting{OrderID: "o", Kind: Received, Entries: []Entry{{"a", money.Fen(1 << 62)}, {"b", money.Fen(1 << 62)}, {"c", money.Fen(1 << 62)}}}
	if err := huge.Check(); err == nil {
		t.Error("overflowing posting accepted")
	}
}
