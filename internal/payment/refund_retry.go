package payment

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/store"
)

// RefundRetry is what an operator's retry of a failed refund did.
type RefundRetry struct {
	OldOutRefundNo string
	OutRefundNo    string // the new attempt's; empty when Applied
	Attempt        int
	// Applied: the provider said the failed attempt had succeeded after
	// all; that success was applied and no new attempt was started.
	Applied bool
}

var (
	errNoRefund = apperr.New(apperr.NotFound, "refund_not_found",
		"该订单没有退款。", "This order has no refund.")
	errRefundNotFailed = apperr.New(apperr.Conflict, "refund_not_failed",
		"该退款未失败（已申请、处理中或已退回），不能重新发起。",
		"This refund has not failed (it is requested, processing or succeeded): it cannot be retried.")
	errRefundNotRetryable = apperr.New(apperr.Conflict, "refund_not_retryable",
		"该退款不经支付机构退回（信用付或医保个人账户抵扣），不能在此重新发起。",
		"This refund does not go back through a payment provider (credit pay or a medical account offset): it cannot be retried here.")
	errRefundAbnormal = apperr.New(apperr.Conflict, "refund_abnormal",
		"支付机构显示该退款异常（款项已从商户余额扣出）：请在商户平台改为其他方式退款，成功后系统会自动入账；不能重新发起，以免重复退款。",
		"The provider shows this refund as abnormal (the money left the merchant balance): reroute it at the merchant platform; its success is applied when reported. It is not retried, so that it cannot be paid twice.")
	errRefundStillProcessing = apperr.New(apperr.Conflict, "refund_processing",
		"支付机构显示该退款仍在处理中，请稍后再看；不能重新发起。",
		"The provider shows this refund as still processing: look again later. It cannot be retried now.")
	errRefundQuery = apperr.New(apperr.Unavailable, "refund_query_failed",
		"暂时无法向支付机构确认原退款的结果，未重新发起，请稍后重试。",
		"The provider could not be asked how the failed refund ended, so it was not retried: try again later.")
)

// RefundAttemptNo is the out_refund_no of a refund's attempt: the first
// one's is fixed by the order ("RF" and the out_trade_no's tail), each
// later one adds "-" and the attempt number. WeChat Pay allows 64
// characters of [0-9A-Za-z_-|*@] (退款申请, out_refund_no).
func RefundAttemptNo(outTradeNo string, attempt int) string {
	no := "RF" + outTradeNo[2:]
	if attempt > 1 {
		no += "-" + strconv.Itoa(attempt)
	}
	return no
}

// RetryRefund starts a new attempt of a failed refund for an operator.
// The failed attempt is asked about first: a retry is only started when
// the provider confirms that attempt cannot pay out any more (CLOSED: the
// money went back to the trade; or no such refund: it was never
// accepted). If it succeeded after all, that success is applied instead;
// an ABNORMAL one (out of the merchant balance, reroutable at the
// merchant platform) or one still processing is not retried, so that one
// order's money cannot go back twice.
//
// The operator's reason goes to the operators' audit log, not to the
// order's events (which the payer's API shows).
func (s *Service) RetryRefund(ctx context.Context, orderID, by, _ string) (RefundRetry, error) {
	o, err := s.store.OrderByID(ctx, orderID)
	if err != nil {
		return RefundRetry{}, notFoundAs(err, errNoRefund)
	}
	r, err := s.store.RefundForOrder(ctx, orderID)
	if err != nil {
		return RefundRetry{}, notFoundAs(err, errNoRefund)
	}
	if r.Status != refundFailed {
		return RefundRetry{}, errRefundNotFailed
	}
	p, ok := s.providers[o.Channel]
	if isCreditOrder(o) || isOffsetOrder(o) || !ok {
		return RefundRetry{}, errRefundNotRetryable
	}
	res := RefundRetry{OldOutRefundNo: r.OutRefundNo, Attempt: r.Attempt}
	st, err := p.QueryRefund(ctx, r.OutRefundNo)
	switch {
	case errors.Is(err, ErrRefundNotFound):
	case err != nil:
		s.log.WarnContext(ctx, "refund retry: query of the failed attempt failed", "order", orderID, "out_refund_no", r.OutRefundNo, "err", err)
		return res, errRefundQuery.Wrap(err)
	case st.Status == RefundSuccess:
		res.Applied = true
		return res, s.applyRefund(ctx, r.OutRefundNo, st)
	case st.Status == RefundProcessing:
		return res, errRefundStillProcessing
	case st.Status == RefundAbnormal:
		return res, errRefundAbnormal
	}
	res.Attempt = r.Attempt + 1
	res.OutRefundNo = RefundAttemptNo(o.OutTradeNo, res.Attempt)
	err = s.change(ctx, orderID, func(tx Tx, o *Order) error {
		now := s.now()
		err := tx.RetryRefund(ctx, RetryRefundParams{OrderID: o.ID, Attempt: r.Attempt, OutRefundNo: res.OutRefundNo,
			Status: refundRequested, At: now})
		if errors.Is(err, store.ErrConflict) {
			return errRefundNotFailed // another operator's retry, or a late success, came first
		} else if err != nil {
			return fmt.Errorf("payment: retry refund of %s: %w", o.ID, err)
		}
		ev := Event{OrderID: o.ID, From: o.State, To: o.State, At: now,
			Reason: fmt.Sprintf("refund retried by %s: %s failed, attempt %d is %s", by, r.OutRefundNo, res.Attempt, res.OutRefundNo)}
		if err := tx.InsertEvent(ctx, ev); err != nil {
			return fmt.Errorf("payment: order event: %w", err)
		}
		return tx.EnqueueJob(ctx, jobs.Job{Kind: JobRefund, Ref: o.ID, RunAt: now})
	})
	return res, err
}

