package payment

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shebao-project/shebao/internal/auditlog"
	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/ledger"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/store"
)

// A card debit that lands on a credit no longer owed (the person repaid it
// with WeChat Pay while the bank was debiting, or it was cancelled) repaid
// nothing: the money is owed back and goes back to the card by the bank's
// refund of that debit, under an out_refund_no stored with the debit
// before the bank is asked, so that asking again never pays back twice.

// CardExcess is a card debit owed back and how its refund stands.
type CardExcess struct {
	TradeNo       string // the mandated debit's out_trade_no
	OrderID       string // the credit's order
	PersonID      string
	Channel       string // the collector's channel, whose clearing account holds the money
	AmountFen     money.Fen
	TransactionID string // the bank's serial of the debit
	OutRefundNo   string // the current attempt's; once succeeded, the one that paid out
	Attempt       int    // 1, then one more per operator's retry (CardRefundAttemptNo)
	RefundStatus  string // requested, processing, succeeded, failed
	RefundID      string
	RefundedAt    time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
	Version       int
}

// Returned reports whether the money is back on the card.
func (x CardExcess) Returned() bool { return x.RefundStatus == refundSucceeded }

// cardRefundPrefix starts the out_refund_no of a card excess's refund;
// the rest is the debit's trade number without its "CP", so each is named
// by the other (orders' refunds: "RF", WeChat Pay repayments': "RW").
const cardRefundPrefix = "RC"

func cardRefundNo(tradeNo string) string { return CardRefundAttemptNo(tradeNo, 1) }

// CardRefundAttemptNo is the out_refund_no of a card excess refund's
// attempt: the first is "RC" and the debit's number without its "CP", each
// operator's retry adds "-" and the attempt number. The card bank allows
// 6 to 64 characters of [0-9A-Za-z_-|*@] (internal/payment/ssc, refunds);
// a debit's number is 24.
func CardRefundAttemptNo(tradeNo string, attempt int) string {
	no := cardRefundPrefix + tradeNo[2:]
	if attempt > 1 {
		no += "-" + strconv.Itoa(attempt)
	}
	return no
}

// cardExcessKind is the ledger movement of a card debit that repaid
// nothing (Dr clearing / Cr refund payable), and cardReturnedKind its
// refund (Dr refund payable / Cr clearing), keyed by the debit's trade
// number under the credit's order.
func cardExcessKind(tradeNo string) ledger.Kind   { return ledger.Kind("card_excess:" + tradeNo) }
func cardReturnedKind(tradeNo string) ledger.Kind { return ledger.Kind("card_returned:" + tradeNo) }

// cardRefundReason is what the bank shows the holder (≤ 80 characters).
const cardRefundReason = "社保信用付欠款已结清，社保卡多扣款项原路退回"

