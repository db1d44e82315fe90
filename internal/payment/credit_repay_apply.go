package payment

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shebao-project/shebao/internal/auditlog"
	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/ledger"
	"github.com/shebao-project/shebao/internal/store"
)

// Ledger kinds of a repayment's money that repaid nothing: it is owed back
// (Dr clearing / Cr refund payable), then refunded (Dr refund payable /
// Cr clearing). Postings are keyed by an order, so these stand under the
// repayment's first credit, named by the repayment id, since the same
// credit may see more than one such repayment.
func repayExcessKind(repaymentID string) ledger.Kind {
	return ledger.Kind("repay_excess:" + repaymentID)
}

func repayRefundKind(repaymentID string) ledger.Kind {
	return ledger.Kind("repay_refunded:" + repaymentID)
}

// handleRepayNotification applies a verified payment notification of a
// repayment: the notification id and the payment in one transaction, so a
// duplicate changes nothing.
func (s *Service) handleRepayNotification(ctx context.Context, channel string, n *Notification) error {
	if s.cp.store == nil {
		return fmt.Errorf("payment: repayment notification %s without credit pay", n.Txn.OutTradeNo)
	}
	err := s.cp.store.InCreditTx(ctx, func(tx CreditTx) error {
		if err := tx.InsertNotification(ctx, channel, n.ID, n.EventType, n.Txn.OutTradeNo, s.now()); err != nil {
			return err
		}
		return s.applyRepaymentTx(ctx, tx, n.Txn, "provider notification "+n.ID)
	})
	if errors.Is(err, store.ErrConflict) {
		return nil // a concurrent copy of the same notification committed first
	}
	if err == nil {
		s.wake()
	}
	return err
}

// applyRepayment records a confirmed repayment outside any transaction.
func (s *Service) applyRepayment(ctx context.Context, txn ProviderTxn, why string) error {
	err := s.cp.store.InCreditTx(ctx, func(tx CreditTx) error { return s.applyRepaymentTx(ctx, tx, txn, why) })
	if err == nil {
		s.wake()
	}
	return err
}

// applyRepaymentTx marks the repayment paid and repays each of its credits
// still owed (Dr clearing / Cr credit receivable, as a card collection
// does). Money for credits no longer owed (the card collection repaid them
// first, or they were cancelled) and money of an unexpected amount is owed
// back and refunded by a job. Applying the same payment twice changes
// nothing.
func (s *Service) applyRepaymentTx(ctx context.Context, tx CreditTx, txn ProviderTxn, why string) error {
	rp, err := tx.FindRepayment(ctx, RepaymentQuery{OutTradeNo: txn.OutTradeNo})
	if errors.Is(err, store.ErrNotFound) {
		s.log.ErrorContext(ctx, "payment for unknown repayment", "out_trade_no", txn.OutTradeNo, "transaction_id", txn.TransactionID)
		return fmt.Errorf("payment: notification for unknown repayment %s: %w", txn.OutTradeNo, err)
	} else if err != nil {
		return err
	}
	if rp.Status == RepaymentPaid {
		return nil
	}
	now := s.now()
	rp.Status, rp.TransactionID, rp.PaidFen, rp.PaidAt = RepaymentPaid, txn.TransactionID, txn.AmountFen, txn.SuccessTime
	if rp.PaidAt.IsZero() {
		rp.PaidAt = now
	}
	var notes []string
	if txn.AmountFen != rp.AmountFen {
		notes = append(notes, fmt.Sprintf("paid %s yuan instead of %s yuan: returned in full, the credits are still owed",
			txn.AmountFen.Yuan(), rp.AmountFen.Yuan()))
	} else if notes, err = s.repayCredits(ctx, tx, &rp); err != nil {
		return err
	}
	if excess := rp.PaidFen - rp.AppliedFen; excess > 0 {
		rp.RefundFen, rp.OutRefundNo, rp.RefundStatus = excess, repayRefundPrefix+rp.OutTradeNo[len(repayPrefix):], refundRequested
		p := ledger.Posting{OrderID: rp.CreditIDs[0], Kind: repayExcessKind(rp.ID), Entries: []ledger.Entry{
			{Account: ledger.Clearing(rp.Channel), Amount: excess}, {Account: ledger.RefundPayable, Amount: -excess}}}
		if err := tx.RecordPosting(ctx, p, now); err != nil {
			return fmt.Errorf("payment: ledger repayment excess %s: %w", rp.ID, err)
		}
		if err := tx.EnqueueJob(ctx, jobs.Job{Kind: JobRepayRefund, Ref: rp.ID, RunAt: now}); err != nil {
			return err
		}
	}
	rp.Note = strings.Join(notes, "; ")
	rp.UpdatedAt = now
	rp.Version++
	if err := tx.UpdateRepayment(ctx, rp); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "credit repayment paid", "repayment", rp.ID, "applied", rp.AppliedFen, "refund", rp.RefundFen, "via", why)
	detail := fmt.Sprintf("%s yuan by %s (transaction %s, %s): %s yuan repaid", rp.PaidFen.Yuan(), rp.Channel, rp.TransactionID, why, rp.AppliedFen.Yuan())
	if rp.RefundFen > 0 {
		detail += fmt.Sprintf(", %s yuan to refund (%s)", rp.RefundFen.Yuan(), rp.Note)
	}
	if err := auditlog.Append(ctx, tx, auditlog.Entry{At: now, Actor: rp.PersonID, Action: "credit.repay.wechat", Target: rp.ID, Detail: detail}); err != nil {
		return err
	}
	if rp.AppliedFen == 0 {
		return nil
	}
	return s.resumeIfClear(ctx, tx, rp.PersonID)
}

