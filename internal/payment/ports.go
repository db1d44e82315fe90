package payment

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/shebao-project/shebao/internal/auditlog"
	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/evidence"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/ledger"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/voucher"
)

// Provider is a payment channel's provider (WeChat Pay; later the social
// security card financial account). Adapters translate the provider's
// protocol into these calls and never let its types leak out.
type Provider interface {
	// Prepay creates the provider-side order and returns what the client
	// needs to pay it. Calling it again with the same request returns the
	// same provider order (WeChat Pay answers identical prepay requests
	// with a current prepay_id).
	Prepay(ctx context.Context, r PrepayRequest) (*PayParams, error)
	// Query asks the provider for the order's state: ErrProviderNotFound if
	// the provider has no such order.
	Query(ctx context.Context, outTradeNo string) (*ProviderTxn, error)
	// Close closes an unpaid provider order: ErrAlreadyPaid if it was paid.
	Close(ctx context.Context, outTradeNo string) error
	// ParseNotification verifies and decrypts a notification request;
	// anything unverifiable is an error wrapping ErrBadNotification.
	ParseNotification(ctx context.Context, r *http.Request) (*Notification, error)
	// Refund asks for money back by the original route. The same
	// OutRefundNo always means the same refund, so retrying is safe.
	// Accepted is not done: the answer is usually PROCESSING.
	Refund(ctx context.Context, r RefundRequest) (*RefundStatus, error)
	// QueryRefund asks how a refund stands.
	QueryRefund(ctx context.Context, outRefundNo string) (*RefundStatus, error)
	// ParseRefundNotification verifies and decrypts a refund notification.
	ParseRefundNotification(ctx context.Context, r *http.Request) (*RefundStatus, string, error)
	// TradeBill downloads the provider's record of one day's trades (date
	// YYYY-MM-DD, Beijing time): nil when there was no trade.
	TradeBill(ctx context.Context, date string) ([]BillRow, error)
}

// BillSharer is implemented by providers whose channels share one trade
// bill (WeChat Pay's JSAPI and Native are one merchant account): such
// channels are reconciled together, once per account and day.
type BillSharer interface {
	BillAccount() string
}

// BillRow is one line of a provider's daily trade bill.
type BillRow struct {
	At            time.Time
	OutTradeNo    string
	TransactionID string
	State         string // SUCCESS for a payment, REFUND for a refund
	AmountFen     money.Fen
	OutRefundNo   string
	RefundFen     money.Fen
}

// RefundRequest is a full refund of an order.
type RefundRequest struct {
	OutTradeNo  string
	OutRefundNo string
	AmountFen   money.Fen
	TotalFen    money.Fen
	Reason      string
}

// Refund states as providers report them.
const (
	RefundProcessing = "PROCESSING"
	RefundSuccess    = "SUCCESS"
	RefundClosed     = "CLOSED"
	RefundAbnormal   = "ABNORMAL"
)

// RefundStatus is the provider's view of a refund.
type RefundStatus struct {
	OutRefundNo string
	RefundID    string
	Status      string
}

// PrepayRequest is what an order asks of its provider.
type PrepayRequest struct {
	OutTradeNo  string
	Description string
	AmountFen   money.Fen
	// App is the WeChat app the payer pays in (identity.AppOfficialAccount
	// or AppMiniProgram) and OpenID the payer's openid in it: JSAPI payment
	// is made with that app's id.
	App      string
	OpenID   string
	ExpireAt time.Time
}

// PayerAccountRequired is implemented by providers that can only take a
// payment from a payer known to them (WeChat Pay JSAPI: an openid in the
// app the payer pays in); orders for a payer without one are refused
// before anything is written.
type PayerAccountRequired interface {
	RequiresOpenID() bool
}

// PayParams are what a client needs to complete the payment: the JSAPI /
// mini-program parameters for wx.requestPayment (names as WeChat's), and in
// demo mode the sandbox cashier's address.
type PayParams struct {
	PrepayID  string `json:"prepay_id"`
	AppID     string `json:"appId"`
	TimeStamp string `json:"timeStamp"`
	NonceStr  string `json:"nonceStr"`
	Package   string `json:"package"`
	SignType  string `json:"signType"`
	PaySign   string `json:"paySign"`
	// CodeURL is Native payment's weixin:// link, shown as a QR code for
	// the person to scan on a PC; the JSAPI fields are then empty.
	CodeURL    string `json:"code_url,omitempty"`
	CashierURL string `json:"cashier_url,omitempty"`
}

