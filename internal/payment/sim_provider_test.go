package payment_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"time"

	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/payment"
)

// simProvider is WeChat Pay reduced to its observable behaviour, in memory
// and driven by the simulation's seeded random source: it keeps its own
// trades and refunds, answers with server errors (some after doing the
// work: the answer was lost), and puts notifications in a queue the
// simulation delivers later, in an order, with copies and losses the seed
// chooses. Its queries always tell the truth. Signatures are not modelled:
// the adapter's verification is tested against the sandbox elsewhere.
type simProvider struct {
	sim     *sim
	trades  []*simTrade // in the order they were created: never iterate a map
	byOTN   map[string]*simTrade
	refunds []*simRefund
	byORN   map[string]*simRefund
	queue   []*simNotice    // notifications waiting for delivery
	events  int             // notification ids issued
	seq     int             // transaction and refund ids issued
	billed  map[string]bool // dates whose trade bill was downloaded
	// refusing: the merchant's balance is short (WeChat Pay's NOT_ENOUGH),
	// so every new refund is refused until the incident ends.
	refusing bool
}

// simTrade is one provider order.
type simTrade struct {
	name        string // o1, o2…: the simulation's name for the order
	otn         string
	amount      money.Fen // what the prepay asked for
	paid        money.Fen // what the payer was charged: amount, unless the seed made them differ
	state       string    // payment.TradeNotPay, TradeSuccess, TradeClosed, TradeRefund
	prepayID    string
	expireAt    time.Time
	txnID       string
	successTime time.Time
	refunded    money.Fen // refunds accepted and not closed
	orn         string    // the out_refund_no of its first refund: retries must reuse it
	stuck       bool      // every refund of it is refused for good (the payer's account is closed)
}

// simRefund is one provider refund.
type simRefund struct {
	otn, orn  string
	refundID  string
	amount    money.Fen
	state     string // payment.RefundProcessing, RefundSuccess, RefundAbnormal, RefundClosed
	outcome   string // what it settles as: success, or, as the seed decides, ABNORMAL or CLOSED
	settleAt  time.Time
	successAt time.Time
	rerouted  bool // an operator applied for an abnormal refund's money to go back another way
}

// simNotice is a notification waiting to be delivered: its body is what
// ParseNotification (or ParseRefundNotification) decodes.
type simNotice struct {
	ID       string               `json:"id"`
	Event    string               `json:"event_type"` // TRANSACTION.SUCCESS, or REFUND.SUCCESS, .ABNORMAL or .CLOSED
	Txn      payment.ProviderTxn  `json:"txn"`
	Refund   payment.RefundStatus `json:"refund"`
	Attempts int                  `json:"-"`
	Born     time.Time            `json:"-"`
}

var (
	errSimServer   = errors.New("simulated provider: 500 SYSTEM_ERROR")
	errSimLost     = errors.New("simulated provider: answer lost (timeout)")
	errSimClosed   = errors.New("simulated provider: 400 ORDER_CLOSED")
	errSimUsed     = errors.New("simulated provider: 400 OUT_TRADE_NO_USED")
	errSimNotPaid  = errors.New("simulated provider: 400 TRADE_NOT_PAID (refund of an unpaid order)")
	errSimNoRefund = errors.New("simulated provider: 404 RESOURCE_NOT_EXISTS")
	errSimTooMuch  = errors.New("simulated provider: 400 NOT_ENOUGH (refund above the amount paid)")
	errSimNoBill   = errors.New("simulated provider: 400 bill not generated yet")
	errSimTotal    = errors.New("simulated provider: 400 PARAM_ERROR (total differs from the amount paid)")
	errSimBalance  = errors.New("simulated provider: 403 NOT_ENOUGH (merchant balance short)")
	errSimAccount  = errors.New("simulated provider: 403 USER_ACCOUNT_ABNORMAL (the payer's account is closed)")
)

const simMchID, simAppID = "1900000109", "wxd678efh567hg6787"

func newSimProvider(s *sim) *simProvider {
	return &simProvider{sim: s, byOTN: map[string]*simTrade{}, byORN: map[string]*simRefund{}, billed: map[string]bool{}}
}

// fail rolls the provider's error rate; lost says whether a failure comes
// after the work was done.
func (p *simProvider) fail() (failed, lost bool) {
	f := p.sim.faults
	if p.sim.roll(f.providerErr) {
		return true, p.sim.roll(f.lostAnswer)
	}
	return false, false
}

// RequiresOpenID implements payment.PayerAccountRequired, as WeChat Pay JSAPI does.
func (p *simProvider) RequiresOpenID() bool { return true }