// repayCredits marks each of the repayment's credits still owed repaid and
// posts it; it returns a note for each one that was not.
func (s *Service) repayCredits(ctx context.Context, tx CreditTx, rp *Repayment) ([]string, error) {
	var notes []string
	for _, id := range rp.CreditIDs {
		c, err := tx.CreditByOrder(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("payment: credit %s of repayment %s: %w", id, rp.ID, err)
		}
		if !c.Owed() {
			how := "cancelled"
			if c.Status == CreditRepaid {
				how = "already repaid by " + c.RepayChannel
			}
			notes = append(notes, fmt.Sprintf("credit %s (%s yuan) was %s: its share is returned", id, c.AmountFen.Yuan(), how))
			continue
		}
		c.Status, c.NextAttemptAt, c.UpdatedAt = CreditRepaid, time.Time{}, s.now()
		c.RepayChannel, c.RepayTxnID, c.RepaidAt = rp.Channel, rp.TransactionID, rp.PaidAt
		c.Version++
		if err := tx.UpdateCredit(ctx, c); err != nil {
			return nil, err
		}
		if err := tx.RecordPosting(ctx, ledger.Repay(id, rp.Channel, c.AmountFen), s.now()); err != nil {
			return nil, fmt.Errorf("payment: ledger repayment %s: %w", id, err)
		}
		rp.AppliedFen += c.AmountFen
	}
	return notes, nil
}

// repayRefundReason is what the payer sees in WeChat (≤ 80 characters).
const repayRefundReason = "社保信用付欠款已结清，多付款项原路退回"

// repayRefund is the JobRepayRefund handler: it asks the provider for the
// refund under the repayment's fixed out_refund_no, then follows it.
func (s *Service) repayRefund(ctx context.Context, id string) error {
	rp, err := s.cp.store.FindRepayment(ctx, RepaymentQuery{ID: id})
	if err != nil {
		return err
	}
	if rp.RefundStatus != refundRequested && rp.RefundStatus != refundProcessing {
		return nil
	}
	p := s.providers[rp.Channel]
	var st *RefundStatus
	if rp.RefundStatus == refundRequested {
		st, err = p.Refund(ctx, RefundRequest{OutTradeNo: rp.OutTradeNo, OutRefundNo: rp.OutRefundNo,
			AmountFen: rp.RefundFen, TotalFen: rp.PaidFen, Reason: repayRefundReason})
	} else {
		st, err = p.QueryRefund(ctx, rp.OutRefundNo)
	}
	if err != nil {
		return fmt.Errorf("payment: repayment refund %s: %w", rp.OutRefundNo, err)
	}
	if err := s.applyRepayRefund(ctx, rp.OutRefundNo, st); err != nil {
		return err
	}
	if st.Status == RefundProcessing {
		return jobs.RetryAt{At: s.now().Add(refundPoll)}
	}
	return nil
}

