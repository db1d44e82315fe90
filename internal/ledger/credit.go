package ledger

import "github.com/shebao-project/shebao/internal/money"

// CreditReceivable is what people owe for contributions paid by credit pay
// (社保信用付) and not yet collected: an asset, so a debit when a credit is
// extended and a credit when it is repaid. `shebao audit` checks that its
// balance equals the credits outstanding.
const CreditReceivable = "credit_receivable"

// Repaid is the movement that settles an order's credit.
const Repaid Kind = "repaid"

// Extend records an order paid by credit: the money is owed by the person,
// and stands in unposted until the core system accepts the contribution,
// exactly as a received payment does (Credit then moves it to the funds, so
// the order as a whole is Dr credit receivable / Cr fund accounts).
func Extend(orderID string, amount money.Fen) Posting {
	return Posting{OrderID: orderID, Kind: Received, Entries: []Entry{
		{CreditReceivable, amount}, {Unposted, -amount},
	}}
}

// Repay records a credit collected through channel: the provider holds the
// money now, and the person no longer owes it.
func Repay(orderID, channel string, amount money.Fen) Posting {
	return Posting{OrderID: orderID, Kind: Repaid, Entries: []Entry{
		{Clearing(channel), amount}, {CreditReceivable, -amount},
	}}
}