// Prepay implements payment.Provider.
func (p *simProvider) Prepay(_ context.Context, r payment.PrepayRequest) (*payment.PayParams, error) {
	name := p.sim.nameOTN(r.OutTradeNo)
	p.sim.interleave("prepay of "+name, r.OutTradeNo)
	failed, lost := p.fail()
	if failed && !lost {
		return nil, errSimServer
	}
	t := p.byOTN[r.OutTradeNo]
	switch {
	case t == nil:
		p.seq++
		t = &simTrade{name: name, otn: r.OutTradeNo, amount: r.AmountFen, state: payment.TradeNotPay,
			prepayID: fmt.Sprintf("wx%08d", p.seq), expireAt: r.ExpireAt}
		p.trades = append(p.trades, t)
		p.byOTN[t.otn] = t
	case t.amount != r.AmountFen:
		return nil, errSimUsed
	case t.state == payment.TradeSuccess || t.state == payment.TradeRefund:
		return nil, fmt.Errorf("prepay %s: %w", name, payment.ErrAlreadyPaid)
	case t.state == payment.TradeClosed:
		return nil, errSimClosed
	}
	p.sim.crash("before prepay's answer arrives")
	if lost {
		return nil, errSimLost
	}
	return &payment.PayParams{PrepayID: t.prepayID, AppID: simAppID, Package: "prepay_id=" + t.prepayID, SignType: "RSA"}, nil
}

// Query implements payment.Provider: always the truth, unless it fails.
func (p *simProvider) Query(_ context.Context, otn string) (*payment.ProviderTxn, error) {
	p.sim.interleave("query of "+p.sim.nameOTN(otn), otn)
	if failed, _ := p.fail(); failed {
		return nil, errSimServer
	}
	t := p.byOTN[otn]
	if t == nil {
		return nil, fmt.Errorf("query %s: %w", otn, payment.ErrProviderNotFound)
	}
	txn := p.txn(t)
	return &txn, nil
}

// txn is the trade as the provider reports it: once paid, with the amount
// the payer was charged.
func (p *simProvider) txn(t *simTrade) payment.ProviderTxn {
	amount := t.amount
	if t.isPaid() {
		amount = t.paid
	}
	return payment.ProviderTxn{OutTradeNo: t.otn, TransactionID: t.txnID, TradeState: t.state, AmountFen: amount,
		SuccessTime: t.successTime, MchID: simMchID, AppID: simAppID}
}

func (t *simTrade) isPaid() bool {
	return t.state == payment.TradeSuccess || t.state == payment.TradeRefund
}

// refundedToPayer is what went back to the payer: settled refunds only.
func (p *simProvider) refundedToPayer(t *simTrade) money.Fen {
	var sum money.Fen
	for _, rf := range p.refunds {
		if rf.otn == t.otn && rf.state == payment.RefundSuccess {
			sum += rf.amount
		}
	}
	return sum
}

// Close implements payment.Provider. The interleaving before it is where a
// payer's payment can overtake our close: the close then finds it paid.
func (p *simProvider) Close(_ context.Context, otn string) error {
	p.sim.interleave("close of "+p.sim.nameOTN(otn), otn)
	failed, lost := p.fail()
	if failed && !lost {
		return errSimServer
	}
	t := p.byOTN[otn]
	switch {
	case t == nil:
		return fmt.Errorf("close %s: %w", otn, payment.ErrProviderNotFound)
	case t.state == payment.TradeSuccess || t.state == payment.TradeRefund:
		return fmt.Errorf("close %s: %w", otn, payment.ErrAlreadyPaid)
	}
	t.state = payment.TradeClosed // closing a closed order again is accepted
	p.sim.crash("before close's answer arrives")
	if lost {
		return errSimLost
	}
	return nil
}

// pay is the payer in WeChat's payment sheet: it succeeds for an open,
// unexpired trade and queues its notification.
func (p *simProvider) pay(otn string) string {
	t := p.byOTN[otn]
	now := p.sim.clock.Now()
	switch {
	case t == nil:
		return "refused: no such trade"
	case t.state != payment.TradeNotPay:
		return "refused: trade " + t.state
	case !now.Before(t.expireAt):
		return "refused: trade expired"
	}
	p.seq++
	t.state, t.txnID, t.successTime = payment.TradeSuccess, fmt.Sprintf("42000%010d", p.seq), now.Truncate(time.Second)
	t.paid = t.amount
	what := "paid"
	if p.sim.roll(p.sim.faults.mismatch) {
		t.paid = p.sim.otherAmount(t.amount)
		p.sim.stats.mismatches++
		what = "paid " + t.paid.Yuan() + " yuan, not the " + t.amount.Yuan() + " asked"
	}
	if p.sim.roll(p.sim.faults.refundStuck) {
		t.stuck = true
		what += " (from an account that will close: no refund can reach it)"
	}
	p.notify(&simNotice{Event: "TRANSACTION.SUCCESS", Txn: p.txn(t)})
	return what
}