// applyRepayRefund records what the provider said about a repayment's
// refund; success settles the ledger once.
func (s *Service) applyRepayRefund(ctx context.Context, outRefundNo string, st *RefundStatus) error {
	return s.cp.store.InCreditTx(ctx, func(tx CreditTx) error {
		rp, err := tx.FindRepayment(ctx, RepaymentQuery{OutRefundNo: outRefundNo})
		if err != nil || rp.RefundStatus == refundSucceeded || rp.RefundStatus == refundFailed {
			return err
		}
		now := s.now()
		if st.RefundID != "" {
			rp.RefundID = st.RefundID
		}
		rp.UpdatedAt = now
		rp.Version++
		switch st.Status {
		case RefundProcessing:
			rp.RefundStatus = refundProcessing
			return tx.UpdateRepayment(ctx, rp)
		case RefundSuccess:
			rp.RefundStatus = refundSucceeded
			if err := tx.UpdateRepayment(ctx, rp); err != nil {
				return err
			}
			p := ledger.Posting{OrderID: rp.CreditIDs[0], Kind: repayRefundKind(rp.ID), Entries: []ledger.Entry{
				{Account: ledger.RefundPayable, Amount: rp.RefundFen}, {Account: ledger.Clearing(rp.Channel), Amount: -rp.RefundFen}}}
			if err := tx.RecordPosting(ctx, p, now); err != nil {
				return fmt.Errorf("payment: ledger repayment refund %s: %w", rp.ID, err)
			}
			return auditlog.Append(ctx, tx, auditlog.Entry{At: now, Actor: "system", Action: "credit.repay.refund", Target: rp.ID,
				Detail: fmt.Sprintf("%s yuan returned by refund %s", rp.RefundFen.Yuan(), rp.OutRefundNo)})
		default: // CLOSED or ABNORMAL: the money did not go back; an operator must act
			rp.RefundStatus = refundFailed
			s.log.ErrorContext(ctx, "repayment refund failed at provider", "repayment", rp.ID, "out_refund_no", rp.OutRefundNo, "status", st.Status)
			return tx.UpdateRepayment(ctx, rp)
		}
	})
}

// repaymentBillRow tells whether a provider bill row is a credit
// repayment or its refund: such a row has no order of its own and is no
// difference. One the bill shows done that we still have open (a lost
// notification) is applied first, as its notification would have been.
func (s *Service) repaymentBillRow(ctx context.Context, r BillRow) bool {
	if s.cp.store == nil {
		return false
	}
	if ok, err := s.repaymentOnRecord(ctx, r); ok || err != nil {
		return ok
	}
	switch {
	case isCardRefundNo(r.OutRefundNo):
		return s.cardRefundBillRow(ctx, r)
	case r.OutRefundNo != "":
		rp, err := s.cp.store.FindRepayment(ctx, RepaymentQuery{OutRefundNo: r.OutRefundNo})
		return err == nil && rp.RefundFen == r.RefundFen &&
			s.applyRepayRefund(ctx, r.OutRefundNo, &RefundStatus{OutRefundNo: r.OutRefundNo, Status: RefundSuccess}) == nil
	case isRepayTradeNo(r.OutTradeNo):
		rp, err := s.cp.store.FindRepayment(ctx, RepaymentQuery{OutTradeNo: r.OutTradeNo})
		if err != nil || !rp.Open() || r.AmountFen != rp.AmountFen {
			return false
		}
		txn := ProviderTxn{OutTradeNo: r.OutTradeNo, TransactionID: r.TransactionID, TradeState: TradeSuccess, AmountFen: r.AmountFen, SuccessTime: r.At}
		return s.applyRepayment(ctx, txn, "trade bill") == nil
	}
	return false
}
