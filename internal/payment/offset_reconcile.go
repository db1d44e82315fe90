package payment

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/store"
)

// DebitRow is one line of the core system's statement of a day's offset
// debits (by when it took them, Beijing time), with its reversal if any.
type DebitRow struct {
	DebitID     string    `json:"debit_id"`
	Ref         string    `json:"ref"`
	AmountFen   money.Fen `json:"amount_fen"`
	At          time.Time `json:"at"`
	ReversalRef string    `json:"reversal_ref,omitempty"`
}

// ReconcileOffsets compares the core system's statement of a day's offset
// debits with our offset orders paid that day, as Reconcile does for a
// provider's trade bill: a debit taken for an order we still hold as
// created is applied as paid (as the settling job would); everything else
// is recorded for an operator.
func (s *Service) ReconcileOffsets(ctx context.Context, date string) ([]Diff, error) {
	if s.off.accounts == nil {
		return nil, fmt.Errorf("%w: %q", ErrUnknownChannel, OffsetChannel)
	}
	day, err := time.ParseInLocation("2006-01-02", date, beijing)
	if err != nil {
		return nil, fmt.Errorf("payment: reconcile date %q: %w", date, err)
	}
	rows, err := s.off.accounts.DebitStatement(ctx, date)
	if err != nil {
		return nil, err
	}
	ours, err := s.store.OrdersPaidBetween(ctx, OffsetChannel, day, day.AddDate(0, 0, 1))
	if err != nil {
		return nil, err
	}
	var diffs []Diff
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r.DebitID] = true
		if d := s.checkDebitRow(ctx, r); d != nil {
			diffs = append(diffs, *d)
		}
	}
	for _, o := range ours {
		if !seen[o.ID] {
			diffs = append(diffs, Diff{Kind: DiffMissingInBill, OutTradeNo: o.OutTradeNo,
				Detail: fmt.Sprintf("order %s recorded debited %s as %s, not in the core system's statement", o.ID, o.AmountFen.Yuan(), o.TransactionID),
				Action: "operator: ask the core system about debit " + o.ID + "; if it has none, hold the order"})
		}
	}
	for i := range diffs {
		diffs[i].Channel, diffs[i].Date = OffsetChannel, date
		if err := s.store.RecordDiff(ctx, diffs[i], s.now()); err != nil {
			return diffs, err
		}
	}
	s.log.InfoContext(ctx, "reconciled", "channel", OffsetChannel, "date", date, "debits", len(rows), "paid_orders", len(ours), "differences", len(diffs))
	return diffs, nil
}

func (s *Service) checkDebitRow(ctx context.Context, r DebitRow) *Diff {
	o, err := s.store.OrderByID(ctx, r.DebitID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return &Diff{Kind: DiffUnknownOrder, OutTradeNo: r.DebitID,
			Detail: fmt.Sprintf("the core system debited %s as %s for no order of ours", r.AmountFen.Yuan(), r.Ref),
			Action: "operator: have the core system reverse debit " + r.Ref}
	case err != nil:
		return &Diff{Kind: DiffUnknownOrder, OutTradeNo: r.DebitID, Detail: err.Error(), Action: "retry reconciliation"}
	case r.AmountFen != o.AmountFen:
		return &Diff{Kind: DiffAmount, OutTradeNo: o.OutTradeNo,
			Detail: fmt.Sprintf("debit %s, order %s", r.AmountFen.Yuan(), o.AmountFen.Yuan()), Action: "operator: hold and review"}
	case r.ReversalRef != "" && o.State != Refunding && o.State != Refunded:
		return &Diff{Kind: DiffRefundMismatch, OutTradeNo: o.OutTradeNo,
			Detail: fmt.Sprintf("the core system reversed debit %s as %s; order %s is %s", r.Ref, r.ReversalRef, o.ID, o.State),
			Action: "operator: review"}
	case o.State == Created:
		d := &Diff{Kind: DiffMissedPayment, OutTradeNo: o.OutTradeNo, Resolved: true,
			Detail: fmt.Sprintf("the core system debited %s as %s; order %s was created", r.AmountFen.Yuan(), r.Ref, o.ID),
			Action: "applied as paid (as the settling job would have)"}
		if err := s.settleDebit(ctx, o.ID, &DebitResult{DebitID: r.DebitID, Debited: true, Ref: r.Ref, At: r.At}); err != nil {
			d.Resolved, d.Action = false, "applying failed: "+err.Error()
		}
		return d
	case o.State.Unpaid() && r.ReversalRef == "":
		return &Diff{Kind: DiffMissedPayment, OutTradeNo: o.OutTradeNo,
			Detail: fmt.Sprintf("the core system debited %s as %s; order %s is %s", r.AmountFen.Yuan(), r.Ref, o.ID, o.State),
			Action: "operator: have the core system reverse debit " + r.Ref + " (the order did not take it)"}
	}
	return nil
}