func (p *simProvider) notify(n *simNotice) {
	p.events++
	n.ID, n.Born = fmt.Sprintf("EV%05d", p.events), p.sim.clock.Now()
	p.queue = append(p.queue, n)
}

// request is the notification as it reaches our notify URL.
func (n *simNotice) request() *http.Request {
	body, err := json.Marshal(n)
	if err != nil {
		panic(err)
	}
	path := "/api/v1/payments/wechatpay/notify"
	if n.Event != "TRANSACTION.SUCCESS" {
		path = "/api/v1/payments/wechatpay/refund-notify"
	}
	r := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}

func decodeNotice(r *http.Request) (*simNotice, error) {
	var n simNotice
	if err := json.NewDecoder(r.Body).Decode(&n); err != nil || n.ID == "" {
		return nil, fmt.Errorf("%w: %v", payment.ErrBadNotification, err)
	}
	return &n, nil
}

// ParseNotification implements payment.Provider.
func (p *simProvider) ParseNotification(_ context.Context, r *http.Request) (*payment.Notification, error) {
	n, err := decodeNotice(r)
	if err != nil {
		return nil, err
	}
	if n.Event != "TRANSACTION.SUCCESS" {
		return nil, fmt.Errorf("%w: event %s at the payment notify URL", payment.ErrBadNotification, n.Event)
	}
	return &payment.Notification{ID: n.ID, EventType: n.Event, Txn: n.Txn}, nil
}

// ParseRefundNotification implements payment.Provider.
func (p *simProvider) ParseRefundNotification(_ context.Context, r *http.Request) (*payment.RefundStatus, string, error) {
	n, err := decodeNotice(r)
	if err != nil {
		return nil, "", err
	}
	if !strings.HasPrefix(n.Event, "REFUND.") {
		return nil, "", fmt.Errorf("%w: event %s at the refund notify URL", payment.ErrBadNotification, n.Event)
	}
	st := n.Refund
	return &st, n.ID, nil
}

// Refund implements payment.Provider: the same out_refund_no is the same
// refund; a refund is accepted as PROCESSING and settles after a delay.
func (p *simProvider) Refund(_ context.Context, r payment.RefundRequest) (*payment.RefundStatus, error) {
	p.sim.interleave("refund of "+p.sim.nameOTN(r.OutTradeNo), r.OutTradeNo)
	failed, lost := p.fail()
	if failed && !lost {
		return nil, errSimServer
	}
	if rf := p.byORN[r.OutRefundNo]; rf != nil {
		if lost {
			return nil, errSimLost
		}
		return rf.status(), nil
	}
	t := p.byOTN[r.OutTradeNo]
	switch {
	case t == nil:
		p.sim.violate("refund %s asked for %s, which the provider never had", r.OutRefundNo, r.OutTradeNo)
		return nil, fmt.Errorf("refund %s: %w", r.OutTradeNo, payment.ErrProviderNotFound)
	case t.orn != "" && t.orn != r.OutRefundNo:
		p.sim.violate("refund %s asked for %s, already refunded as %s: a retry must reuse its out_refund_no", r.OutRefundNo, t.name, t.orn)
		return nil, errSimTooMuch
	case !t.isPaid():
		p.sim.violate("refund %s asked for %s, which the provider has as %s", r.OutRefundNo, t.name, t.state)
		return nil, errSimNotPaid
	case r.TotalFen != t.paid:
		p.sim.violate("refund %s of %s gives the order total as %s, the payer paid %s", r.OutRefundNo, t.name, r.TotalFen.Yuan(), t.paid.Yuan())
		return nil, errSimTotal
	case t.refunded+r.AmountFen > t.paid:
		p.sim.violate("refund %s of %s for %s, already refunded %s of %s paid", r.OutRefundNo, r.AmountFen.Yuan(), t.name, t.refunded.Yuan(), t.paid.Yuan())
		return nil, errSimTooMuch
	case t.stuck:
		p.sim.stats.refusals++
		return nil, errSimAccount
	case p.refusing:
		p.sim.stats.refusals++
		return nil, errSimBalance
	}
	p.seq++
	now := p.sim.clock.Now()
	rf := &simRefund{otn: t.otn, orn: r.OutRefundNo, refundID: fmt.Sprintf("50300%010d", p.seq), amount: r.AmountFen,
		state: payment.RefundProcessing, outcome: payment.RefundSuccess, settleAt: now.Add(p.sim.refundDelay())}
	if p.sim.roll(p.sim.faults.refundFail) {
		rf.outcome = []string{payment.RefundAbnormal, payment.RefundClosed}[p.sim.rng.IntN(2)]
	}
	t.refunded += r.AmountFen
	t.state = payment.TradeRefund
	t.orn = r.OutRefundNo
	p.refunds = append(p.refunds, rf)
	p.byORN[rf.orn] = rf
	p.sim.logf("    provider: refund %s of %s accepted, settles as %s at %s", rf.orn, t.name, rf.outcome, p.sim.at(rf.settleAt))
	p.sim.crash("before refund's answer arrives")
	if lost {
		return nil, errSimLost
	}
	return rf.status(), nil
}

