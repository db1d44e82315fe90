package payment

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/auditlog"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/store"
)

// Repaying overdue credits with WeChat Pay: the person pays what is
// overdue themselves, JSAPI in WeChat or Native (QR) on a PC, instead of
// waiting for the card account to be debited again. A repayment is a
// provider payment of its own, under its own out_trade_no, followed like
// an order: notification, active query when the notification is lost,
// closing when it expires unpaid.

// Repayment statuses.
const (
	RepaymentCreated  = "created" // stored, the provider not yet asked
	RepaymentAwaiting = "awaiting_payment"
	RepaymentPaid     = "paid"
	RepaymentClosed   = "closed" // expired or replaced unpaid
	RepaymentFailed   = "failed" // the provider refused to create it
)

// Job kinds of WeChat Pay repayments (ref = repayment id).
const (
	// JobRepayQuery asks the provider about an unpaid repayment, in case
	// its notification was lost, and closes it once it has expired.
	JobRepayQuery = "payment.credit_repay_query"
	// JobRepayRefund gives back what was paid for credits no longer owed.
	JobRepayRefund = "payment.credit_repay_refund"
)

// repayPrefix starts every repayment's out_trade_no (orders: "SB", card
// collections: "CP"), which is how a notification or a bill row is known
// to be a repayment; repayRefundPrefix starts its refund's out_refund_no.
const (
	repayPrefix       = "CW"
	repayRefundPrefix = "RW"
)

// Repayment is a person's WeChat Pay payment of their overdue credits.
type Repayment struct {
	ID             string
	PersonID       string
	Channel        string
	OutTradeNo     string
	AmountFen      money.Fen
	CreditIDs      []string // the order ids of the credits it repays
	Status         string
	IdempotencyKey string
	RequestHash    string
	PayParams      *PayParams
	TransactionID  string
	// PaidFen arrived; AppliedFen of it repaid credits; RefundFen goes back.
	PaidFen      money.Fen
	AppliedFen   money.Fen
	RefundFen    money.Fen
	OutRefundNo  string
	RefundStatus string // "", requested, processing, succeeded, failed
	RefundID     string
	Note         string // what happened beyond the plain case, for the person
	PaidAt       time.Time
	ExpiresAt    time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Version      int
}

// Open reports whether the repayment can still be paid.
func (r Repayment) Open() bool { return r.Status == RepaymentCreated || r.Status == RepaymentAwaiting }

// RepaymentQuery finds one repayment by whichever field is set: ID,
// OutTradeNo, OutRefundNo, or PersonID with IdempotencyKey.
type RepaymentQuery struct {
	ID, OutTradeNo, OutRefundNo string
	PersonID, IdempotencyKey    string
}

// RepayRequest is a person's request to repay overdue credits by WeChat Pay.
type RepayRequest struct {
	Channel        string // wechatpay (JSAPI) or wechatpay_native
	App            string // the WeChat app of a JSAPI payment
	IdempotencyKey string
}

// RepaymentWithPay is a repayment and, while it can be paid, how.
type RepaymentWithPay struct {
	Repayment Repayment
	Pay       *PayParams
}

// repayChannels are the channels overdue credits can be repaid through.
var repayChannels = []string{"wechatpay", "wechatpay_native"}

func isRepayTradeNo(outTradeNo string) bool { return strings.HasPrefix(outTradeNo, repayPrefix) }

