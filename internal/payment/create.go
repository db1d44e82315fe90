package payment

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/auditlog"
	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/store"
)

// Job kinds the payment service enqueues and handles.
const (
	JobPost   = "payment.post"   // post a paid order to the core system
	JobExpire = "payment.expire" // close an order nobody paid
	JobQuery  = "payment.query"  // ask the provider, in case a notification was lost
	// JobPostingCheck asks the core system again about a posting it could
	// not account for after 72 hours (the order is held meanwhile).
	JobPostingCheck = "payment.posting_check"
)

// maxBillsPerOrder keeps one payment within what a person can check at a glance
// and within the provider's description and detail limits.
const maxBillsPerOrder = 24

// CreateOrderRequest is a payer's request to pay some bills.
type CreateOrderRequest struct {
	BillIDs        []string
	Channel        string
	IdempotencyKey string
	// GrantID, for a proxy payment (亲属代缴), names the family grant under
	// which the payer pays another person's bills.
	GrantID string
	// App is the WeChat app the payer pays in: identity.AppMiniProgram for
	// the mini-program, else the official account (pages in WeChat).
	App string
	// Confirmed: the payer gave a second factor in the last few minutes
	// (identity.Service.Confirmed), as payments above the review line need.
	Confirmed bool
}

// OrderWithPay is an order and, while it can be paid, how to pay it.
type OrderWithPay struct {
	Order Order
	Pay   *PayParams
}

// CreateOrder creates (or, for a repeated idempotency key, returns) an order
// for the payer's bills and asks the provider for a payment.
func (s *Service) CreateOrder(ctx context.Context, payer *identity.Person, req CreateOrderRequest) (*OrderWithPay, error) {
	if err := validateCreate(req); err != nil {
		return nil, err
	}
	ids := slices.Clone(req.BillIDs)
	slices.Sort(ids)
	hash := sm3.Sum([]byte(req.Channel + "\n" + req.GrantID + "\n" + req.App + "\n" + joinSorted(ids)))
	if o, err := s.store.OrderByIdempotencyKey(ctx, payer.ID, req.IdempotencyKey); err == nil {
		return s.replay(ctx, payer, o, hash[:])
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("payment: idempotency lookup: %w", err)
	}
	insured, scope, err := s.insuredFor(ctx, payer, req.GrantID)
	if err != nil {
		return nil, err
	}
	if req.Channel == CreditChannel {
		return s.createCreditOrder(ctx, payer, insured, req, ids, hash[:])
	}
	if req.Channel == OffsetChannel {
		return s.createOffsetOrder(ctx, payer, insured, req, ids, hash[:])
	}
	provider, ok := s.providers[req.Channel]
	if !ok || !s.rules.ChannelAllowed(insured.Region, req.Channel, s.now()) {
		return nil, s.errChannel(insured.Region)
	}
	if r, ok := provider.(PayerAccountRequired); ok && r.RequiresOpenID() && payer.OpenIDFor(req.App) == "" {
		return nil, errNoWeChat
	}
	bills, err := s.payableBills(ctx, insured, ids)
	if err != nil {
		return nil, err
	}
	if err := inScope(bills, scope); err != nil {
		return nil, err
	}
	if err := s.checkBinding(ctx, insured, bills); err != nil {
		return nil, err
	}
	if err := s.checkLimits(ctx, payer, req.Channel, bills); err != nil {
		return nil, err
	}
	if err := s.checkConfirmed(req, bills); err != nil {
		return nil, err
	}
	prev, superseded, err := s.supersede(ctx, payer.ID, req.IdempotencyKey, bills)
	if err != nil {
		return nil, err
	} else if prev != nil {
		// A concurrent request with this very key got here first.
		return s.replay(ctx, payer, *prev, hash[:])
	}
	o, err := s.newOrder(payer, req, ids, bills, hash[:])
	if err != nil {
		return nil, err
	}
	o.Supersedes, o.PersonID, o.Region = superseded, insured.ID, insured.Region
	if err := s.insertOrder(ctx, o); errors.Is(err, store.ErrConflict) {
		// A concurrent request with the same key won the race: answer as it did.
		if prev, err2 := s.store.OrderByIdempotencyKey(ctx, payer.ID, req.IdempotencyKey); err2 == nil {
			return s.replay(ctx, payer, prev, hash[:])
		}
		return nil, errBillsBusy.Wrap(err)
	} else if err != nil {
		return nil, err
	}
	return s.prepay(ctx, provider, s.prepayRequest(payer, o, req.App), o)
}

