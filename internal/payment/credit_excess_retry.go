package payment

import (
	"context"
	"errors"
	"fmt"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/auditlog"
	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/store"
)

// CardRefundRetry is what an operator's retry of a card excess's failed
// refund did.
type CardRefundRetry struct {
	OldOutRefundNo string
	OutRefundNo    string // the new attempt's; empty when Applied
	Attempt        int
	// Applied: the bank said the failed attempt had paid out after all;
	// that was settled and no new attempt was started.
	Applied bool
}

var (
	errNoCardExcess = apperr.New(apperr.NotFound, "card_excess_not_found",
		"没有该笔社保卡多扣款项。", "There is no such card debit owed back.")
	errCardRefundNotFailed = apperr.New(apperr.Conflict, "card_refund_not_failed",
		"该笔社保卡多扣款项的退款未失败（处理中或已退回），不能重新发起。",
		"This card debit's refund has not failed (it is under way or succeeded): it cannot be retried.")
	errCardRefundProcessing = apperr.New(apperr.Conflict, "card_refund_processing",
		"发卡银行显示原退款仍在处理中，请稍后再看；不能重新发起。",
		"The card bank shows the refund as still processing: look again later. It cannot be retried now.")
	errCardRefundQuery = apperr.New(apperr.Unavailable, "card_refund_query_failed",
		"暂时无法向发卡银行确认原退款的结果，未重新发起，请稍后重试。",
		"The card bank could not be asked how the failed refund ended, so it was not retried: try again later.")
)

// RetryCardExcessRefund starts a new attempt of a card excess's refund
// that the bank closed or refused, for an operator. As RetryRefund does
// for orders, the failed attempt is asked about first: if it paid out
// after all, that is settled instead; if it is still processing, or the
// bank cannot be asked, nothing changes, so that the money cannot go back
// twice. Otherwise (CLOSED; ABNORMAL, which at the card bank leaves the
// money with the merchant; or never accepted) the excess gets the next
// attempt's out_refund_no, stored with the job that sends it in one
// transaction and only from the version read before asking, so two
// operators retrying at once make one attempt.
func (s *Service) RetryCardExcessRefund(ctx context.Context, tradeNo, by, reason string) (CardRefundRetry, error) {
	if s.cp.store == nil || s.cp.collector == nil {
		return CardRefundRetry{}, errNoCardExcess
	}
	x, err := s.cp.store.CardExcess(ctx, tradeNo)
	if err != nil {
		return CardRefundRetry{}, notFoundAs(err, errNoCardExcess)
	}
	if x.RefundStatus != refundFailed {
		return CardRefundRetry{}, errCardRefundNotFailed
	}
	res := CardRefundRetry{OldOutRefundNo: x.OutRefundNo, Attempt: x.Attempt}
	st, err := s.cp.collector.QueryRefund(ctx, x.OutRefundNo)
	switch {
	case errors.Is(err, ErrRefundNotFound):
	case err != nil:
		s.log.WarnContext(ctx, "card refund retry: query of the failed attempt failed", "trade", tradeNo,
			"out_refund_no", x.OutRefundNo, "err", err)
		return res, errCardRefundQuery.Wrap(err)
	case st.Status == RefundSuccess:
		res.Applied = true
		return res, s.applyCardRefund(ctx, tradeNo, st)
	case st.Status == RefundProcessing:
		return res, errCardRefundProcessing
	}
	old := x
	res.Attempt = x.Attempt + 1
	res.OutRefundNo = CardRefundAttemptNo(tradeNo, res.Attempt)
	err = s.cp.store.InCreditTx(ctx, func(tx CreditTx) error {
		now := s.now()
		x.Attempt, x.OutRefundNo, x.RefundStatus, x.RefundID = res.Attempt, res.OutRefundNo, refundRequested, ""
		x.UpdatedAt = now
		x.Version++
		if err := tx.UpdateCardExcess(ctx, x); errors.Is(err, store.ErrConflict) {
			return errCardRefundNotFailed // another operator's retry, or a late answer, came first
		} else if err != nil {
			return fmt.Errorf("payment: retry card excess refund %s: %w", tradeNo, err)
		}
		if err := tx.EnqueueJob(ctx, jobs.Job{Kind: JobCardExcessRefund, Ref: tradeNo, RunAt: now}); err != nil {
			return fmt.Errorf("payment: enqueue card excess refund %s: %w", tradeNo, err)
		}
		return auditlog.Append(ctx, tx, auditlog.Entry{At: now, Actor: by, Action: "credit.repay.card_refund_retried",
			Target: x.OrderID, Detail: fmt.Sprintf("refund %s of %s yuan debited by %s failed; attempt %d is %s: %s",
				old.OutRefundNo, x.AmountFen.Yuan(), tradeNo, res.Attempt, res.OutRefundNo, reason)})
	})
	if err == nil {
		s.wake() // the job is due now: send the new attempt without waiting for the runner's poll
		s.log.InfoContext(ctx, "card excess refund retried", "order", x.OrderID, "trade", tradeNo, "by", by,
			"old_out_refund_no", old.OutRefundNo, "out_refund_no", res.OutRefundNo)
	}
	return res, err
}