// CreateRepayment starts a WeChat Pay repayment of everything the person
// has overdue. The same idempotency key with the same request returns the
// same repayment; an unpaid earlier repayment is closed first, so that
// only one can be paid.
func (s *Service) CreateRepayment(ctx context.Context, p *identity.Person, req RepayRequest) (*RepaymentWithPay, error) {
	if _, ok := s.creditTerms(p.Region); !ok {
		return nil, errCreditNotOffered
	}
	if !validKey(req.IdempotencyKey) {
		return nil, errIdempotencyKey
	}
	sum := sm3.Sum([]byte(req.Channel + "\n" + req.App))
	hash := hex.EncodeToString(sum[:])
	if rp, err := s.cp.store.FindRepayment(ctx, RepaymentQuery{PersonID: p.ID, IdempotencyKey: req.IdempotencyKey}); err == nil {
		return replayRepayment(rp, hash)
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("payment: repayment lookup: %w", err)
	}
	provider, ok := s.providers[req.Channel]
	if !ok || !slices.Contains(repayChannels, req.Channel) || !s.rules.ChannelAllowed(p.Region, req.Channel, s.now()) {
		return nil, s.errRepayChannel(p.Region)
	}
	if r, ok := provider.(PayerAccountRequired); ok && r.RequiresOpenID() && p.OpenIDFor(req.App) == "" {
		return nil, errNoWeChat
	}
	if err := s.closeOpenRepayments(ctx, p.ID); err != nil {
		return nil, err
	}
	overdue, total, err := s.overdueCredits(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	if len(overdue) == 0 {
		return nil, errNothingOverdue
	}
	rp, err := s.newRepayment(p, req, hash, overdue, total)
	if err != nil {
		return nil, err
	}
	err = s.cp.store.InCreditTx(ctx, func(tx CreditTx) error {
		if err := tx.InsertRepayment(ctx, rp); err != nil {
			return err
		}
		// Ask the provider in a minute in case the notification is lost;
		// the same job closes the repayment once it expires unpaid.
		if err := tx.EnqueueJob(ctx, jobs.Job{Kind: JobRepayQuery, Ref: rp.ID, RunAt: s.now().Add(queryDelay)}); err != nil {
			return err
		}
		return auditlog.Append(ctx, tx, auditlog.Entry{At: rp.CreatedAt, Actor: p.ID, Action: "credit.repay.start", Target: rp.ID,
			Detail: fmt.Sprintf("%s yuan by %s for %s", total.Yuan(), rp.Channel, strings.Join(overdue, ","))})
	})
	if errors.Is(err, store.ErrConflict) {
		if prev, err2 := s.cp.store.FindRepayment(ctx, RepaymentQuery{PersonID: p.ID, IdempotencyKey: req.IdempotencyKey}); err2 == nil {
			return replayRepayment(prev, hash)
		}
		return nil, err
	} else if err != nil {
		return nil, fmt.Errorf("payment: store repayment: %w", err)
	}
	s.wake()
	pay, err := provider.Prepay(ctx, PrepayRequest{OutTradeNo: rp.OutTradeNo, Description: "社保信用付还款", AmountFen: rp.AmountFen,
		App: req.App, OpenID: p.OpenIDFor(req.App), ExpireAt: rp.ExpiresAt})
	if err != nil {
		s.log.WarnContext(ctx, "repayment prepay failed", "repayment", rp.ID, "err", err)
		if ferr := s.updateRepayment(ctx, rp.ID, func(cur *Repayment) bool {
			if cur.Status != RepaymentCreated {
				return false
			}
			cur.Status, cur.Note = RepaymentFailed, "prepay refused"
			return true
		}); ferr != nil {
			s.log.ErrorContext(ctx, "record failed repayment prepay", "repayment", rp.ID, "err", ferr)
		}
		return nil, providerDown(err)
	}
	var out Repayment
	err = s.updateRepayment(ctx, rp.ID, func(cur *Repayment) bool {
		out = *cur
		if cur.Status != RepaymentCreated {
			return false // paid or closed meanwhile
		}
		cur.Status, cur.PayParams = RepaymentAwaiting, pay
		out = *cur
		return true
	})
	if err != nil {
		return nil, err
	}
	if out.Status == RepaymentClosed {
		// Another request replaced it while WeChat Pay was creating it:
		// close the order just made there too, so that it cannot be paid.
		switch cerr := provider.Close(ctx, rp.OutTradeNo); {
		case errors.Is(cerr, ErrAlreadyPaid):
			_, cerr = s.queryRepayment(ctx, out) // paid all the same: apply it
			if cerr != nil {
				s.log.ErrorContext(ctx, "apply replaced repayment paid at the provider", "repayment", rp.ID, "err", cerr)
			}
		case cerr != nil && !errors.Is(cerr, ErrProviderNotFound):
			s.log.ErrorContext(ctx, "close replaced repayment at the provider", "repayment", rp.ID, "err", cerr)
		}
	}
	return &RepaymentWithPay{Repayment: out, Pay: payFor(out)}, nil
}

func (s *Service) newRepayment(p *identity.Person, req RepayRequest, hash string, credits []string, total money.Fen) (Repayment, error) {
	id, err := s.newID("crp_", 20)
	if err != nil {
		return Repayment{}, err
	}
	r, err := s.newID("", 10)
	if err != nil {
		return Repayment{}, err
	}
	now := s.now()
	return Repayment{ID: id, PersonID: p.ID, Channel: req.Channel,
		OutTradeNo: repayPrefix + now.In(beijing).Format("20060102150405") + r, AmountFen: total, CreditIDs: credits,
		Status: RepaymentCreated, IdempotencyKey: req.IdempotencyKey, RequestHash: hash,
		ExpiresAt: now.Add(s.orderTTL), CreatedAt: now, UpdatedAt: now, Version: 1}, nil
}

func replayRepayment(rp Repayment, hash string) (*RepaymentWithPay, error) {
	if rp.RequestHash != hash {
		return nil, apperr.New(apperr.Conflict, "idempotency_key_reused",
			"该 Idempotency-Key 已用于另一笔不同的还款请求，请为新请求生成新的键。",
			"This Idempotency-Key was already used for a different repayment request; use a new key for a new request.").WithField("Idempotency-Key")
	}
	return &RepaymentWithPay{Repayment: rp, Pay: payFor(rp)}, nil
}

func payFor(rp Repayment) *PayParams {
	if rp.Status != RepaymentAwaiting {
		return nil
	}
	return rp.PayParams
}

// overdueCredits lists the order ids of the person's overdue credits, in
// a stable order, and their total.
func (s *Service) overdueCredits(ctx context.Context, personID string) ([]string, money.Fen, error) {
	credits, err := s.cp.store.CreditsForPerson(ctx, personID)
	if err != nil {
		return nil, 0, fmt.Errorf("payment: credits: %w", err)
	}
	var ids []string
	var total money.Fen
	for _, c := range credits {
		if c.Status == CreditOverdue {
			ids = append(ids, c.OrderID)
			total += c.AmountFen
		}
	}
	slices.Sort(ids)
	return ids, total, nil
}

var errNothingOverdue = apperr.New(apperr.Conflict, "credit_nothing_overdue",
	"您没有逾期的信用付欠款，无需还款。待还款项会在还款日从社保卡金融账户自动扣款。",
	"Nothing of yours is overdue, so there is nothing to repay now; what you owe is collected from your social security card account on its due day.")

func (s *Service) errRepayChannel(region string) error {
	e := apperr.New(apperr.Invalid, "repay_channel_not_offered",
		"逾期欠款只能用微信支付还款：在微信中请选择 wechatpay，在电脑上请选择 wechatpay_native（扫码）。",
		"Overdue credits are repaid with WeChat Pay: choose wechatpay inside WeChat, or wechatpay_native (scan a QR code) on a PC.").WithField("channel")
	allowed := []string{}
	for _, ch := range repayChannels {
		if _, ok := s.providers[ch]; ok && s.rules.ChannelAllowed(region, ch, s.now()) {
			allowed = append(allowed, ch)
		}
	}
	e.Allowed = allowed
	return e
}

// RepaymentFor returns the person's own repayment; anyone else's is not
// found, whether or not it exists.
func (s *Service) RepaymentFor(ctx context.Context, personID, id string) (*RepaymentWithPay, error) {
	rp, err := s.cp.store.FindRepayment(ctx, RepaymentQuery{ID: id})
	if errors.Is(err, store.ErrNotFound) || (err == nil && rp.PersonID != personID) {
		return nil, apperr.New(apperr.NotFound, "repayment_not_found", "未找到该还款记录。", "No such repayment.")
	} else if err != nil {
		return nil, fmt.Errorf("payment: repayment %s: %w", id, err)
	}
	return &RepaymentWithPay{Repayment: rp, Pay: payFor(rp)}, nil
}

// RepaymentsFor lists the person's repayments, newest first.
func (s *Service) RepaymentsFor(ctx context.Context, personID string, limit int) ([]Repayment, error) {
	if s.cp.store == nil {
		return nil, nil
	}
	return s.cp.store.RepaymentsForPerson(ctx, personID, limit)
}

// updateRepayment applies fn to the stored repayment in a transaction;
// fn returns false to leave it unchanged.
func (s *Service) updateRepayment(ctx context.Context, id string, fn func(*Repayment) bool) error {
	return s.cp.store.InCreditTx(ctx, func(tx CreditTx) error {
		cur, err := tx.FindRepayment(ctx, RepaymentQuery{ID: id})
		if err != nil || !fn(&cur) {
			return err
		}
		cur.UpdatedAt = s.now()
		cur.Version++
		return tx.UpdateRepayment(ctx, cur)
	})
}

// closeOpenRepayments closes the person's unpaid repayments (a new one
// replaces them); one paid meanwhile is applied instead.
func (s *Service) closeOpenRepayments(ctx context.Context, personID string) error {
	rps, err := s.cp.store.RepaymentsForPerson(ctx, personID, 20)
	if err != nil {
		return fmt.Errorf("payment: repayments: %w", err)
	}
	for _, rp := range rps {
		if rp.Open() {
			if err := s.closeRepayment(ctx, rp, "replaced by a new repayment"); err != nil {
				return err
			}
		}
	}
	return nil
}

// closeRepayment closes an unpaid repayment at the provider and here; if
// the provider says it was paid, the payment is applied instead.
func (s *Service) closeRepayment(ctx context.Context, rp Repayment, reason string) error {
	err := s.providers[rp.Channel].Close(ctx, rp.OutTradeNo)
	switch {
	case errors.Is(err, ErrAlreadyPaid):
		_, err := s.queryRepayment(ctx, rp)
		return err
	case errors.Is(err, ErrProviderNotFound), err == nil:
	default:
		return providerDown(err)
	}
	return s.updateRepayment(ctx, rp.ID, func(cur *Repayment) bool {
		if !cur.Open() {
			return false
		}
		cur.Status, cur.Note = RepaymentClosed, reason
		return true
	})
}

// queryRepayment asks the provider how the repayment stands and applies a
// payment it reports: how a lost notification is recovered.
func (s *Service) queryRepayment(ctx context.Context, rp Repayment) (paid bool, err error) {
	txn, err := s.providers[rp.Channel].Query(ctx, rp.OutTradeNo)
	if errors.Is(err, ErrProviderNotFound) {
		return false, nil
	} else if err != nil {
		return false, providerDown(err)
	}
	if txn.TradeState != TradeSuccess {
		return false, nil
	}
	return true, s.applyRepayment(ctx, *txn, "provider query")
}

// repayQuery is the JobRepayQuery handler.
func (s *Service) repayQuery(ctx context.Context, id string) error {
	rp, err := s.cp.store.FindRepayment(ctx, RepaymentQuery{ID: id})
	if err != nil || !rp.Open() {
		return err
	}
	if paid, err := s.queryRepayment(ctx, rp); err != nil || paid {
		return err
	}
	if !s.now().Before(rp.ExpiresAt) {
		return s.closeRepayment(ctx, rp, "expired unpaid")
	}
	next := s.now().Add(queryDelay)
	if next.After(rp.ExpiresAt) {
		next = rp.ExpiresAt
	}
	return jobs.RetryAt{At: next}
}