var errNoWeChat = apperr.New(apperr.Invalid, "wechat_not_bound",
	"微信支付需要先绑定微信：请从微信（公众号或小程序）进入本服务，或选择其他支付方式。",
	"WeChat Pay needs your WeChat linked first: open this service from WeChat (official account or mini-program), or choose another channel.").WithField("channel")

// validKey tells whether an Idempotency-Key is usable (1 to 128 characters).
func validKey(key string) bool { return key != "" && len(key) <= 128 }

var errIdempotencyKey = apperr.New(apperr.Invalid, "idempotency_key_required",
	"请求缺少 Idempotency-Key 请求头（1至128个字符），用于防止重复下单。",
	"Send an Idempotency-Key header (1 to 128 characters) so a repeated request cannot create a second order.").WithField("Idempotency-Key")

func validateCreate(req CreateOrderRequest) error {
	if !validKey(req.IdempotencyKey) {
		return errIdempotencyKey
	}
	if len(req.BillIDs) == 0 || len(req.BillIDs) > maxBillsPerOrder {
		return apperr.New(apperr.Invalid, "bill_ids_invalid",
			fmt.Sprintf("请选择1至%d笔应缴账单。", maxBillsPerOrder),
			fmt.Sprintf("Choose between 1 and %d bills to pay.", maxBillsPerOrder)).WithField("bill_ids")
	}
	seen := map[string]bool{}
	for _, id := range req.BillIDs {
		if id == "" || seen[id] {
			return apperr.New(apperr.Invalid, "bill_ids_invalid", "账单编号重复或为空。", "A bill id is empty or repeated.").WithField("bill_ids")
		}
		seen[id] = true
	}
	return nil
}

func (s *Service) errChannel(region string) error {
	e := apperr.New(apperr.Invalid, "channel_not_offered",
		"该地区不支持所选支付方式，请选择页面列出的支付方式。",
		"This region does not offer the chosen payment channel; choose one of those listed.").WithField("channel")
	allowed := []string{}
	for ch := range s.providers {
		if s.rules.ChannelAllowed(region, ch, s.now()) {
			allowed = append(allowed, ch)
		}
	}
	if _, ok := s.creditTerms(region); ok {
		allowed = append(allowed, CreditChannel)
	}
	if _, ok := s.offsetTerms(region); ok {
		allowed = append(allowed, OffsetChannel)
	}
	slices.Sort(allowed)
	e.Allowed = allowed
	return e
}

var errBillsBusy = apperr.New(apperr.Conflict, "bills_in_other_order",
	"所选账单正在另一笔订单中支付，请稍后刷新查看结果。",
	"Some of these bills are being paid in another order; refresh in a moment to see its result.")

// payableBills loads the bills and checks each belongs to the person and is
// still due. Someone else's bill is reported as not found, never as forbidden,
// so ids cannot be probed.
func (s *Service) payableBills(ctx context.Context, payer *identity.Person, ids []string) ([]billing.Bill, error) {
	bills, err := s.store.BillsByIDs(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("payment: load bills: %w", err)
	}
	byID := map[string]billing.Bill{}
	for _, b := range bills {
		if b.PersonID == payer.ID {
			byID[b.ID] = b
		}
	}
	out := make([]billing.Bill, 0, len(ids))
	for i, id := range ids {
		b, ok := byID[id]
		if !ok {
			return nil, apperr.New(apperr.NotFound, "bill_not_found",
				"未找到该账单，请刷新应缴列表后重新选择。",
				"No such bill. Refresh the list of bills due and choose again.").WithField(fmt.Sprintf("bill_ids[%d]", i))
		}
		if b.Status != billing.Due {
			return nil, apperr.New(apperr.Conflict, "bill_already_paid",
				"该账单已缴费，无需重复缴纳，可在缴费记录中查看凭证。",
				"This bill is already paid; see its vouchers in your payment history.").WithField(fmt.Sprintf("bill_ids[%d]", i))
		}
		out = append(out, b)
	}
	return out, nil
}

