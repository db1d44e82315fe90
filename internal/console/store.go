package console

import (
	"context"
	"time"

	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/payment"
)

// Masked are a person's identifiers as lists show them (张*, 110***…1234,
// 138****0001): the masked copies stored with the person, never opened.
type Masked struct {
	Name, IDNumber, Phone string
}

// OrderRow is an order as the console lists it.
type OrderRow struct {
	ID, OutTradeNo    string
	PersonID, PayerID string
	Region, Channel   string
	State             payment.State
	AmountFen         money.Fen
	HoldReason        string
	HoldUntil         time.Time
	CreatedAt, PaidAt time.Time
	Person, Payer     Masked
}

// RefundRow is a refund with its order's payer.
type RefundRow struct {
	payment.Refund
	OutTradeNo string
	Payer      Masked
	// Earlier are a failed refund's earlier attempts (filled by the page).
	Earlier []payment.RefundAttempt
}

// RetryRow is a posting to the core system that failed and is being retried.
type RetryRow struct {
	JobID     int64
	Attempts  int
	LastError string
	NextRun   time.Time
	Since     time.Time // when the job was first scheduled
	Order     OrderRow
}

// DiffKey names one reconciliation difference.
type DiffKey struct {
	Channel, Date, OutTradeNo, Kind string
}

// CollectionRow is credited contributions of one Beijing day, region,
// channel and insurance type.
type CollectionRow struct {
	Date, Region, Channel, Insurance string
	Orders                           int
	AmountFen                        money.Fen
}

// Attempts counts orders created in a period, how many were paid, how many
// of those a family member paid for another person (亲属代缴), and how long
// paying took per channel.
type Attempts struct {
	Created, Paid int
	Proxy         int
	// Payers is how many people paid, CarePayers how many of them use care
	// mode (关怀模式, seed §7).
	Payers, CarePayers int
	Handling           []ChannelHandling
}

// ChannelHandling is how long people took, on average, from starting a
// payment to paying it on a channel (seed §6 compares 3–5 minutes online
// with 30–60 at a counter).
type ChannelHandling struct {
	Channel    string
	Orders     int
	AvgSeconds int64
}

// Store is the storage the console reads (and the few rows it changes
// itself); drivers translate errors to the store sentinels.
type Store interface {
	// PersonMasked returns a person's masked identifiers.
	PersonMasked(ctx context.Context, personID string) (Masked, error)
	HeldOrders(ctx context.Context, limit int) ([]OrderRow, error)
	Refunds(ctx context.Context, limit int) ([]RefundRow, error)
	// FindOrder finds an order by its id or its out_trade_no.
	FindOrder(ctx context.Context, key string) (OrderRow, error)
	RefundForOrder(ctx context.Context, orderID string) (payment.Refund, error)
	// RefundAttempts lists a refund's earlier attempts, oldest first.
	RefundAttempts(ctx context.Context, orderID string) ([]payment.RefundAttempt, error)
	OpenDiffs(ctx context.Context, limit int) ([]payment.Diff, error)
	// ResolveDiff marks a difference resolved; store.ErrNotFound if it is
	// not an open one.
	ResolveDiff(ctx context.Context, k DiffKey, action, by string, at time.Time) error
	// FailingPostings lists unfinished core-system postings that failed at
	// least once, the oldest first.
	FailingPostings(ctx context.Context, limit int) ([]RetryRow, error)
	// RunPostingNow moves a waiting posting job's next attempt to at.
	RunPostingNow(ctx context.Context, jobID int64, at time.Time) error
	Collections(ctx context.Context, from, to time.Time) ([]CollectionRow, error)
	PaymentAttempts(ctx context.Context, from, to time.Time) (Attempts, error)
}