func (rf *simRefund) status() *payment.RefundStatus {
	return &payment.RefundStatus{OutRefundNo: rf.orn, RefundID: rf.refundID, Status: rf.state}
}

// QueryRefund implements payment.Provider.
func (p *simProvider) QueryRefund(_ context.Context, orn string) (*payment.RefundStatus, error) {
	if failed, _ := p.fail(); failed {
		return nil, errSimServer
	}
	rf := p.byORN[orn]
	if rf == nil {
		return nil, fmt.Errorf("%w: %w", errSimNoRefund, payment.ErrRefundNotFound)
	}
	return rf.status(), nil
}

// tick settles the refunds whose time has come and queues their
// notifications; the simulation calls it whenever the clock moves. A
// closed refund gives its amount back to the trade (the money never left
// the merchant); an abnormal one is out of the merchant's balance but has
// not reached the payer until an operator reroutes it.
func (p *simProvider) tick() {
	now := p.sim.clock.Now()
	for _, rf := range p.refunds {
		if rf.state != payment.RefundProcessing || now.Before(rf.settleAt) {
			continue
		}
		rf.state = rf.outcome
		switch rf.outcome {
		case payment.RefundSuccess:
			rf.successAt = rf.settleAt
		case payment.RefundClosed:
			p.byOTN[rf.otn].refunded -= rf.amount
			p.byOTN[rf.otn].orn = "" // the trade may be refunded anew, under another out_refund_no
			p.sim.stats.refundsFailed++
		default:
			p.sim.stats.refundsFailed++
		}
		p.sim.logf("    provider: refund %s of %s settles as %s", rf.orn, p.byOTN[rf.otn].name, rf.state)
		p.notify(&simNotice{Event: "REFUND." + rf.state, Refund: *rf.status()})
	}
}

// reroute is an operator applying, at the merchant platform, for an
// abnormal refund to go back another way (WeChat Pay's 发起异常退款): it
// is processing again, and succeeds.
func (p *simProvider) reroute(rf *simRefund) {
	rf.state, rf.outcome, rf.rerouted = payment.RefundProcessing, payment.RefundSuccess, true
	rf.settleAt = p.sim.clock.Now().Add(p.sim.refundDelay())
}

// TradeBill implements payment.Provider: a day's bill exists from 09:00 the
// next day (Beijing); it lists the day's payments and settled refunds.
func (p *simProvider) TradeBill(_ context.Context, date string) ([]payment.BillRow, error) {
	if failed, _ := p.fail(); failed {
		return nil, errSimServer
	}
	day, err := time.ParseInLocation("2006-01-02", date, payment.Beijing())
	if err != nil {
		return nil, err
	}
	end := day.AddDate(0, 0, 1)
	if p.sim.clock.Now().Before(end.Add(9 * time.Hour)) {
		return nil, errSimNoBill
	}
	in := func(t time.Time) bool { return !t.IsZero() && !t.Before(day) && t.Before(end) }
	var rows []payment.BillRow
	for _, t := range p.trades {
		if t.isPaid() && in(t.successTime) {
			rows = append(rows, payment.BillRow{At: t.successTime, OutTradeNo: t.otn, TransactionID: t.txnID,
				State: payment.TradeSuccess, AmountFen: t.paid})
		}
	}
	for _, rf := range p.refunds {
		if rf.state == payment.RefundSuccess && in(rf.successAt) {
			t := p.byOTN[rf.otn]
			rows = append(rows, payment.BillRow{At: rf.successAt, OutTradeNo: t.otn, TransactionID: t.txnID,
				State: payment.TradeRefund, OutRefundNo: rf.orn, RefundFen: rf.amount})
		}
	}
	slices.SortStableFunc(rows, func(a, b payment.BillRow) int { return a.At.Compare(b.At) })
	p.billed[date] = true
	return rows, nil
}

// tradeDays are the Beijing dates with a payment or a settled refund, sorted.
func (p *simProvider) tradeDays() []string {
	var days []string
	day := func(t time.Time) { days = append(days, t.In(payment.Beijing()).Format("2006-01-02")) }
	for _, t := range p.trades {
		if !t.successTime.IsZero() {
			day(t.successTime)
		}
	}
	for _, rf := range p.refunds {
		if !rf.successAt.IsZero() {
			day(rf.successAt)
		}
	}
	slices.Sort(days)
	return slices.Compact(days)
}

var _ payment.Provider = (*simProvider)(nil)
