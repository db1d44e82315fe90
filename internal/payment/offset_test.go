package payment

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/money"
)

func offsetBill(id, insurance string, fen money.Fen) billing.Bill {
	return billing.Bill{ID: id, Insurance: insurance, Period: "2027", AmountFen: fen}
}

// TestOffsettable: only the insurance types the terms list may be offset;
// the first other bill is named, with the advice to pay it another way.
func TestOffsettable(t *testing.T) {
	terms := OffsetTerms{Insurances: []string{"390"}, Relationships: []string{"spouse", "parent", "child"}}
	tests := []struct {
		name  string
		bills []billing.Bill
		field string // "" for accepted
	}{
		{"one resident medical bill", []billing.Bill{offsetBill("a", "390", 40000)}, ""},
		{"two relatives' years", []billing.Bill{offsetBill("a", "390", 40000), offsetBill("b", "390", 38000)}, ""},
		{"pension alone", []billing.Bill{offsetBill("a", "110", 110200)}, "bill_ids[0]"},
		{"pension after medical", []billing.Bill{offsetBill("a", "390", 40000), offsetBill("b", "110", 110200)}, "bill_ids[1]"},
		{"resident pension", []billing.Bill{offsetBill("a", "170", 20000)}, "bill_ids[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := offsettable(tt.bills, terms)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var e *apperr.Error
			if !errors.As(err, &e) || e.Code != "offset_insurance_not_allowed" || e.Field != tt.field ||
				!strings.Contains(e.MessageEn, "another channel") || !strings.Contains(e.Message, "其他方式") {
				t.Fatalf("err = %+v, want offset_insurance_not_allowed on %s with the way out", err, tt.field)
			}
		})
	}
}

// TestOffsetBalanceRefusal: a balance too small is refused with the
// balance, the amount, and the bills it would cover taken in order.
func TestOffsetBalanceRefusal(t *testing.T) {
	bills := []billing.Bill{offsetBill("a", "390", 40000), offsetBill("b", "390", 38000), offsetBill("c", "390", 20000)}
	tests := []struct {
		balance money.Fen
		fits    []string
	}{
		{0, []string{}},
		{19999, []string{}},
		{20000, []string{"c"}},
		{40000, []string{"a"}},
		{60000, []string{"a", "c"}},
		{78000, []string{"a", "b"}},
	}
	for _, tt := range tests {
		err := errOffsetBalance(tt.balance, 98000, bills)
		var e *apperr.Error
		if !errors.As(err, &e) || e.Code != "offset_balance_insufficient" || e.Kind != apperr.Refused {
			t.Fatalf("balance %d: %v", tt.balance, err)
		}
		ref := e.Allowed.(OffsetRefusal)
		if ref.BalanceFen != tt.balance || ref.AmountFen != 98000 || !reflect.DeepEqual(ref.FitsBillIDs, tt.fits) {
			t.Errorf("balance %d: %+v, want fits %v", tt.balance, ref, tt.fits)
		}
		if !strings.Contains(e.Message, tt.balance.Display()) || !strings.Contains(e.MessageEn, tt.balance.Display()) {
			t.Errorf("balance %d: the message does not state the balance: %q / %q", tt.balance, e.Message, e.MessageEn)
		}
	}
}
