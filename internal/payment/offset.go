package payment

import (
	"context"
	"errors"
	"time"

	"github.com/shebao-project/shebao/internal/money"
)

// OffsetChannel is the family mutual-aid offset (家庭共济, Guangdong and
// Zhejiang; 国办发〔2021〕14号): the payer pays a close relative's resident
// medical contribution (390) from the payer's own employee medical personal
// account, which the agency's core system keeps. The payer acts under the
// relative's family grant; the core system debits the account (once, by our
// order id), and the order goes on to posting and vouchers like any paid
// order. A refund reverses the debit.
const OffsetChannel = "family_offset"

// JobOffsetDebit settles an offset order whose debit's outcome is not yet
// known (ref = order id): it asks the core system, debits again (the same
// id is the same debit) while the order is open, and voids the debit id
// once it has expired, so that a late debit can never take the money.
const JobOffsetDebit = "payment.offset_debit"

// OffsetTerms are a region's offset rules from its policy pack: the
// insurance codes that may be offset and the grant relationships allowed.
type OffsetTerms struct {
	Insurances    []string
	Relationships []string
}

// OffsetRules tells whether and on what terms a region offers the offset.
type OffsetRules interface {
	OffsetTerms(region string, at time.Time) (OffsetTerms, bool)
}

// MedicalAccounts is the core system's side of the employee medical
// personal accounts (职工医保个人账户).
type MedicalAccounts interface {
	// Balance is the account balance of the holder with this ID number;
	// ErrNoMedicalAccount if the core system keeps no account for them.
	Balance(ctx context.Context, idNumber string) (money.Fen, error)
	// Debit takes money from the holder's account for a relative's
	// contribution. The same DebitID is the same debit: a retry never
	// takes twice. A refusal (not enough balance, no account, the id
	// voided) is a result with Debited false; an error means the outcome
	// is unknown and must be settled by LookupDebit or another Debit.
	Debit(ctx context.Context, r AccountDebit) (*DebitResult, error)
	// LookupDebit tells whether the core system took a debit:
	// ErrDebitNotFound if it did not.
	LookupDebit(ctx context.Context, debitID string) (*DebitResult, error)
	// Reverse puts a debit's money back (a refund), idempotently by
	// DebitID. For a debit the core system never took, it voids the id
	// so that the debit can no longer be taken, and answers Reversed
	// false, Voided true.
	Reverse(ctx context.Context, r AccountReversal) (*ReversalResult, error)
	// DebitStatement lists the debits the core system took on a day
	// (YYYY-MM-DD, Beijing time), with their reversals: what
	// ReconcileOffsets compares with our orders.
	DebitStatement(ctx context.Context, date string) ([]DebitRow, error)
}

// ErrDebitNotFound is the core system's word that it took no such debit.
var ErrDebitNotFound = errors.New("payment: core system has no such debit")

// ErrNoMedicalAccount is the core system's word that the person has no
// employee medical personal account.
var ErrNoMedicalAccount = errors.New("payment: no employee medical personal account")

// AccountDebit is one offset: the holder's account pays the beneficiary's
// bills.
type AccountDebit struct {
	DebitID             string        `json:"debit_id"`
	Region              string        `json:"region"`
	HolderIDNumber      string        `json:"holder_id_number"`
	HolderName          string        `json:"holder_name"`
	BeneficiaryIDNumber string        `json:"beneficiary_id_number"`
	BeneficiaryName     string        `json:"beneficiary_name"`
	AmountFen           money.Fen     `json:"amount_fen"`
	Lines               []PostingLine `json:"lines"`
}

// Reasons the core system refuses a debit.
const (
	DebitInsufficient = "INSUFFICIENT_BALANCE"
	DebitNoAccount    = "NO_ACCOUNT"
	DebitVoided       = "VOIDED"
)

// DebitResult is the core system's answer about a debit.
type DebitResult struct {
	DebitID    string    `json:"debit_id"`
	Debited    bool      `json:"debited"`
	Ref        string    `json:"ref,omitempty"`
	FailCode   string    `json:"fail_code,omitempty"`
	BalanceFen money.Fen `json:"balance_fen"`
	At         time.Time `json:"at"`
}

// AccountReversal gives a debit's money back to the holder's account.
type AccountReversal struct {
	DebitID    string    `json:"debit_id"`
	ReversalID string    `json:"reversal_id"`
	AmountFen  money.Fen `json:"amount_fen"`
	Reason     string    `json:"reason"`
}

// ReversalResult is the core system's answer to a reversal.
type ReversalResult struct {
	Reversed   bool      `json:"reversed"`
	Voided     bool      `json:"voided"`
	Ref        string    `json:"ref,omitempty"`
	BalanceFen money.Fen `json:"balance_fen"`
	At         time.Time `json:"at"`
}

// offsetDeps are the offset's collaborators; the channel is offered only
// when both are set.
type offsetDeps struct {
	accounts MedicalAccounts
	rules    OffsetRules
}

// offsetTerms returns the region's offset terms now, if the offset is
// offered there and the core system's accounts are reachable.
func (s *Service) offsetTerms(region string) (OffsetTerms, bool) {
	if s.off.accounts == nil || s.off.rules == nil {
		return OffsetTerms{}, false
	}
	return s.off.rules.OffsetTerms(region, s.now())
}

// isOffsetOrder reports whether the order is paid from a medical personal
// account.
func isOffsetOrder(o Order) bool { return o.Channel == OffsetChannel }
