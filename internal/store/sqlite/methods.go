package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/shebao-project/shebao/internal/audit"
	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/voucher"
)

// The DB's methods route reads to the read pool and single-statement writes
// to the writer; multi-statement writes go through a transaction.

func (d *DB) reader() q { return q{db: cached{c: d.rs}, jobs: d.jobs} }
func (d *DB) writer() q { return q{db: cached{c: d.ws}, jobs: d.jobs} }

// Identity.

func (d *DB) CreatePerson(ctx context.Context, p identity.PersonRecord) error {
	return d.writer().CreatePerson(ctx, p)
}
func (d *DB) PersonByID(ctx context.Context, id string) (identity.PersonRecord, error) {
	return d.reader().PersonByID(ctx, id)
}
func (d *DB) PersonByPhoneIndex(ctx context.Context, idx []byte) (identity.PersonRecord, error) {
	return d.reader().PersonByPhoneIndex(ctx, idx)
}
func (d *DB) PersonByOpenID(ctx context.Context, app, openID string) (identity.PersonRecord, error) {
	return d.reader().PersonByOpenID(ctx, app, openID)
}
func (d *DB) CountPersons(ctx context.Context) (int, error) { return d.reader().CountPersons(ctx) }
func (d *DB) PutEnrolment(ctx context.Context, e identity.Enrolment) error {
	return d.writer().PutEnrolment(ctx, e)
}
func (d *DB) Enrolments(ctx context.Context, personID string) ([]identity.Enrolment, error) {
	return d.reader().Enrolments(ctx, personID)
}
func (d *DB) PutSMSCode(ctx context.Context, c identity.SMSCode) error {
	return d.shared(ctx, func(ctx context.Context, x q) error { return x.PutSMSCode(ctx, c) })
}
func (d *DB) SMSCodeFor(ctx context.Context, idx []byte) (identity.SMSCode, error) {
	return d.reader().SMSCodeFor(ctx, idx)
}
func (d *DB) AttemptSMSCode(ctx context.Context, idx []byte, now time.Time, max int) (c identity.SMSCode, err error) {
	err = d.shared(ctx, func(ctx context.Context, x q) error { c, err = x.AttemptSMSCode(ctx, idx, now, max); return err })
	return c, err
}
func (d *DB) ConsumeSMSCode(ctx context.Context, idx, mac []byte) (ok bool, err error) {
	err = d.shared(ctx, func(ctx context.Context, x q) error { ok, err = x.ConsumeSMSCode(ctx, idx, mac); return err })
	return ok, err
}
func (d *DB) CreateSession(ctx context.Context, s identity.Session) error {
	return d.shared(ctx, func(ctx context.Context, x q) error { return x.CreateSession(ctx, s) })
}
func (d *DB) SessionWithPerson(ctx context.Context, h []byte) (identity.Session, identity.PersonRecord, error) {
	return d.reader().SessionWithPerson(ctx, h)
}
func (d *DB) SessionByTokenHash(ctx context.Context, h []byte) (identity.Session, error) {
	return d.reader().SessionByTokenHash(ctx, h)
}
func (d *DB) ConfirmSession(ctx context.Context, h []byte, at time.Time) error {
	return d.writer().ConfirmSession(ctx, h, at)
}
func (d *DB) DeleteSession(ctx context.Context, h []byte) error {
	return d.writer().DeleteSession(ctx, h)
}
func (d *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	return d.writer().DeleteExpiredSessions(ctx, now)
}

// Billing.

func (d *DB) InsertBill(ctx context.Context, b billing.Bill) error {
	return d.writer().InsertBill(ctx, b)
}
func (d *DB) BillsForPerson(ctx context.Context, personID string) ([]billing.Bill, error) {
	return d.reader().BillsForPerson(ctx, personID)
}
func (d *DB) BillsByIDs(ctx context.Context, ids []string) ([]billing.Bill, error) {
	return d.reader().BillsByIDs(ctx, ids)
}

// Payment reads.

func (d *DB) OrderByID(ctx context.Context, id string) (payment.Order, error) {
	return d.reader().OrderByID(ctx, id)
}
func (d *DB) OrderByOutTradeNo(ctx context.Context, no string) (payment.Order, error) {
	return d.reader().OrderByOutTradeNo(ctx, no)
}
func (d *DB) OrderByIdempotencyKey(ctx context.Context, payerID, key string) (payment.Order, error) {
	return d.reader().OrderByIdempotencyKey(ctx, payerID, key)
}
func (d *DB) OrdersForPerson(ctx context.Context, personID string, limit int) ([]payment.Order, error) {
	return d.reader().OrdersForPerson(ctx, personID, limit)
}
func (d *DB) OrderEvents(ctx context.Context, orderID string) ([]payment.Event, error) {
	return d.reader().OrderEvents(ctx, orderID)
}
func (d *DB) NotificationSeen(ctx context.Context, provider, id string) (bool, error) {
	return d.reader().NotificationSeen(ctx, provider, id)
}
func (d *DB) VouchersForOrder(ctx context.Context, orderID string) ([]voucher.Voucher, error) {
	return d.reader().VouchersForOrder(ctx, orderID)
}
func (d *DB) VouchersForPerson(ctx context.Context, personID string) ([]voucher.Voucher, error) {
	return d.reader().VouchersForPerson(ctx, personID)
}
func (d *DB) VoucherByCode(ctx context.Context, code string) (voucher.Voucher, error) {
	return d.reader().VoucherByCode(ctx, code)
}
func (d *DB) VoucherByID(ctx context.Context, id string) (voucher.Voucher, error) {
	return d.reader().VoucherByID(ctx, id)
}