func (s *Service) newOrder(payer *identity.Person, req CreateOrderRequest, ids []string, bills []billing.Bill, hash []byte) (Order, error) {
	amounts := make([]money.Fen, len(bills))
	for i, b := range bills {
		amounts[i] = b.AmountFen
	}
	total, err := money.Sum(amounts...)
	if err != nil || total <= 0 {
		return Order{}, apperr.InternalError(fmt.Errorf("payment: order total %d: %v", total, err))
	}
	id, err := s.newID("ord_", 20)
	if err != nil {
		return Order{}, err
	}
	otn, err := s.newOutTradeNo()
	if err != nil {
		return Order{}, err
	}
	now := s.now()
	return Order{
		ID: id, PersonID: payer.ID, PayerID: payer.ID, Region: payer.Region, Channel: req.Channel,
		State: Created, AmountFen: total, Description: describe(bills), OutTradeNo: otn,
		IdempotencyKey: req.IdempotencyKey, RequestHash: hash, BillIDs: ids,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(s.orderTTL), Version: 1,
	}, nil
}

// describe is the provider-side description (≤127 characters), shown in the
// payer's WeChat bill list.
func describe(bills []billing.Bill) string {
	if len(bills) == 1 {
		return "社保缴费 " + bills[0].Period
	}
	return fmt.Sprintf("社保缴费 %d笔", len(bills))
}

// insertOrder stores the new order with its bills locked, its first event and
// the job that closes it if nobody pays, in one transaction: after a crash,
// the expiry job still releases the bills.
func (s *Service) insertOrder(ctx context.Context, o Order) error {
	// Shared commit on SQLite (groupcommit.go): every payment starts here.
	// fn keeps nothing outside the transaction, so it may run again.
	return s.inSharedTx(ctx, func(tx Tx) error {
		if err := tx.InsertOrder(ctx, o); err != nil {
			return err
		}
		if err := tx.LockBills(ctx, o.ID, o.BillIDs); err != nil {
			return err
		}
		if err := tx.InsertEvent(ctx, Event{OrderID: o.ID, To: Created, Reason: "order created", At: o.CreatedAt}); err != nil {
			return err
		}
		if o.PayerID != o.PersonID {
			// A proxy payment is a use of the grant: audited with it.
			if err := auditlog.Append(ctx, tx, auditlog.Entry{At: o.CreatedAt, Actor: o.PayerID, Action: "grant.use",
				Target: o.ID, Detail: "pays for " + o.PersonID}); err != nil {
				return err
			}
		}
		return tx.EnqueueJob(ctx, jobs.Job{Kind: JobExpire, Ref: o.ID, RunAt: o.ExpiresAt})
	})
}

// replay answers a repeated idempotency key: the same request gets the same
// order; a different request under the same key is refused.
func (s *Service) replay(ctx context.Context, payer *identity.Person, o Order, hash []byte) (*OrderWithPay, error) {
	if !bytes.Equal(o.RequestHash, hash) {
		return nil, apperr.New(apperr.Conflict, "idempotency_key_reused",
			"该 Idempotency-Key 已用于另一笔不同的下单请求，请为新请求生成新的键。",
			"This Idempotency-Key was already used for a different order request; use a new key for a new request.").WithField("Idempotency-Key")
	}
	if o.State != AwaitingPayment {
		return &OrderWithPay{Order: o}, nil
	}
	// The same parameters as the first answer: a retry gets no new signature.
	return &OrderWithPay{Order: o, Pay: o.PayParams}, nil
}

func (s *Service) prepayRequest(payer *identity.Person, o Order, app string) PrepayRequest {
	return PrepayRequest{OutTradeNo: o.OutTradeNo, Description: o.Description, AmountFen: o.AmountFen,
		App: app, OpenID: payer.OpenIDFor(app), ExpireAt: o.ExpiresAt}
}

func providerDown(err error) error {
	return apperr.New(apperr.Unavailable, "provider_unavailable",
		"支付服务暂时不可用，请稍后再试；您的账单未被扣款。",
		"The payment service is unavailable right now. Please try again later; you have not been charged.").Wrap(err)
}