// Provider trade states, as WeChat Pay names them.
const (
	TradeNotPay  = "NOTPAY"
	TradeSuccess = "SUCCESS"
	TradeClosed  = "CLOSED"
	TradeRefund  = "REFUND"
)

// ProviderTxn is the provider's view of an order.
type ProviderTxn struct {
	OutTradeNo    string
	TransactionID string
	TradeState    string
	AmountFen     money.Fen
	SuccessTime   time.Time
	MchID, AppID  string
	PayerOpenID   string
}

// Notification is a verified, decrypted provider notification.
type Notification struct {
	ID        string
	EventType string
	Txn       ProviderTxn
}

// Errors a Provider returns for outcomes the order logic acts on.
var (
	ErrProviderNotFound = errors.New("payment: provider has no such order")
	ErrAlreadyPaid      = errors.New("payment: provider order already paid")
	ErrBadNotification  = errors.New("payment: notification failed verification")
	ErrUnknownChannel   = errors.New("payment: no such payment channel")
	// ErrRefundNotFound is the provider's word that it has no refund under
	// an out_refund_no (it never accepted one): a new attempt is then safe.
	ErrRefundNotFound = errors.New("payment: provider has no such refund")
)

// Core is the agency's core contribution system (核心业务系统), where a paid
// contribution becomes a credited one. Post must be idempotent by PostingID.
type Core interface {
	Post(ctx context.Context, p CorePosting) (ref string, err error)
	// Lookup asks whether the core system has a posting (by PostingID) and
	// returns its reference; ErrPostingNotFound when it has none.
	Lookup(ctx context.Context, postingID string) (ref string, err error)
}

// ErrPostingNotFound is the core system's word that it has no such posting.
var ErrPostingNotFound = errors.New("payment: core system has no such posting")

// CorePosting is one order's contributions as the core system receives them.
type CorePosting struct {
	PostingID     string        `json:"posting_id"`
	Region        string        `json:"region"`
	IDNumber      string        `json:"id_number"`
	Name          string        `json:"name"`
	TransactionID string        `json:"transaction_id"`
	PaidAt        time.Time     `json:"paid_at"`
	TotalFen      money.Fen     `json:"total_fen"`
	Lines         []PostingLine `json:"lines"`
}

// PostingLine is one bill in a posting.
type PostingLine struct {
	Insurance string    `json:"insurance"`
	Period    string    `json:"period"`
	BaseFen   money.Fen `json:"base_fen"`
	AmountFen money.Fen `json:"amount_fen"`
}

// Persons opens insured persons for postings and vouchers, and checks the
// family grants under which one pays for another.
type Persons interface {
	Person(ctx context.Context, id string) (*identity.Person, error)
	ActiveGrant(ctx context.Context, grantID, proxyID string, at time.Time) (*identity.Grant, error)
}

// Store is the storage payment needs, outside transactions.
type Store interface {
	InTx(ctx context.Context, fn func(Tx) error) error
	OrderByID(ctx context.Context, id string) (Order, error)
	OrderByOutTradeNo(ctx context.Context, outTradeNo string) (Order, error)
	OrderByIdempotencyKey(ctx context.Context, payerID, key string) (Order, error)
	OrdersForPerson(ctx context.Context, personID string, limit int) ([]Order, error)
	// OrderAttempts lists the orders that included any of the order's
	// bills (its own included), oldest first, at most limit.
	OrderAttempts(ctx context.Context, orderID string, limit int) ([]Order, error)
	OrderEvents(ctx context.Context, orderID string) ([]Event, error)
	NotificationSeen(ctx context.Context, provider, id string) (bool, error)
	BillsForPerson(ctx context.Context, personID string) ([]billing.Bill, error)
	BillsByIDs(ctx context.Context, ids []string) ([]billing.Bill, error)
	VouchersForOrder(ctx context.Context, orderID string) ([]voucher.Voucher, error)
	VouchersForPerson(ctx context.Context, personID string) ([]voucher.Voucher, error)
	VoucherByCode(ctx context.Context, code string) (voucher.Voucher, error)
	VoucherByID(ctx context.Context, id string) (voucher.Voucher, error)
	// FiscalReceiptByBillNumber finds a fiscal e-receipt by its bill code and
	// number (store.ErrNotFound if none).
	FiscalReceiptByBillNumber(ctx context.Context, billCode, billNumber string) (voucher.Voucher, error)
	RefundForOrder(ctx context.Context, orderID string) (Refund, error)
	// RefundByOutRefundNo finds a refund by any of its attempts' numbers;
	// for an earlier attempt, OutRefundNo, Attempt, Status, ProviderStatus
	// and RefundID are that attempt's.
	RefundByOutRefundNo(ctx context.Context, outRefundNo string) (Refund, error)
	// RefundAttempts lists an order's earlier refund attempts, oldest first.
	RefundAttempts(ctx context.Context, orderID string) ([]RefundAttempt, error)
	// OrdersPaidBetween lists a channel's orders whose payment arrived in [from, to).
	OrdersPaidBetween(ctx context.Context, channel string, from, to time.Time) ([]Order, error)
	// RecordDiff stores a reconciliation difference (the same one twice is kept once).
	RecordDiff(ctx context.Context, d Diff, at time.Time) error
	// ChannelUsedSince sums the payer's orders on a channel created since a
	// time that still count against a limit (not closed, failed or refunded).
	ChannelUsedSince(ctx context.Context, payerID, channel string, since time.Time) (money.Fen, error)
}