// applyEarlierCardRefund records what the bank said of another attempt
// of a card excess's refund than x's current one. Only its success
// matters: it settles the excess if nothing had (x then names that
// attempt, so a later success of the current one shows as a second); if
// another attempt had already paid out, the money went back twice: the
// ledger keeps one refund, and the error log, the audit log and the
// order's history say so, for an operator to recover at the bank.
func (s *Service) applyEarlierCardRefund(ctx context.Context, tx CreditTx, x CardExcess, st *RefundStatus) error {
	known := false
	for a := 1; a <= x.Attempt; a++ {
		known = known || CardRefundAttemptNo(x.TradeNo, a) == st.OutRefundNo
	}
	if !known {
		return fmt.Errorf("payment: card excess %s has no refund %s: %w", x.TradeNo, st.OutRefundNo, store.ErrNotFound)
	}
	if st.Status != RefundSuccess {
		return nil // a superseded attempt that did not pay out
	}
	now := s.now()
	if x.Returned() {
		s.log.ErrorContext(ctx, "a second card excess refund paid out: the money went back twice; recover it", "order", x.OrderID,
			"trade", x.TradeNo, "out_refund_no", st.OutRefundNo, "paid_by", x.OutRefundNo, "amount_fen", x.AmountFen)
		o, err := tx.OrderByID(ctx, x.OrderID)
		if err != nil {
			return err
		}
		why := fmt.Sprintf("DOUBLE REFUND: card refund %s also succeeded after %s; %s yuan went back twice, recover it at the card bank",
			st.OutRefundNo, x.OutRefundNo, x.AmountFen.Yuan())
		if err := tx.InsertEvent(ctx, Event{OrderID: o.ID, From: o.State, To: o.State, At: now, Reason: "card excess returned twice", Detail: why}); err != nil {
			return fmt.Errorf("payment: order event: %w", err)
		}
		return auditlog.Append(ctx, tx, auditlog.Entry{At: now, Actor: "system", Action: "credit.repay.card_refund_twice", Target: x.OrderID, Detail: why})
	}
	s.log.WarnContext(ctx, "an earlier card excess refund attempt paid out after a retry: settled by it", "order", x.OrderID,
		"trade", x.TradeNo, "out_refund_no", st.OutRefundNo, "current", x.OutRefundNo)
	x.OutRefundNo, x.RefundStatus, x.RefundID, x.RefundedAt, x.UpdatedAt = st.OutRefundNo, refundSucceeded, st.RefundID, now, now
	x.Version++
	if err := tx.UpdateCardExcess(ctx, x); err != nil {
		return err
	}
	return s.recordCardReturned(ctx, tx, x)
}