// prepay asks the provider for the payment and records the outcome.
func (s *Service) prepay(ctx context.Context, provider Provider, req PrepayRequest, o Order) (*OrderWithPay, error) {
	pay, err := provider.Prepay(ctx, req)
	if err != nil {
		s.log.WarnContext(ctx, "prepay failed", "order", o.ID, "err", err)
		if ferr := s.failOrder(ctx, o.ID, "prepay refused: "+err.Error()); ferr != nil {
			s.log.ErrorContext(ctx, "record failed prepay", "order", o.ID, "err", ferr)
		}
		return nil, providerDown(err)
	}
	var out Order
	superseded := false
	err = s.changeShared(ctx, o.ID, func(tx Tx, cur *Order) error {
		out, superseded = Order{}, false // fn may run again (changeShared)
		if cur.State != Created {
			out, superseded = *cur, true
			return nil
		}
		cur.PrepayID, cur.PayParams = pay.PrepayID, pay
		if err := s.transition(ctx, tx, cur, AwaitingPayment, "prepay created"); err != nil {
			return err
		}
		out = *cur
		// Poll the provider in case its notification never arrives.
		return tx.EnqueueJob(ctx, jobs.Job{Kind: JobQuery, Ref: cur.ID, RunAt: s.now().Add(queryDelay)})
	})
	if err != nil {
		return nil, err
	}
	if superseded {
		// Another request closed this order while the provider was creating
		// it. Close the provider order we just made, and hand out no way to
		// pay it: a payment would arrive for bills that are elsewhere.
		if cerr := provider.Close(ctx, o.OutTradeNo); cerr != nil && !errors.Is(cerr, ErrProviderNotFound) {
			s.log.ErrorContext(ctx, "close superseded provider order", "order", o.ID, "err", cerr)
		}
		return nil, errSuperseded
	}
	return &OrderWithPay{Order: out, Pay: pay}, nil
}

var errSuperseded = apperr.New(apperr.Conflict, "order_superseded",
	"该订单已被您的另一笔订单取代，请刷新应缴账单后重新支付。",
	"This order was replaced by another order of yours; refresh your bills and pay again.")

// queryDelay is how long after prepay we first ask the provider ourselves:
// WeChat's first notification retries come at 15 s and 30 s, so a minute
// means a lost notification costs the person at most about a minute.
const queryDelay = time.Minute

func (s *Service) failOrder(ctx context.Context, id, reason string) error {
	return s.change(ctx, id, func(tx Tx, cur *Order) error {
		if cur.State != Created {
			return nil
		}
		if err := s.transition(ctx, tx, cur, Failed, reason); err != nil {
			return err
		}
		return tx.ReleaseBills(ctx, cur.ID)
	})
}

// checkBinding refuses an order that leaves out a bill the region requires
// alongside another (medical without the same month's pension, where the
// pack binds them), when that required bill is still due.
func (s *Service) checkBinding(ctx context.Context, payer *identity.Person, chosen []billing.Bill) error {
	picked := map[string]bool{}
	for _, b := range chosen {
		picked[b.Insurance+"@"+b.Period] = true
	}
	var due map[string]bool
	for _, b := range chosen {
		need := s.rules.PaidWith(payer.Region, string(payer.Type), b.Insurance, b.Period)
		if need == "" || picked[need+"@"+b.Period] {
			continue
		}
		if due == nil {
			all, err := s.DueBills(ctx, payer.ID)
			if err != nil {
				return err
			}
			due = map[string]bool{}
			for _, d := range all {
				due[d.Insurance+"@"+d.Period] = true
			}
		}
		if due[need+"@"+b.Period] {
			e := apperr.New(apperr.Invalid, "medical_requires_pension",
				fmt.Sprintf("本地区职工医保须与同月养老保险一并缴纳，请同时选择%s的养老保险账单。", b.Period),
				fmt.Sprintf("In this region employee medical insurance must be paid together with the same month's pension; also choose the pension bill for %s.", b.Period)).WithField("bill_ids")
			e.Allowed = []string{need}
			return e
		}
	}
	return nil
}
