package payment

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/store"
)

// JobReconcile reconciles one channel's day; Ref is "channel@YYYY-MM-DD".
const JobReconcile = "payment.reconcile"

// Diff is a difference between our orders and the provider's trade bill.
type Diff struct {
	Channel, Date, OutTradeNo string
	Kind                      string // see the kinds below
	Detail                    string
	Action                    string // what was done, or what an operator must do
	Resolved                  bool
}

// Kinds of difference.
const (
	DiffMissedPayment  = "missed_payment"  // the provider has a payment we did not record: applied now
	DiffUnknownOrder   = "unknown_order"   // a payment for an out_trade_no we never issued
	DiffAmount         = "amount_mismatch" // amounts differ
	DiffMissingInBill  = "missing_in_bill" // we recorded a payment the bill does not show
	DiffRefundMismatch = "refund_mismatch" // a refund row we cannot match
)

// Reconcile compares a channel's trade bill for date (YYYY-MM-DD, Beijing)
// with our orders paid that day. A payment the bill shows and we missed gets
// the same follow-up as its notification would have had; everything else is
// recorded for an operator. It returns the differences found.
func (s *Service) Reconcile(ctx context.Context, channel, date string) ([]Diff, error) {
	rows, ours, err := s.billDay(ctx, channel, date)
	if err != nil {
		return nil, err
	}
	var diffs []Diff
	seen := map[string]bool{}
	for _, r := range rows {
		if r.State == TradeRefund || r.OutRefundNo != "" {
			diffs = append(diffs, s.checkRefundRow(ctx, channel, date, r)...)
			continue
		}
		seen[r.OutTradeNo] = true
		if d := s.checkPaymentRow(ctx, channel, date, r); d != nil {
			diffs = append(diffs, *d)
		}
	}
	for _, o := range ours {
		if !seen[o.OutTradeNo] {
			diffs = append(diffs, Diff{Kind: DiffMissingInBill, OutTradeNo: o.OutTradeNo,
				Detail: fmt.Sprintf("order %s recorded paid %s at %s, not in the bill", o.ID, o.AmountFen.Yuan(), o.PaidAt.In(beijing).Format(time.DateTime)),
				Action: "operator: query the provider; if it has no payment, hold the order"})
		}
	}
	for i := range diffs {
		diffs[i].Channel, diffs[i].Date = channel, date
		if err := s.store.RecordDiff(ctx, diffs[i], s.now()); err != nil {
			return diffs, err
		}
	}
	s.log.InfoContext(ctx, "reconciled", "channel", channel, "date", date, "bill_rows", len(rows), "paid_orders", len(ours), "differences", len(diffs))
	return diffs, nil
}

// billDay fetches a channel's trade bill for date (YYYY-MM-DD, Beijing)
// and our orders paid that day on every channel the bill covers.
func (s *Service) billDay(ctx context.Context, channel, date string) ([]BillRow, []Order, error) {
	p, ok := s.providers[channel]
	if !ok {
		return nil, nil, fmt.Errorf("%w: %q", ErrUnknownChannel, channel)
	}
	day, err := time.ParseInLocation("2006-01-02", date, beijing)
	if err != nil {
		return nil, nil, fmt.Errorf("payment: reconcile date %q: %w", date, err)
	}
	rows, err := p.TradeBill(ctx, date)
	if err != nil {
		return nil, nil, err
	}
	var ours []Order
	for _, ch := range s.billChannels(channel) {
		paid, err := s.store.OrdersPaidBetween(ctx, ch, day, day.AddDate(0, 0, 1))
		if err != nil {
			return nil, nil, err
		}
		ours = append(ours, paid...)
	}
	return rows, ours, nil
}

func (s *Service) checkPaymentRow(ctx context.Context, channel, date string, r BillRow) *Diff {
	o, err := s.store.OrderByOutTradeNo(ctx, r.OutTradeNo)
	if errors.Is(err, store.ErrNotFound) && s.repaymentBillRow(ctx, r) {
		return nil
	}
	if errors.Is(err, store.ErrNotFound) {
		return &Diff{Kind: DiffUnknownOrder, OutTradeNo: r.OutTradeNo,
			Detail: fmt.Sprintf("bill shows %s paid, transaction %s; no such order", r.AmountFen.Yuan(), r.TransactionID),
			Action: "operator: identify the payer and refund"}
	} else if err != nil {
		return &Diff{Kind: DiffUnknownOrder, OutTradeNo: r.OutTradeNo, Detail: err.Error(), Action: "retry reconciliation"}
	}
	if r.AmountFen != o.AmountFen {
		return &Diff{Kind: DiffAmount, OutTradeNo: r.OutTradeNo,
			Detail: fmt.Sprintf("bill %s, order %s", r.AmountFen.Yuan(), o.AmountFen.Yuan()), Action: "operator: hold and review"}
	}
	if !o.State.Unpaid() {
		return nil
	}
	txn := ProviderTxn{OutTradeNo: r.OutTradeNo, TransactionID: r.TransactionID, TradeState: TradeSuccess, AmountFen: r.AmountFen, SuccessTime: r.At}
	d := &Diff{Kind: DiffMissedPayment, OutTradeNo: r.OutTradeNo, Resolved: true,
		Detail: fmt.Sprintf("bill shows %s paid; order %s was %s", r.AmountFen.Yuan(), o.ID, o.State),
		Action: "applied as paid (as its notification would have been)"}
	if err := s.applyPaid(ctx, txn, "trade bill of "+date); err != nil {
		d.Resolved, d.Action = false, "applying failed: "+err.Error()
	}
	return d
}

