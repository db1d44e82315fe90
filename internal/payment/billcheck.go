package payment

import (
	"context"
	"errors"
	"fmt"

	"github.com/shebao-project/shebao/internal/store"
)

// CheckTradeBill compares a channel's trade bill for date (YYYY-MM-DD,
// Beijing) with our records and changes nothing: it is what `shebao audit`
// asks, after the fact, where Reconcile acts. Every payment the bill shows
// must be an order we took as paid for the same amount (or a mismatch we
// held or refunded, or a credit repayment we recorded), every order we
// recorded paid that day must be in the bill, and every refund the bill
// shows must be one we know succeeded for the same amount. A difference
// Reconcile would apply (a payment whose notification was lost) is reported
// too, with that as its action: the audit is clean only once it is applied.
func (s *Service) CheckTradeBill(ctx context.Context, channel, date string) ([]Diff, error) {
	rows, ours, err := s.billDay(ctx, channel, date)
	if err != nil {
		return nil, err
	}
	var diffs []Diff
	seen := map[string]bool{}
	for _, r := range rows {
		var d *Diff
		if r.State == TradeRefund || r.OutRefundNo != "" {
			d, err = s.checkRefundOnRecord(ctx, r)
		} else {
			seen[r.OutTradeNo] = true
			d, err = s.checkPaymentOnRecord(ctx, r)
		}
		if err != nil {
			return nil, err
		}
		if d != nil {
			d.Channel, d.Date = channel, date
			diffs = append(diffs, *d)
		}
	}
	for _, o := range ours {
		if !seen[o.OutTradeNo] {
			diffs = append(diffs, Diff{Channel: channel, Date: date, Kind: DiffMissingInBill, OutTradeNo: o.OutTradeNo,
				Detail: fmt.Sprintf("order %s recorded paid %s, not in the bill", o.ID, o.AmountFen.Yuan()),
				Action: "operator: query the provider; if it has no payment, hold the order"})
		}
	}
	return diffs, nil
}

func (s *Service) checkPaymentOnRecord(ctx context.Context, r BillRow) (*Diff, error) {
	o, err := s.store.OrderByOutTradeNo(ctx, r.OutTradeNo)
	if errors.Is(err, store.ErrNotFound) {
		if ok, err := s.repaymentOnRecord(ctx, r); ok || err != nil {
			return nil, err
		}
		return &Diff{Kind: DiffUnknownOrder, OutTradeNo: r.OutTradeNo,
			Detail: fmt.Sprintf("bill shows %s paid, transaction %s; no such order", r.AmountFen.Yuan(), r.TransactionID),
			Action: "operator: identify the payer and refund"}, nil
	} else if err != nil {
		return nil, err
	}
	switch {
	case r.AmountFen != o.AmountFen && o.State != Held && o.State != Refunding && o.State != Refunded:
		return &Diff{Kind: DiffAmount, OutTradeNo: r.OutTradeNo,
			Detail: fmt.Sprintf("bill %s, order %s (%s)", r.AmountFen.Yuan(), o.AmountFen.Yuan(), o.State), Action: "operator: hold and review"}, nil
	case o.State.Unpaid():
		return &Diff{Kind: DiffMissedPayment, OutTradeNo: r.OutTradeNo,
			Detail: fmt.Sprintf("bill shows %s paid; order %s is %s", r.AmountFen.Yuan(), o.ID, o.State),
			Action: "run shebao reconcile: it applies the payment as its notification would have"}, nil
	}
	return nil, nil
}

func (s *Service) checkRefundOnRecord(ctx context.Context, r BillRow) (*Diff, error) {
	if r.OutRefundNo == "" {
		return nil, nil
	}
	ref, err := s.store.RefundByOutRefundNo(ctx, r.OutRefundNo)
	if errors.Is(err, store.ErrNotFound) {
		if ok, err := s.repaymentOnRecord(ctx, r); ok || err != nil {
			return nil, err
		}
		return &Diff{Kind: DiffRefundMismatch, OutTradeNo: r.OutTradeNo, Detail: "bill shows refund " + r.OutRefundNo + " we did not request",
			Action: "operator: investigate at the provider"}, nil
	} else if err != nil {
		return nil, err
	}
	switch {
	case ref.AmountFen != r.RefundFen:
		return &Diff{Kind: DiffRefundMismatch, OutTradeNo: r.OutTradeNo,
			Detail: fmt.Sprintf("refund %s: bill %s, ours %s", r.OutRefundNo, r.RefundFen.Yuan(), ref.AmountFen.Yuan()), Action: "operator: review"}, nil
	case ref.Status != refundSucceeded:
		return &Diff{Kind: DiffRefundMismatch, OutTradeNo: r.OutTradeNo,
			Detail: "the bill shows refund " + r.OutRefundNo + " succeeded; ours is " + ref.Status,
			Action: "run shebao reconcile: it applies the refund as succeeded"}, nil
	}
	return nil, nil
}

// repaymentOnRecord tells, reading only, whether a bill row is a credit
// repayment we recorded: a WeChat Pay repayment for what arrived, its
// refund once succeeded, or a mandated card debit that repaid a credit.
func (s *Service) repaymentOnRecord(ctx context.Context, r BillRow) (bool, error) {
	if s.cp.store == nil {
		return false, nil
	}
	if x, ok, err := s.cardExcessRow(ctx, r); ok || err != nil {
		if r.OutRefundNo != "" {
			return ok && x.Returned() && x.OutRefundNo == r.OutRefundNo && x.AmountFen == r.RefundFen, err
		}
		return ok && x.AmountFen == r.AmountFen, err
	}
	var q RepaymentQuery
	switch {
	case r.OutRefundNo != "":
		q.OutRefundNo = r.OutRefundNo
	case isRepayTradeNo(r.OutTradeNo):
		q.OutTradeNo = r.OutTradeNo
	default:
		c, err := s.cp.store.CreditByRepayTradeNo(ctx, r.OutTradeNo)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		return err == nil && c.Status == CreditRepaid && c.AmountFen == r.AmountFen, err
	}
	rp, err := s.cp.store.FindRepayment(ctx, q)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	if r.OutRefundNo != "" {
		return rp.RefundFen == r.RefundFen && rp.RefundStatus == refundSucceeded, nil
	}
	return rp.PaidFen == r.AmountFen, nil
}