// recordCardExcess books a card debit that landed on a credit no longer
// owed: the provider holds the money and it is owed back (Dr clearing /
// Cr refund payable), and the job that refunds it is enqueued in the same
// transaction, so a crash cannot forget it. Recording it twice is a no-op.
func (s *Service) recordCardExcess(ctx context.Context, tx CreditTx, c Credit, tradeNo string, res *CollectResult) error {
	if _, err := tx.CardExcess(ctx, tradeNo); err == nil {
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	now := s.now()
	ch := s.cp.collector.Channel()
	x := CardExcess{TradeNo: tradeNo, OrderID: c.OrderID, PersonID: c.PersonID, Channel: ch, AmountFen: c.AmountFen,
		TransactionID: res.TransactionID, OutRefundNo: cardRefundNo(tradeNo), Attempt: 1, RefundStatus: refundRequested,
		CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := tx.InsertCardExcess(ctx, x); errors.Is(err, store.ErrConflict) {
		return nil // recorded by a concurrent attempt with the same number
	} else if err != nil {
		return fmt.Errorf("payment: card excess %s: %w", tradeNo, err)
	}
	p := ledger.Posting{OrderID: c.OrderID, Kind: cardExcessKind(tradeNo), Entries: []ledger.Entry{
		{Account: ledger.Clearing(ch), Amount: c.AmountFen}, {Account: ledger.RefundPayable, Amount: -c.AmountFen}}}
	if err := tx.RecordPosting(ctx, p, now); err != nil {
		return fmt.Errorf("payment: ledger card excess %s: %w", tradeNo, err)
	}
	if err := tx.EnqueueJob(ctx, jobs.Job{Kind: JobCardExcessRefund, Ref: tradeNo, RunAt: now}); err != nil {
		return fmt.Errorf("payment: enqueue card excess refund %s: %w", tradeNo, err)
	}
	s.log.WarnContext(ctx, "card debit for a credit no longer owed: refunding it", "order", c.OrderID, "trade", tradeNo,
		"transaction", res.TransactionID, "amount_fen", c.AmountFen, "credit", c.Status, "repaid_by", c.RepayChannel)
	return auditlog.Append(ctx, tx, auditlog.Entry{At: now, Actor: "system", Action: "credit.repay.card_excess", Target: c.OrderID,
		Detail: fmt.Sprintf("%s yuan debited from the card (%s, transaction %s) after the credit was %s by %s: refunding it as %s",
			c.AmountFen.Yuan(), tradeNo, res.TransactionID, c.Status, c.RepayChannel, x.OutRefundNo)})
}

// cardExcessRefund is the JobCardExcessRefund handler: it asks the card
// bank for the refund under the stored out_refund_no, then follows it
// until it is final. An unanswered call is retried with the runner's
// backoff, with the same number.
func (s *Service) cardExcessRefund(ctx context.Context, tradeNo string) error {
	x, err := s.cp.store.CardExcess(ctx, tradeNo)
	if err != nil {
		return fmt.Errorf("payment: card excess %s: %w", tradeNo, err)
	}
	if x.RefundStatus != refundRequested && x.RefundStatus != refundProcessing {
		return nil
	}
	var st *RefundStatus
	if x.RefundStatus == refundRequested {
		st, err = s.cp.collector.Refund(ctx, RefundRequest{OutTradeNo: x.TradeNo, OutRefundNo: x.OutRefundNo,
			AmountFen: x.AmountFen, TotalFen: x.AmountFen, Reason: cardRefundReason})
	} else {
		st, err = s.cp.collector.QueryRefund(ctx, x.OutRefundNo)
	}
	if err != nil {
		return fmt.Errorf("payment: card excess refund %s: %w", x.OutRefundNo, err)
	}
	if err := s.applyCardRefund(ctx, tradeNo, st); err != nil {
		return err
	}
	if st.Status == RefundProcessing {
		return jobs.RetryAt{At: s.now().Add(refundPoll)}
	}
	return nil
}

// applyCardRefund records what the card bank said about the refund of a
// card excess. Success settles it once: the ledger (Dr refund payable /
// Cr clearing), the audit log, the order's history and a message to the
// person; also when it comes after the bank had shown the refund failed
// (the money went back after all). A refusal (CLOSED, ABNORMAL) leaves
// the money owed back, listed for operators to retry. What the bank says
// of another attempt than the current one goes to applyEarlierCardRefund.
func (s *Service) applyCardRefund(ctx context.Context, tradeNo string, st *RefundStatus) error {
	return s.cp.store.InCreditTx(ctx, func(tx CreditTx) error {
		x, err := tx.CardExcess(ctx, tradeNo)
		if err != nil {
			return err
		}
		if st.OutRefundNo != "" && st.OutRefundNo != x.OutRefundNo {
			return s.applyEarlierCardRefund(ctx, tx, x, st)
		}
		if x.RefundStatus == refundSucceeded || (x.RefundStatus == refundFailed && st.Status != RefundSuccess) {
			return nil
		}
		now := s.now()
		if st.RefundID != "" {
			x.RefundID = st.RefundID
		}
		x.RefundStatus = nextRefundStatus(st.Status)
		x.UpdatedAt = now
		x.Version++
		if x.Returned() {
			x.RefundedAt = now
		}
		if err := tx.UpdateCardExcess(ctx, x); err != nil {
			return err
		}
		switch x.RefundStatus {
		case refundSucceeded:
			return s.recordCardReturned(ctx, tx, x)
		case refundFailed:
			s.log.ErrorContext(ctx, "card excess refund refused by the bank: return it by hand", "order", x.OrderID,
				"trade", x.TradeNo, "out_refund_no", x.OutRefundNo, "amount_fen", x.AmountFen, "status", st.Status)
			return auditlog.Append(ctx, tx, auditlog.Entry{At: now, Actor: "system", Action: "credit.repay.card_refund_failed",
				Target: x.OrderID, Detail: fmt.Sprintf("refund %s of %s yuan debited by %s: the bank answered %s; to return by hand",
					x.OutRefundNo, x.AmountFen.Yuan(), x.TradeNo, st.Status)})
		}
		return nil
	})
}

// nextRefundStatus maps the bank's refund state to ours: PROCESSING goes
// on, SUCCESS is done, anything else (CLOSED, ABNORMAL) did not pay out.
func nextRefundStatus(bank string) string {
	switch bank {
	case RefundProcessing:
		return refundProcessing
	case RefundSuccess:
		return refundSucceeded
	}
	return refundFailed
}

func (s *Service) recordCardReturned(ctx context.Context, tx CreditTx, x CardExcess) error {
	now := s.now()
	p := ledger.Posting{OrderID: x.OrderID, Kind: cardReturnedKind(x.TradeNo), Entries: []ledger.Entry{
		{Account: ledger.RefundPayable, Amount: x.AmountFen}, {Account: ledger.Clearing(x.Channel), Amount: -x.AmountFen}}}
	if err := tx.RecordPosting(ctx, p, now); err != nil {
		return fmt.Errorf("payment: ledger card excess returned %s: %w", x.TradeNo, err)
	}
	o, err := tx.OrderByID(ctx, x.OrderID)
	if err != nil {
		return err
	}
	why := fmt.Sprintf("%s yuan debited twice from the card (%s) returned by refund %s", x.AmountFen.Yuan(), x.TradeNo, x.OutRefundNo)
	if err := tx.InsertEvent(ctx, Event{OrderID: o.ID, From: o.State, To: o.State, At: now, Reason: "card excess returned", Detail: why}); err != nil {
		return fmt.Errorf("payment: order event: %w", err)
	}
	if s.notify {
		// The refund message, once per order: the order's own amount,
		// which is what was debited, gone back by the original route.
		if err := tx.EnqueueJobOnce(ctx, jobs.Job{Kind: JobNoticeRefund, Ref: o.ID, RunAt: now}); err != nil {
			return fmt.Errorf("payment: enqueue %s for %s: %w", JobNoticeRefund, o.ID, err)
		}
	}
	s.log.InfoContext(ctx, "card excess returned", "order", x.OrderID, "trade", x.TradeNo, "out_refund_no", x.OutRefundNo)
	return auditlog.Append(ctx, tx, auditlog.Entry{At: now, Actor: "system", Action: "credit.repay.card_returned", Target: x.OrderID, Detail: why})
}

// isCardRefundNo tells a card excess's refund by its number.
func isCardRefundNo(outRefundNo string) bool { return strings.HasPrefix(outRefundNo, cardRefundPrefix) }

// cardRefundTradeNo is the debit a card excess refund number names,
// whichever attempt it is (CardRefundAttemptNo).
func cardRefundTradeNo(outRefundNo string) string {
	no := outRefundNo[len(cardRefundPrefix):]
	if i := strings.LastIndexByte(no, '-'); i >= 0 {
		if _, err := strconv.Atoi(no[i+1:]); err == nil {
			no = no[:i]
		}
	}
	return "CP" + no
}

// cardExcessRow finds, reading only, the card excess a card bank
// statement row is about: the debit itself (out_trade_no) or its refund
// (out_refund_no). ok is false for any other row.
func (s *Service) cardExcessRow(ctx context.Context, r BillRow) (CardExcess, bool, error) {
	tradeNo := r.OutTradeNo
	if r.OutRefundNo != "" {
		if !isCardRefundNo(r.OutRefundNo) {
			return CardExcess{}, false, nil
		}
		tradeNo = cardRefundTradeNo(r.OutRefundNo)
	}
	x, err := s.cp.store.CardExcess(ctx, tradeNo)
	if errors.Is(err, store.ErrNotFound) {
		return x, false, nil
	}
	return x, err == nil, err
}

// cardRefundBillRow applies a card excess refund the statement shows done
// and we still have open (a lost notification), as its notification
// would have been; it tells whether the row is such a refund. A second
// attempt that paid out too is recorded as such but stays a difference,
// for an operator to recover.
func (s *Service) cardRefundBillRow(ctx context.Context, r BillRow) bool {
	x, ok, err := s.cardExcessRow(ctx, r)
	if !ok || err != nil || r.OutRefundNo == "" || x.AmountFen != r.RefundFen {
		return false
	}
	if s.applyCardRefund(ctx, x.TradeNo, &RefundStatus{OutRefundNo: r.OutRefundNo, Status: RefundSuccess}) != nil {
		return false
	}
	x, err = s.cp.store.CardExcess(ctx, x.TradeNo)
	return err == nil && x.Returned() && x.OutRefundNo == r.OutRefundNo
}
