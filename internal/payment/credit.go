package payment

import (
	"context"
	"time"

	"github.com/shebao-project/shebao/internal/money"
)

// CreditChannel is credit pay (社保信用付, Hangzhou): the contribution is
// credited at once and the money collected on a fixed day of the next
// month from the person's social security card account, under a debit
// mandate the person gave when signing the credit agreement.
const CreditChannel = "credit_pay"

// Job kinds of credit pay.
const (
	// JobCreditCollect collects one credit (ref = order id) on its due day
	// and on each retry.
	JobCreditCollect = "payment.credit_collect"
	// JobCardExcessRefund gives back a card debit that landed on a credit
	// no longer owed (ref = the debit's out_trade_no), and follows the
	// refund until it is final.
	JobCardExcessRefund = "payment.card_excess_refund"
)

// CreditTerms are a region's credit pay terms (from its policy pack).
type CreditTerms struct {
	LimitFen       money.Fen
	RepayDay       int // day of the month after the order, Beijing time
	Retries        int // attempts after the first before the credit is overdue
	RetryEveryDays int
}

// CreditRules tells whether and on what terms a region offers credit pay.
type CreditRules interface {
	CreditTerms(region string, at time.Time) (CreditTerms, bool)
}

// Agreement statuses.
const (
	AgreementActive    = "active"
	AgreementSuspended = "suspended" // a credit went overdue; no new credit until it is repaid
)

// CreditAgreement is a person's signed consent to credit pay: the limit
// agreed and the bank mandate under which repayments are debited.
type CreditAgreement struct {
	PersonID        string
	Region          string
	LimitFen        money.Fen
	MandateRef      string
	Status          string
	SuspendedReason string
	SignedAt        time.Time
	UpdatedAt       time.Time
}

// Credit statuses. Outstanding and overdue credits are owed: they count
// against the limit and make up the credit receivable account.
const (
	CreditOutstanding = "outstanding"
	CreditOverdue     = "overdue"
	CreditRepaid      = "repaid"
	CreditCancelled   = "cancelled" // the order's contribution was not credited after all
)

// Credit is one order paid by credit pay, and how its collection stands.
type Credit struct {
	OrderID       string
	PersonID      string
	AmountFen     money.Fen
	DueAt         time.Time // the first collection
	NextAttemptAt time.Time // zero once no attempt is scheduled
	Status        string
	Attempts      int
	LastFailure   string
	RepayChannel  string // the channel that collected it
	RepayTradeNo  string // its out_trade_no there
	RepayTxnID    string
	RepaidAt      time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
	Version       int
}

// Owed reports whether the credit is still owed.
func (c Credit) Owed() bool { return c.Status == CreditOutstanding || c.Status == CreditOverdue }

// CreditStore is the storage credit pay needs.
type CreditStore interface {
	// InCreditTx runs fn in one transaction with payment and credit writes.
	InCreditTx(ctx context.Context, fn func(CreditTx) error) error
	CreditAgreement(ctx context.Context, personID string) (CreditAgreement, error)
	CreditByOrder(ctx context.Context, orderID string) (Credit, error)
	CreditByRepayTradeNo(ctx context.Context, tradeNo string) (Credit, error)
	// CreditsForPerson lists a person's credits, newest first.
	CreditsForPerson(ctx context.Context, personID string) ([]Credit, error)
	// OverdueCredits lists overdue credits, oldest due first, for operators.
	OverdueCredits(ctx context.Context, limit int) ([]Credit, error)
	// FindRepayment finds a WeChat Pay repayment (store.ErrNotFound if none).
	FindRepayment(ctx context.Context, q RepaymentQuery) (Repayment, error)
	// RepaymentsForPerson lists a person's repayments, newest first.
	RepaymentsForPerson(ctx context.Context, personID string, limit int) ([]Repayment, error)
	// RepaymentRefundsOpen lists repayments with money to give back whose
	// refund has not succeeded (under way or failed), oldest first.
	RepaymentRefundsOpen(ctx context.Context, limit int) ([]Repayment, error)
	// CardExcess finds the card debit owed back under its out_trade_no
	// (store.ErrNotFound if none).
	CardExcess(ctx context.Context, tradeNo string) (CardExcess, error)
	// CardExcessesForPerson lists a person's card debits owed back, newest
	// first.
	CardExcessesForPerson(ctx context.Context, personID string) ([]CardExcess, error)
	// CardExcessesOpen lists card debits owed back whose refund has not
	// succeeded (under way or failed), oldest first, for operators.
	CardExcessesOpen(ctx context.Context, limit int) ([]CardExcess, error)
}

