package ledger

import "github.com/shebao-project/shebao/internal/money"

// MedicalAccountOffset is what the core system has taken from employee
// medical personal accounts for family offsets (家庭共济) and not given back:
// an asset like a channel's clearing account, since the agency's medical
// fund owes the contribution funds that money. A debit when an account is
// debited, a credit when the debit is reversed. `shebao audit` checks that
// its balance equals the offset orders whose debit stands.
const MedicalAccountOffset = "medical_account_offset"

// OffsetDebit records an order paid from a medical personal account: the
// money stands in unposted until the core system accepts the contribution,
// exactly as a received payment does.
func OffsetDebit(orderID string, amount money.Fen) Posting {
	return Posting{OrderID: orderID, Kind: Received, Entries: []Entry{
		{MedicalAccountOffset, amount}, {Unposted, -amount},
	}}
}

// OffsetReverse records a refund paid by reversing the debit: the money owed
// back goes back into the holder's personal account.
func OffsetReverse(orderID string, amount money.Fen) Posting {
	return Posting{OrderID: orderID, Kind: Refunded, Entries: []Entry{
		{RefundPayable, amount}, {MedicalAccountOffset, -amount},
	}}
}