// Jobs.

func (d *DB) PendingJobs(ctx context.Context) (map[string]int, error) {
	return d.reader().PendingJobs(ctx)
}

// InTx runs fn in one write transaction.
func (d *DB) InTx(ctx context.Context, fn func(*Tx) error) error {
	err := d.inTx(ctx, func(tx *sql.Tx) error { return fn(&Tx{q{db: cached{c: d.ws, tx: tx}, jobs: d.jobs}}) })
	d.ws.preparePending(ctx)
	return err
}

// Payments adapts the DB to payment.Store.
func (d *DB) Payments() payment.Store { return paymentStore{d} }

type paymentStore struct{ *DB }

func (p paymentStore) InTx(ctx context.Context, fn func(payment.Tx) error) error {
	return p.DB.InTx(ctx, func(tx *Tx) error { return fn(tx) })
}

// Compile-time checks that the engine implements every domain interface.
var (
	_ identity.Store = (*DB)(nil)
	_ payment.Store  = paymentStore{}
	_ payment.Tx     = (*Tx)(nil)
)

// PersonIDs pages through person ids.
func (d *DB) PersonIDs(ctx context.Context, after string, limit int) ([]string, error) {
	return d.reader().PersonIDs(ctx, after, limit)
}

// RepriceBill implements billing.Store.
func (d *DB) RepriceBill(ctx context.Context, b billing.Bill) error {
	return d.writer().RepriceBill(ctx, b)
}

var _ billing.Store = (*DB)(nil)

// Ledger and refund reads.

func (d *DB) Balances(ctx context.Context) (map[string]int64, error) { return d.reader().Balances(ctx) }
func (d *DB) RefundForOrder(ctx context.Context, orderID string) (payment.Refund, error) {
	return d.reader().RefundForOrder(ctx, orderID)
}
func (d *DB) RefundByOutRefundNo(ctx context.Context, no string) (payment.Refund, error) {
	return d.reader().RefundByOutRefundNo(ctx, no)
}

// Audit reads (audit.Store), on the read pool.

func (d *DB) UnbalancedPostings(ctx context.Context) ([]string, error) {
	return d.reader().UnbalancedPostings(ctx)
}
func (d *DB) AuditOrders(ctx context.Context, fn func(audit.OrderFacts) error) error {
	return d.reader().AuditOrders(ctx, fn)
}

var _ audit.Store = (*DB)(nil)

// ChannelUsedSince implements payment.Store.
func (d *DB) ChannelUsedSince(ctx context.Context, payerID, channel string, since time.Time) (money.Fen, error) {
	return d.reader().ChannelUsedSince(ctx, payerID, channel, since)
}

// Reconciliation.

func (d *DB) OrdersPaidBetween(ctx context.Context, channel string, from, to time.Time) ([]payment.Order, error) {
	return d.reader().OrdersPaidBetween(ctx, channel, from, to)
}
func (d *DB) RecordDiff(ctx context.Context, diff payment.Diff, at time.Time) error {
	return d.writer().RecordDiff(ctx, diff, at)
}
func (d *DB) OpenDiffs(ctx context.Context, limit int) ([]payment.Diff, error) {
	return d.reader().OpenDiffs(ctx, limit)
}

// E-card passwords and face sessions (identity.PINStore, identity.FaceStore).

func (d *DB) PutPIN(ctx context.Context, p identity.PIN) error { return d.writer().PutPIN(ctx, p) }
func (d *DB) PINFor(ctx context.Context, personID string) (identity.PIN, error) {
	return d.reader().PINFor(ctx, personID)
}
func (d *DB) PINAttempt(ctx context.Context, personID string, ok bool, max int, until time.Time) error {
	return d.writer().PINAttempt(ctx, personID, ok, max, until)
}
func (d *DB) InsertFaceSession(ctx context.Context, id, personID, ref string, at time.Time) error {
	return d.writer().InsertFaceSession(ctx, id, personID, ref, at)
}
func (d *DB) FaceSession(ctx context.Context, id string) (string, string, time.Time, error) {
	return d.reader().FaceSession(ctx, id)
}
func (d *DB) UseFaceSession(ctx context.Context, id string) (bool, error) {
	return d.writer().UseFaceSession(ctx, id)
}

var (
	_ identity.PINStore  = (*DB)(nil)
	_ identity.FaceStore = (*DB)(nil)
)