// Tx is the storage payment needs inside one transaction.
type Tx interface {
	auditlog.Store
	OrderByID(ctx context.Context, id string) (Order, error)
	OrderByOutTradeNo(ctx context.Context, outTradeNo string) (Order, error)
	InsertOrder(ctx context.Context, o Order) error
	// UpdateOrder stores o if the stored version is still o.Version-1;
	// store.ErrConflict otherwise (someone else changed it first).
	UpdateOrder(ctx context.Context, o Order) error
	InsertEvent(ctx context.Context, e Event) error
	// LockBills marks the bills as held by orderID; store.ErrConflict unless
	// every one is due and not held by another order.
	LockBills(ctx context.Context, orderID string, billIDs []string) error
	ReleaseBills(ctx context.Context, orderID string) error
	MarkBillsPaid(ctx context.Context, orderID string) error
	// InsertNotification records a notification id; store.ErrConflict if seen.
	InsertNotification(ctx context.Context, provider, id, eventType, outTradeNo string, at time.Time) error
	EnqueueJob(ctx context.Context, j jobs.Job) error
	// EnqueueJobOnce enqueues j unless a job of the same kind and ref exists.
	EnqueueJobOnce(ctx context.Context, j jobs.Job) error
	InsertVoucher(ctx context.Context, v voucher.Voucher) error
	// NextSequence returns the next value of a named counter (fiscal receipt numbers).
	NextSequence(ctx context.Context, name string) (int64, error)
	// RecordPosting stores a balanced ledger posting; the same order and
	// kind twice is store.ErrConflict.
	RecordPosting(ctx context.Context, p ledger.Posting, at time.Time) error
	// PayerActivity summarises the payer's other paid orders since a time.
	PayerActivity(ctx context.Context, payerID, personID, excludeOrder string, since time.Time) (Activity, error)
	InsertRefund(ctx context.Context, r Refund) error
	UpdateRefund(ctx context.Context, r Refund) error
	RefundForOrder(ctx context.Context, orderID string) (Refund, error)
	// RetryRefund keeps the refund's current attempt among its earlier
	// ones and starts attempt p.Attempt+1 under p.OutRefundNo;
	// store.ErrConflict unless the refund is still at p.Attempt and failed.
	RetryRefund(ctx context.Context, p RetryRefundParams) error
	RefundAttempts(ctx context.Context, orderID string) ([]RefundAttempt, error)
	UpdateRefundAttempt(ctx context.Context, a RefundAttempt) error
	// The evidence log's appends (ReserveEvidence, EvidenceNodes,
	// InsertEvidence), made in the crediting transaction.
	evidence.TxStore
}

// Refund is our record of giving an order's money back.
type Refund struct {
	OutRefundNo string
	OrderID     string
	AmountFen   money.Fen
	Reason      string
	Status      string // requested, processing, succeeded, failed
	RefundID    string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// Attempt counts the refund's attempts (1 until an operator retries a
	// failed one); OutRefundNo is the current attempt's.
	Attempt int
	// ProviderStatus is what the provider last said of the current attempt
	// (SUCCESS, PROCESSING, CLOSED, ABNORMAL, or REFUSED for none in 72 hours).
	ProviderStatus string
}

// RefundAttempt is an earlier attempt of a refund, kept so that a late word
// from the provider about it is still recognised and applied once.
type RefundAttempt struct {
	OutRefundNo    string
	OrderID        string
	Attempt        int
	Status         string // failed when superseded; succeeded if it paid out after all
	ProviderStatus string
	RefundID       string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// RetryRefundParams starts a new attempt of a failed refund.
type RetryRefundParams struct {
	OrderID     string
	Attempt     int    // the current attempt, which must have failed
	OutRefundNo string // the new attempt's
	Status      string // the new attempt's (requested)
	At          time.Time
}