func (s *Service) checkRefundRow(ctx context.Context, channel, date string, r BillRow) []Diff {
	if r.OutRefundNo == "" {
		return nil
	}
	ref, err := s.store.RefundByOutRefundNo(ctx, r.OutRefundNo)
	switch {
	case errors.Is(err, store.ErrNotFound) && s.repaymentBillRow(ctx, r):
		return nil // a credit repayment's refund, as recorded
	case errors.Is(err, store.ErrNotFound):
		return []Diff{{Kind: DiffRefundMismatch, OutTradeNo: r.OutTradeNo, Detail: "bill shows refund " + r.OutRefundNo + " we did not request",
			Action: "operator: investigate at the provider"}}
	case err != nil:
		return []Diff{{Kind: DiffRefundMismatch, OutTradeNo: r.OutTradeNo, Detail: err.Error(), Action: "retry reconciliation"}}
	case ref.AmountFen != r.RefundFen:
		return []Diff{{Kind: DiffRefundMismatch, OutTradeNo: r.OutTradeNo,
			Detail: fmt.Sprintf("refund %s: bill %s, ours %s", r.OutRefundNo, r.RefundFen.Yuan(), ref.AmountFen.Yuan()), Action: "operator: review"}}
	case ref.Status != refundSucceeded:
		// The bill is the provider's word that it succeeded: apply it.
		if err := s.applyRefund(ctx, r.OutRefundNo, &RefundStatus{OutRefundNo: r.OutRefundNo, Status: RefundSuccess}); err != nil {
			return []Diff{{Kind: DiffRefundMismatch, OutTradeNo: r.OutTradeNo, Detail: err.Error(), Action: "retry reconciliation"}}
		}
		return []Diff{{Kind: DiffRefundMismatch, OutTradeNo: r.OutTradeNo, Resolved: true,
			Detail: "refund " + r.OutRefundNo + " was " + ref.Status + " here", Action: "applied as succeeded"}}
	}
	return nil
}

// reconcileJob runs a day's reconciliation and schedules the next day's:
// the day after this one, not "yesterday" seen from now, so a
// reconciliation that ran late (the process down, the bill failing for a
// day) catches up day by day instead of skipping the days between.
func (s *Service) reconcileJob(ctx context.Context, ref string) error {
	channel, date, ok := strings.Cut(ref, "@")
	if !ok {
		return fmt.Errorf("payment: reconcile ref %q", ref)
	}
	day, err := time.ParseInLocation("2006-01-02", date, beijing)
	if err != nil {
		return fmt.Errorf("payment: reconcile ref %q: %w", ref, err)
	}
	if channel == OffsetChannel {
		_, err = s.ReconcileOffsets(ctx, date)
	} else {
		_, err = s.Reconcile(ctx, channel, date)
	}
	if err != nil {
		return err
	}
	next := day.AddDate(0, 0, 1)
	// Day D's bill is ready by 10:00 on D+1.
	run := time.Date(next.Year(), next.Month(), next.Day()+1, 10, 30, 0, 0, beijing)
	if now := s.now(); run.Before(now) {
		run = now
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		return tx.EnqueueJobOnce(ctx, jobs.Job{Kind: JobReconcile, Ref: channel + "@" + next.Format("2006-01-02"), RunAt: run})
	})
}

// ScheduleReconciliation enqueues the next reconciliation of each channel:
// yesterday's bill at 10:30 Beijing time, once WeChat has produced it (it
// generates day D's bill between 09:00 and 10:00 on D+1).
func (s *Service) ScheduleReconciliation(ctx context.Context) error {
	now := s.now().In(beijing)
	run := time.Date(now.Year(), now.Month(), now.Day(), 10, 30, 0, 0, beijing)
	if !now.Before(run) {
		run = run.AddDate(0, 0, 1)
	}
	date := run.AddDate(0, 0, -1).Format("2006-01-02")
	return s.store.InTx(ctx, func(tx Tx) error {
		chans := s.BillChannels()
		if s.off.accounts != nil {
			chans = append(chans, OffsetChannel) // the core system's statement of offset debits
		}
		for _, ch := range chans {
			if err := tx.EnqueueJobOnce(ctx, jobs.Job{Kind: JobReconcile, Ref: ch + "@" + date, RunAt: run}); err != nil {
				return err
			}
		}
		return nil
	})
}

// BillChannels lists, sorted, one channel per provider trade bill: the
// channels to reconcile (a channel sharing its bill with others is
// reconciled with the first of them).
func (s *Service) BillChannels() []string {
	var out []string
	for ch := range s.providers {
		if s.billChannels(ch)[0] == ch {
			out = append(out, ch)
		}
	}
	slices.Sort(out)
	return out
}

// billChannels lists, sorted, the channels whose trades are in the same
// provider trade bill as channel's (channel alone unless its provider is a
// BillSharer): one bill is compared with all their orders, so a Native
// payment is not "missing" from a JSAPI reconciliation or reported twice.
func (s *Service) billChannels(channel string) []string {
	sh, ok := s.providers[channel].(BillSharer)
	if !ok {
		return []string{channel}
	}
	var out []string
	for ch, p := range s.providers {
		if o, ok := p.(BillSharer); ok && o.BillAccount() == sh.BillAccount() {
			out = append(out, ch)
		}
	}
	slices.Sort(out)
	return out
}
