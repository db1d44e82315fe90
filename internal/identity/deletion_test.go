package identity_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/voucher"
)

func TestKeptAfterDeletion(t *testing.T) {
	now := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	issued := time.Date(2026, 8, 31, 10, 0, 0, 0, time.UTC) // 18:00 CST, 31 August
	all := map[voucher.Kind]time.Time{voucher.FiscalReceipt: issued, voucher.AcceptanceReceipt: issued, voucher.TransactionStatement: issued}
	date := func(y int, m time.Month, d int) string {
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
	}
	tests := []struct {
		name   string
		latest map[voucher.Kind]time.Time
		want   map[string]string // item → term, or the until date in CST
	}{
		{"NoVouchers", nil, map[string]string{
			"insured_record": identity.TermRegister, "orders_ledger": identity.TermLongTerm, "audit_log": date(2027, 5, 27)}},
		{"AllKinds", all, map[string]string{
			"insured_record": identity.TermRegister, "orders_ledger": identity.TermLongTerm,
			"fiscal_receipt":     identity.TermLongTerm,
			"acceptance_receipt": date(2028, 8, 31),
			// 31 August + 18 months rolls over to 2 March (voucher.Kind.RetainUntil).
			"transaction_statement": date(2028, 3, 2),
			"evidence_log":          identity.TermLongTerm, "audit_log": date(2027, 5, 27)}},
	}
	cst := time.FixedZone("CST", 8*3600)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kept := identity.KeptAfterDeletion(now, tt.latest)
			got := map[string]string{}
			for _, k := range kept {
				if k.Title == "" || k.TitleEn == "" || k.Basis == "" || k.BasisEn == "" {
					t.Errorf("%s: a title or basis is missing: %+v", k.Item, k)
				}
				switch {
				case k.Term == identity.TermUntil && k.Until != nil:
					got[k.Item] = k.Until.In(cst).Format("2006-01-02")
				case k.Term != identity.TermUntil && k.Until == nil:
					got[k.Item] = k.Term
				default:
					t.Errorf("%s: term %q with until %v", k.Item, k.Term, k.Until)
				}
			}
			if len(got) != len(kept) || len(got) != len(tt.want) {
				t.Errorf("items %v, want %v", got, tt.want)
			}
			for item, want := range tt.want {
				if got[item] != want {
					t.Errorf("%s: %q, want %q", item, got[item], want)
				}
			}
		})
	}
}

// TestBlockingStates: every state that refuses a deletion is a real order
// state, and every state an order can rest in without money moving lets
// the deletion through.
func TestBlockingStates(t *testing.T) {
	blocking := identity.BlockingStates()
	tests := []struct {
		state payment.State
		block bool
	}{
		{payment.Created, true}, {payment.AwaitingPayment, true}, {payment.Paid, true}, {payment.Posting, true},
		{payment.Held, true}, {payment.Refunding, true},
		{payment.Credited, false}, {payment.Closed, false}, {payment.Failed, false}, {payment.Refunded, false},
	}
	if len(blocking) != 6 {
		t.Errorf("BlockingStates = %v, want the 6 listed here", blocking)
	}
	for _, tt := range tests {
		if got := slices.Contains(blocking, string(tt.state)); got != tt.block {
			t.Errorf("%s blocks: %v, want %v", tt.state, got, tt.block)
		}
	}
}

func TestErasedSummary(t *testing.T) {
	tests := []struct {
		e    identity.Erased
		want []string
	}{
		{identity.Erased{}, []string{"wechat=0", "pin=0", "grants_revoked=0"}},
		{identity.Erased{WeChatBindings: 2, ECardPIN: 1, Sessions: 3, GrantsRevoked: 1}, []string{"wechat=2", "pin=1", "sessions=3", "grants_revoked=1"}},
	}
	for _, tt := range tests {
		got := tt.e.Summary()
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("Summary() = %q, lacks %q", got, w)
			}
		}
	}
}