// notFoundAs turns store.ErrNotFound into a safe error.
func notFoundAs(err error, as *apperr.Error) error {
	if errors.Is(err, store.ErrNotFound) {
		return as
	}
	return err
}

// applyEarlierAttempt records what the provider said of an earlier attempt
// of a refund (r is the current one). Its success settles the refund if
// nothing else did; if another attempt already paid out, the money went
// back twice and operators are told.
func (s *Service) applyEarlierAttempt(ctx context.Context, tx Tx, o *Order, r Refund, outRefundNo string, st *RefundStatus) error {
	attempts, err := tx.RefundAttempts(ctx, o.ID)
	if err != nil {
		return err
	}
	i := 0
	for i < len(attempts) && attempts[i].OutRefundNo != outRefundNo {
		i++
	}
	if i == len(attempts) {
		return fmt.Errorf("payment: refund attempt %s: %w", outRefundNo, store.ErrNotFound)
	}
	a := attempts[i]
	if a.Status == refundSucceeded {
		return nil // said before
	}
	a.ProviderStatus, a.UpdatedAt = st.Status, s.now()
	if st.Status != RefundSuccess {
		return tx.UpdateRefundAttempt(ctx, a)
	}
	a.Status, a.RefundID = refundSucceeded, st.RefundID
	if err := tx.UpdateRefundAttempt(ctx, a); err != nil {
		return err
	}
	if r.Status == refundSucceeded {
		return s.secondRefund(ctx, tx, o, outRefundNo)
	}
	r.Status, r.UpdatedAt = refundSucceeded, s.now()
	if err := tx.UpdateRefund(ctx, r); err != nil {
		return err
	}
	return s.settleRefund(ctx, tx, o, r, fmt.Sprintf("refund %s (attempt %d) succeeded; attempt %d (%s) is not sent",
		outRefundNo, a.Attempt, r.Attempt, r.OutRefundNo))
}

// secondRefund records that a second attempt of one order's refund paid
// out too: the ledger keeps one refund, and the order's events and the
// error log say that the money went back twice, for an operator to
// recover at the provider.
func (s *Service) secondRefund(ctx context.Context, tx Tx, o *Order, outRefundNo string) error {
	s.log.ErrorContext(ctx, "a second refund attempt paid out: the money went back twice; recover it", "order", o.ID, "out_refund_no", outRefundNo)
	return tx.InsertEvent(ctx, Event{OrderID: o.ID, From: o.State, To: o.State, At: s.now(),
		Reason: "DOUBLE REFUND: " + outRefundNo + " also succeeded; the money went back twice, recover it at the provider"})
}
