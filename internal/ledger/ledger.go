// Package ledger is shebao's double-entry book of money movements. Every
// movement (a payment received, a contribution credited to its fund, a
// refund) is a posting: a set of entries in signed int64 fen between named
// accounts that sums to zero. Postings are keyed by (order, kind), so one
// movement can be recorded once and only once; `shebao audit` checks the
// whole book.
package ledger

import (
	"errors"
	"fmt"
	"sort"

	"github.com/shebao-project/shebao/internal/money"
)

// Kind names a movement; each happens at most once per order.
type Kind string

// The movements of an order's life.
const (
	Received      Kind = "received"       // the provider confirmed the payment
	Credited      Kind = "credited"       // the contribution was posted to its funds
	RefundPending Kind = "refund_pending" // a refund was decided: the money is owed back
	Refunded      Kind = "refunded"       // the provider paid it back
)

// Accounts. Signs: a debit (+) increases an asset or decreases a liability.
const (
	// Clearing holds what a provider has collected for us and not yet
	// settled or refunded (per channel: "clearing:wechatpay").
	clearingPrefix = "clearing:"
	// Unposted is money received for contributions not yet accepted by the
	// agency's core system (收款待入账): a liability to the payer until then.
	Unposted = "unposted"
	// Fund accounts are the fiscal non-tax accounts per region and insurance
	// type ("fund:110000:110"), where credited contributions go.
	fundPrefix = "fund:"
	// RefundPayable is money owed back to a payer whose refund is under way.
	RefundPayable = "refund_payable"
)

// Clearing returns the clearing account of a channel.
func Clearing(channel string) string { return clearingPrefix + channel }

// Fund returns the fund account of a region's insurance type.
func Fund(region, insurance string) string { return fundPrefix + region + ":" + insurance }

// Entry is one line of a posting: a debit when positive, a credit when negative.
type Entry struct {
	Account string
	Amount  money.Fen
}

// Posting is a balanced movement of one order's money.
type Posting struct {
	OrderID string
	Kind    Kind
	Entries []Entry
}

// ErrUnbalanced reports a posting whose entries do not sum to zero.
var ErrUnbalanced = errors.New("ledger: posting does not balance")

// Check verifies a posting: entries present, none zero, sum zero, no overflow.
func (p Posting) Check() error {
	if len(p.Entries) < 2 {
		return fmt.Errorf("ledger: %s/%s has %d entries", p.OrderID, p.Kind, len(p.Entries))
	}
	amounts := make([]money.Fen, len(p.Entries))
	for i, e := range p.Entries {
		if e.Amount == 0 || e.Account == "" {
			return fmt.Errorf("ledger: %s/%s entry %d is empty", p.OrderID, p.Kind, i)
		}
		amounts[i] = e.Amount
	}
	sum, err := money.Sum(amounts...)
	if err != nil {
		return err
	}
	if sum != 0 {
		return fmt.Errorf("%w: %s/%s sums to %d fen", ErrUnbalanced, p.OrderID, p.Kind, sum)
	}
	return nil
}

// Receive records a payment of amount through channel.
func Receive(orderID, channel string, amount money.Fen) Posting {
	return Posting{OrderID: orderID, Kind: Received, Entries: []Entry{
		{Clearing(channel), amount}, {Unposted, -amount},
	}}
}

// Line is one contribution of a credited order.
type Line struct {
	Region, Insurance string
	Amount            money.Fen
}

// Credit moves a posted order's money from unposted to its funds, one entry
// per fund (lines of the same fund are added together, in a stable order).
func Credit(orderID string, lines []Line) Posting {
	byFund := map[string]money.Fen{}
	var total money.Fen
	for _, l := range lines {
		byFund[Fund(l.Region, l.Insurance)] += l.Amount
		total += l.Amount
	}
	funds := make([]string, 0, len(byFund))
	for f := range byFund {
		funds = append(funds, f)
	}
	sort.Strings(funds)
	p := Posting{OrderID: orderID, Kind: Credited, Entries: []Entry{{Unposted, total}}}
	for _, f := range funds {
		p.Entries = append(p.Entries, Entry{f, -byFund[f]})
	}
	return p
}

// OweRefund records that an uncredited order's money is to go back.
func OweRefund(orderID string, amount money.Fen) Posting {
	return Posting{OrderID: orderID, Kind: RefundPending, Entries: []Entry{
		{Unposted, amount}, {RefundPayable, -amount},
	}}
}

// PayRefund records that the provider paid the refund back.
func PayRefund(orderID, channel string, amount money.Fen) Posting {
	return Posting{OrderID: orderID, Kind: Refunded, Entries: []Entry{
		{RefundPayable, amount}, {Clearing(channel), -amount},
	}}
}