// CreditTx is a payment transaction that also writes credits.
type CreditTx interface {
	Tx
	// LockCreditAgreement reads the agreement for update, so that two
	// orders cannot both pass the limit check (store.ErrNotFound if none).
	LockCreditAgreement(ctx context.Context, personID string) (CreditAgreement, error)
	// PutCreditAgreement inserts or replaces the person's agreement.
	PutCreditAgreement(ctx context.Context, a CreditAgreement) error
	// CreditOwed sums the person's outstanding and overdue credits.
	CreditOwed(ctx context.Context, personID string) (money.Fen, error)
	InsertCredit(ctx context.Context, c Credit) error
	// UpdateCredit stores c if the stored version is c.Version-1;
	// store.ErrConflict otherwise.
	UpdateCredit(ctx context.Context, c Credit) error
	CreditByOrder(ctx context.Context, orderID string) (Credit, error)
	// CountOverdue counts the person's overdue credits.
	CountOverdue(ctx context.Context, personID string) (int, error)
	FindRepayment(ctx context.Context, q RepaymentQuery) (Repayment, error)
	// InsertRepayment stores a new repayment; store.ErrConflict if its
	// person and idempotency key (or its out_trade_no) are taken.
	InsertRepayment(ctx context.Context, r Repayment) error
	// UpdateRepayment stores r if the stored version is r.Version-1;
	// store.ErrConflict otherwise.
	UpdateRepayment(ctx context.Context, r Repayment) error
	CardExcess(ctx context.Context, tradeNo string) (CardExcess, error)
	// InsertCardExcess stores a card debit owed back; store.ErrConflict if
	// its trade number (or out_refund_no) is taken.
	InsertCardExcess(ctx context.Context, x CardExcess) error
	// UpdateCardExcess stores x if the stored version is x.Version-1;
	// store.ErrConflict otherwise.
	UpdateCardExcess(ctx context.Context, x CardExcess) error
}

// Collector collects credits by debits the holder authorised in advance
// (the card bank's mandated debit).
type Collector interface {
	// Channel names the channel whose clearing account receives the money.
	Channel() string
	// Mandate registers (idempotently, by Ref) the holder's authorisation
	// of debits up to MaxFen each.
	Mandate(ctx context.Context, m MandateRequest) error
	// Collect debits under a mandate; the same OutTradeNo is the same debit.
	// A refusal by the bank (no balance, frozen card, mandate revoked) is a
	// result with Paid false; an error means the outcome is unknown.
	Collect(ctx context.Context, r CollectRequest) (*CollectResult, error)
	// Refund gives back a collected debit (by its OutTradeNo) under the
	// caller's OutRefundNo: the same number is the same refund, so asking
	// again after a lost answer does not pay back twice. Accepted is not
	// done: the answer is usually PROCESSING.
	Refund(ctx context.Context, r RefundRequest) (*RefundStatus, error)
	// QueryRefund asks how such a refund stands (ErrRefundNotFound if the
	// bank never accepted it).
	QueryRefund(ctx context.Context, outRefundNo string) (*RefundStatus, error)
}

// MandateRequest is a holder's debit authorisation.
type MandateRequest struct {
	Ref       string
	HolderRef string
	MaxFen    money.Fen
}

// CollectRequest is one mandated debit.
type CollectRequest struct {
	OutTradeNo  string
	MandateRef  string
	HolderRef   string
	AmountFen   money.Fen
	Description string
}

// CollectResult is the bank's answer to a mandated debit.
type CollectResult struct {
	Paid          bool
	TransactionID string
	At            time.Time
	FailCode      string
}
