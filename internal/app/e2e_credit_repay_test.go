package app_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/app"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/sandbox/sms"
)

type repayment struct {
	ID            string   `json:"id"`
	Status        string   `json:"status"`
	Channel       string   `json:"channel"`
	AmountFen     int64    `json:"amount_fen"`
	CreditIDs     []string `json:"credit_order_ids"`
	OutTradeNo    string   `json:"out_trade_no"`
	TransactionID string   `json:"transaction_id"`
	PaidFen       int64    `json:"paid_fen"`
	AppliedFen    int64    `json:"applied_fen"`
	RefundFen     int64    `json:"refund_fen"`
	RefundStatus  string   `json:"refund_status"`
	Note          string   `json:"note"`
	Pay           *struct {
		CodeURL    string `json:"code_url"`
		CashierURL string `json:"cashier_url"`
	} `json:"pay"`
}

// overdueCredit pays the Hangzhou worker's bill by credit, empties the
// card account and moves the clock through the collection and its retries,
// so the credit is overdue and credit pay suspended.
func overdueCredit(t *testing.T, e *env, clock *shiftClock) (string, order) {
	t.Helper()
	token, _ := e.login(t, hzPhone)
	o := e.creditOrder(t, token)
	e.raw(t, http.MethodPost, "/sandbox/ssc/control/faults", nil, map[string]int{"balance_fen": 1}).want(t, http.StatusOK)
	st := e.credit(t, token)
	for attempt := 1; st.Credits[0].Status != "overdue"; attempt++ {
		next := st.Credits[0].NextAttemptAt
		if attempt == 1 {
			next = st.Credits[0].DueAt
		}
		at, err := time.Parse(time.RFC3339, next)
		if err != nil || attempt > 5 {
			t.Fatalf("attempt %d: next attempt %q (%v): %+v", attempt, next, err, st)
		}
		clock.advanceTo(at)
		token, _ = e.login(t, hzPhone)
		eventually(t, "a failed collection recorded", func() bool {
			st = e.credit(t, token)
			return st.Credits[0].Attempts == attempt
		})
	}
	if st.Agreement.Status != "suspended" {
		t.Fatalf("overdue without suspension: %+v", st)
	}
	// WeChat Pay's SDK signs each request with the wall clock and the
	// sandbox allows it five minutes, as WeChat does: the repayment that
	// follows is made back at wall time (the credit stays overdue).
	e.issueCurrent(t) // the bill of the month the clock is in: due, to pay later
	clock.reset()
	token, _ = e.login(t, hzPhone)
	return token, o
}

func (e *env) startRepayment(t *testing.T, token, key string) repayment {
	t.Helper()
	var rp repayment
	e.call(t, http.MethodPost, "/api/v1/me/credit/repayments", token, keyHeader(key),
		map[string]any{"channel": "wechatpay_native"}).want(t, http.StatusCreated).json(t, &rp)
	if rp.Status != "awaiting_payment" || rp.Pay == nil || !strings.HasPrefix(rp.Pay.CodeURL, "weixin://") || rp.Pay.CashierURL == "" {
		t.Fatalf("new repayment %+v, want awaiting payment with a code_url", rp)
	}
	return rp
}

// payRepayment stands in for the person scanning the QR code and paying.
func (e *env) payRepayment(t *testing.T, rp repayment) {
	t.Helper()
	if got := e.cashier(t, path.Base(rp.Pay.CashierURL), "success"); got != "success" {
		t.Fatalf("cashier outcome %q", got)
	}
}

func (e *env) waitRepayment(t *testing.T, token, id string, done func(repayment) bool) repayment {
	t.Helper()
	var rp repayment
	eventually(t, "repayment "+id, func() bool {
		rp = repayment{}
		e.call(t, http.MethodGet, "/api/v1/me/credit/repayments/"+id, token, nil, nil).want(t, http.StatusOK).json(t, &rp)
		return done(rp)
	})
	return rp
}

// TestE2ECreditRepayWeChat: an overdue credit repaid with WeChat Pay (Native
// QR): the repayment has its own out_trade_no, is idempotent by key, is
// only the person's own; the notification repays the credit and resumes
// credit pay; a duplicated notification changes nothing.
func TestE2ECreditRepayWeChat(t *testing.T) {
	t.Parallel()
	clock := &shiftClock{}
	e := startClockedApp(t, clock)
	token, o := overdueCredit(t, e, clock)

	// Suspended: the message now points to something that exists.
	r := wantError(t, e.call(t, http.MethodPost, "/api/v1/orders", token, keyHeader("credit-2"),
		map[string]any{"bill_ids": ids(e.bills(t, token)), "channel": "credit_pay"}), http.StatusUnprocessableEntity, "credit_suspended", "channel")
	if !strings.Contains(r.Error.MessageEn, "WeChat Pay") {
		t.Errorf("suspension message %q", r.Error.MessageEn)
	}
	wantError(t, e.call(t, http.MethodPost, "/api/v1/me/credit/repayments", token, keyHeader("rp-x"),
		map[string]any{"channel": "credit_pay"}), http.StatusBadRequest, "repay_channel_not_offered", "channel")
	wantError(t, e.call(t, http.MethodPost, "/api/v1/me/credit/repayments", token, nil,
		map[string]any{"channel": "wechatpay_native"}), http.StatusBadRequest, "idempotency_key_required", "Idempotency-Key")

	// A repayment started and left unpaid is closed at WeChat Pay when the
	// person starts another: only one can be paid.
	abandoned := e.startRepayment(t, token, "rp-0")
	rp := e.startRepayment(t, token, "rp-1")
	if got := e.waitRepayment(t, token, abandoned.ID, func(repayment) bool { return true }); got.Status != "closed" || got.Pay != nil {
		t.Fatalf("replaced repayment %+v, want closed with no way to pay", got)
	}
	if r := e.raw(t, http.MethodPost, "/sandbox/wechatpay/cashier/"+path.Base(abandoned.Pay.CashierURL), nil,
		map[string]string{"outcome": "success"}); r.Status != http.StatusBadRequest {
		t.Fatalf("paying the closed repayment at the cashier: %d %s", r.Status, r.Body)
	}
	if rp.AmountFen != o.AmountFen || len(rp.CreditIDs) != 1 || rp.CreditIDs[0] != o.ID || !strings.HasPrefix(rp.OutTradeNo, "CW") || rp.OutTradeNo == o.OutTradeNo {
		t.Fatalf("repayment %+v for credit %s of %d fen", rp, o.ID, o.AmountFen)
	}
	if again := e.startRepayment(t, token, "rp-1"); again.ID != rp.ID || again.OutTradeNo != rp.OutTradeNo {
		t.Fatalf("the same key made another repayment: %s, first %s", again.ID, rp.ID)
	}
	wantError(t, e.call(t, http.MethodPost, "/api/v1/me/credit/repayments", token, keyHeader("rp-1"),
		map[string]any{"channel": "wechatpay"}), http.StatusConflict, "idempotency_key_reused", "Idempotency-Key")
	stranger, _ := e.login(t, "13800000002")
	wantError(t, e.call(t, http.MethodGet, "/api/v1/me/credit/repayments/"+rp.ID, stranger, nil, nil), http.StatusNotFound, "repayment_not_found", "")

	e.payRepayment(t, rp)
	rp = e.waitRepayment(t, token, rp.ID, func(r repayment) bool { return r.Status == "paid" })
	if rp.AppliedFen != o.AmountFen || rp.RefundFen != 0 || rp.TransactionID == "" || rp.Pay != nil {
		t.Fatalf("paid repayment %+v", rp)
	}
	st := e.credit(t, token)
	if st.Credits[0].Status != "repaid" || st.Agreement.Status != "active" || st.OwedFen != 0 || st.AvailableFen != 500_000 {
		t.Fatalf("after the WeChat Pay repayment: %+v", st)
	}
	// The same notification again (WeChat retries): applied once.
	e.raw(t, http.MethodPost, "/sandbox/wechatpay/control/notifications/"+rp.OutTradeNo+"/resend", nil, nil).want(t, http.StatusAccepted)
	e.waitDelivered(t, rp.OutTradeNo, 2)
	if again := e.waitRepayment(t, token, rp.ID, func(repayment) bool { return true }); again.AppliedFen != rp.AppliedFen || again.RefundFen != 0 {
		t.Fatalf("after a duplicate notification: %+v", again)
	}
	// Nothing is overdue any more, and credit pay works again.
	wantError(t, e.call(t, http.MethodPost, "/api/v1/me/credit/repayments", token, keyHeader("rp-2"),
		map[string]any{"channel": "wechatpay_native"}), http.StatusConflict, "credit_nothing_overdue", "")
	var o2 order
	e.call(t, http.MethodPost, "/api/v1/orders", token, keyHeader("credit-3"),
		map[string]any{"bill_ids": ids(e.bills(t, token)), "channel": "credit_pay"}).want(t, http.StatusCreated).json(t, &o2)
	e.waitState(t, token, o2.ID, "credited")
	e.reconcileClean(t, clock)
}

// reconcileClean reconciles the day's WeChat Pay bill: repayments and
// their refunds are no differences.
func (e *env) reconcileClean(t *testing.T, clock *shiftClock) {
	t.Helper()
	date := clock.Now().In(payment.Beijing()).Format(time.DateOnly)
	diffs, err := e.run.App.Payments.Reconcile(t.Context(), "wechatpay", date)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		t.Errorf("reconciliation difference: %+v", d)
	}
}

// TestE2ECreditRepayLostNotification: the payment notification never
// arrives; the active query finds the payment and repays the credit.
func TestE2ECreditRepayLostNotification(t *testing.T) {
	t.Parallel()
	clock := &shiftClock{}
	e := startClockedApp(t, clock)
	token, o := overdueCredit(t, e, clock)
	e.raw(t, http.MethodPost, "/sandbox/wechatpay/control/faults", nil, map[string]int{"drop_notifications": 1000}).want(t, http.StatusOK)
	rp := e.startRepayment(t, token, "lost-1")
	e.payRepayment(t, rp)
	time.Sleep(200 * time.Millisecond)
	if got := e.waitRepayment(t, token, rp.ID, func(repayment) bool { return true }); got.Status != "awaiting_payment" {
		t.Fatalf("repayment %s before any notification or query", got.Status)
	}
	clock.advanceTo(clock.Now().Add(61 * time.Second)) // the first query is a minute after prepay
	rp = e.waitRepayment(t, token, rp.ID, func(r repayment) bool { return r.Status == "paid" })
	if rp.AppliedFen != o.AmountFen {
		t.Fatalf("repayment found by query: %+v", rp)
	}
	if st := e.credit(t, token); st.Credits[0].Status != "repaid" || st.Agreement.Status != "active" {
		t.Fatalf("after the query: %+v", st)
	}
}

// TestE2ECreditRepayAfterCardCollection: the person starts a WeChat Pay
// repayment, then the card account is debited first; the WeChat payment
// that still arrives repays nothing and is refunded by itself, with the
// reason.
func TestE2ECreditRepayAfterCardCollection(t *testing.T) {
	t.Parallel()
	clock := &shiftClock{}
	e := startClockedApp(t, clock)
	token, o := overdueCredit(t, e, clock)
	rp := e.startRepayment(t, token, "late-1")
	e.raw(t, http.MethodPost, "/sandbox/ssc/control/faults", nil, map[string]int{"balance_fen": 0}).want(t, http.StatusOK)
	e.call(t, http.MethodPost, "/api/v1/me/credit/repay", token, nil, nil).want(t, http.StatusOK)

	e.payRepayment(t, rp)
	rp = e.waitRepayment(t, token, rp.ID, func(r repayment) bool { return r.RefundStatus == "succeeded" })
	if rp.Status != "paid" || rp.AppliedFen != 0 || rp.RefundFen != o.AmountFen || !strings.Contains(rp.Note, "already repaid by ssc_account") {
		t.Fatalf("late repayment %+v, want all of it refunded with the reason", rp)
	}
	st := e.credit(t, token)
	if st.Credits[0].Status != "repaid" || st.OwedFen != 0 || st.Agreement.Status != "active" {
		t.Fatalf("credit after both: %+v", st)
	}
	// The repayment page says the money went back, and why.
	b := newBrowser(t, e)
	b.signIn(t, hzPhone)
	if pg := b.get(t, "/me/credit/repayments/"+rp.ID).want(t, http.StatusOK); !strings.Contains(pg.html, "原路退回") ||
		!strings.Contains(pg.html, "已退回到您的账户") || !strings.Contains(pg.html, "already repaid") {
		t.Error("the repayment page does not say the money was refunded and why")
	}
	e.reconcileClean(t, clock)
}

// TestE2EWebCreditRepay: on the credit page an overdue credit is repaid
// with WeChat Pay: on a PC the repayment page shows the QR code (and, in
// demo mode, the sandbox's stand-in for scanning) and then the result.
func TestE2EWebCreditRepay(t *testing.T) {
	t.Parallel()
	clock := &shiftClock{}
	e := startClockedApp(t, clock)
	token, _ := overdueCredit(t, e, clock)
	b := newBrowser(t, e)
	b.signIn(t, hzPhone)
	page := b.get(t, "/me/credit").want(t, http.StatusOK)
	if !strings.Contains(page.html, "用微信支付还款") {
		t.Fatal("the credit page does not offer to repay with WeChat Pay")
	}
	form := page.form(t, "/me/credit/repayments").values("")
	if form.Get("channel") != "wechatpay_native" || form.Get("key") == "" {
		t.Fatalf("repay form %v: want Native on a PC and an idempotency key", form)
	}
	r := b.post(t, "/me/credit/repayments", form, sameOrigin(e)).want(t, http.StatusSeeOther)
	loc := r.Header.Get("Location")
	if !strings.HasPrefix(loc, "/me/credit/repayments/crp_") {
		t.Fatalf("after starting the repayment: %q", loc)
	}
	// The same form again (a double click) is the same repayment.
	if again := b.post(t, "/me/credit/repayments", form, sameOrigin(e)).want(t, http.StatusSeeOther); again.Header.Get("Location") != loc {
		t.Fatalf("the same form made another repayment: %q, first %q", again.Header.Get("Location"), loc)
	}
	pg := b.get(t, loc).want(t, http.StatusOK)
	for _, want := range []string{"<svg", "微信扫码支付二维码", "/sandbox/wechatpay/cashier/"} {
		if !strings.Contains(pg.html, want) {
			t.Fatalf("repayment page lacks %q", want)
		}
	}
	var rp repayment
	e.call(t, http.MethodGet, "/api/v1/me/credit/repayments/"+path.Base(loc), token, nil, nil).want(t, http.StatusOK).json(t, &rp)
	e.payRepayment(t, rp)
	eventually(t, "the repayment page to say it is repaid", func() bool {
		return strings.Contains(b.get(t, loc).want(t, http.StatusOK).html, "还款成功")
	})
	if p := b.get(t, "/me/credit").want(t, http.StatusOK); strings.Contains(p.html, "用微信支付还款") {
		t.Error("the credit page still offers to repay after the repayment")
	}
}

// TestE2ECreditRepayRace: the person pays with WeChat Pay while the card
// bank is still debiting the card for the same credit. Both debits went
// through: the credit is repaid once, by WeChat Pay, and the card's money
// is owed back (refund payable) and refunded to the card by itself, through
// the card bank's refund of the mandated debit. Then refund payable is back
// to 0, the audit is clean, and the credit page says what happened.
func TestE2ECreditRepayRace(t *testing.T) {
	t.Parallel()
	clock := &shiftClock{}
	e := startClockedApp(t, clock)
	token, o := cardDebitAfterRepayment(t, e, clock, false)

	b := newBrowser(t, e)
	b.signIn(t, hzPhone)
	eventually(t, "the credit page to say the card debit went back", func() bool {
		return strings.Contains(b.get(t, "/me/credit").want(t, http.StatusOK).html, "退回社保卡。")
	})
	zh := b.get(t, "/me/credit").want(t, http.StatusOK).html
	for _, want := range []string{"社保卡多扣款项退回", "已用微信支付还清", "从社保卡多扣", "已于"} {
		if !strings.Contains(zh, want) {
			t.Errorf("the credit page lacks %q", want)
		}
	}
	en := b.do(t, http.MethodGet, "/me/credit", nil, http.Header{"Accept-Language": {"en"}}).want(t, http.StatusOK).html
	for _, want := range []string{"Card debits being returned", "taken twice from your card", "returned to your card on"} {
		if !strings.Contains(en, want) {
			t.Errorf("the English credit page lacks %q", want)
		}
	}
	st := e.credit(t, token)
	if st.Credits[0].Status != "repaid" || st.OwedFen != 0 || st.Agreement.Status != "active" || len(st.CardReturns) != 1 ||
		st.CardReturns[0].OrderID != o.ID || st.CardReturns[0].AmountFen != o.AmountFen ||
		st.CardReturns[0].RefundStatus != "succeeded" || st.CardReturns[0].ReturnedAt == "" {
		t.Fatalf("credit after both: %+v", st)
	}
	bal := auditBalances(t, e)
	if bal["refund_payable"] != 0 || bal["clearing:ssc_account"] != 0 || bal["credit_receivable"] != 0 ||
		bal["clearing:wechatpay_native"] != o.AmountFen {
		t.Fatalf("balances %v: want the card's %d fen returned, the WeChat Pay repayment kept and nothing owed", bal, o.AmountFen)
	}
	// The person is told, by the refund notice (by SMS here: no WeChat
	// subscription), and the card bank's statement is no difference: the
	// second debit and its refund are both on record.
	eventually(t, "the refund notice", func() bool {
		var out struct {
			Messages []sms.Message `json:"messages"`
		}
		e.raw(t, http.MethodGet, "/sandbox/sms?phone="+hzPhone, nil, nil).want(t, http.StatusOK).json(t, &out)
		for _, m := range out.Messages {
			if strings.Contains(m.Text, "已退款") && strings.Contains(m.Text, o.OutTradeNo) {
				return true
			}
		}
		return false
	})
	date := clock.Now().In(payment.Beijing()).Format(time.DateOnly)
	diffs, err := e.run.App.Payments.Reconcile(t.Context(), "ssc_account", date)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		t.Errorf("card bank reconciliation difference: %+v", d)
	}
}

// TestE2ECreditCardExcessRefused: as TestE2ECreditRepayRace, but the card
// bank cannot pay the refund out (ABNORMAL): the money stays owed back,
// the audit still balances, and the person is told staff will act.
func TestE2ECreditCardExcessRefused(t *testing.T) {
	t.Parallel()
	clock := &shiftClock{}
	e := startClockedApp(t, clock)
	_, o := cardDebitAfterRepayment(t, e, clock, true)
	b := newBrowser(t, e)
	b.signIn(t, hzPhone)
	eventually(t, "the card bank to accept the refund", func() bool {
		var status string
		err := e.sqlDB(t).QueryRowContext(t.Context(), `SELECT refund_status FROM card_excesses`).Scan(&status)
		return err == nil && status == "processing"
	})
	clock.advanceTo(clock.Now().Add(time.Minute)) // the refund is queried a minute after it was asked
	eventually(t, "the credit page to say the return failed", func() bool {
		return strings.Contains(b.get(t, "/me/credit").want(t, http.StatusOK).html, "银行未能退回")
	})
	bal := auditBalances(t, e)
	if bal["refund_payable"] != -o.AmountFen || bal["clearing:ssc_account"] != o.AmountFen {
		t.Fatalf("balances %v: want the card's %d fen still owed back", bal, o.AmountFen)
	}
	var status string
	var amount int64
	if err := e.sqlDB(t).QueryRowContext(t.Context(), `SELECT refund_status, amount_fen FROM card_excesses`).Scan(&status, &amount); err != nil ||
		status != "failed" || amount != o.AmountFen {
		t.Fatalf("card excess %s of %d fen (%v), want failed, for an operator", status, amount, err)
	}

	// The card can be credited again and an operator retries the refund:
	// the bank is asked about the ABNORMAL one, a new attempt is sent
	// under the next number at once and pays out (its notification, or
	// the query a minute on); the books and the bank's statement agree.
	e.raw(t, http.MethodPost, "/sandbox/ssc/control/faults", nil, map[string]any{"refunds_abnormal": false}).want(t, http.StatusOK)
	var tradeNo, first string
	if err := e.sqlDB(t).QueryRowContext(t.Context(), `SELECT trade_no, out_refund_no FROM card_excesses`).Scan(&tradeNo, &first); err != nil {
		t.Fatal(err)
	}
	res, err := e.run.App.Payments.RetryCardExcessRefund(t.Context(), tradeNo, "operator li.na", "银行已恢复入账")
	if err != nil || res.Applied || res.OldOutRefundNo != first || res.OutRefundNo != first+"-2" {
		t.Fatalf("retry: %v %+v", err, res)
	}
	clock.advanceTo(clock.Now().Add(time.Minute))
	eventually(t, "the retried refund to succeed", func() bool {
		var no string
		err := e.sqlDB(t).QueryRowContext(t.Context(), `SELECT refund_status, out_refund_no FROM card_excesses`).Scan(&status, &no)
		return err == nil && status == "succeeded" && no == res.OutRefundNo
	})
	if bal := auditBalances(t, e); bal["refund_payable"] != 0 || bal["clearing:ssc_account"] != 0 {
		t.Fatalf("balances %v after the retried refund: want nothing owed back", bal)
	}
	date := clock.Now().In(payment.Beijing()).Format(time.DateOnly)
	diffs, err := e.run.App.Payments.Reconcile(t.Context(), "ssc_account", date)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		t.Errorf("card bank reconciliation difference: %+v", d)
	}
}

// cardDebitAfterRepayment makes the credit overdue, then debits the card
// for it (slowly) while the person repays it with WeChat Pay: both land.
// abnormal makes the card bank unable to pay refunds out.
func cardDebitAfterRepayment(t *testing.T, e *env, clock *shiftClock, abnormal bool) (string, order) {
	t.Helper()
	token, o := overdueCredit(t, e, clock)
	rp := e.startRepayment(t, token, "race-1")
	e.raw(t, http.MethodPost, "/sandbox/ssc/control/faults", nil, map[string]any{"balance_fen": 0, "latency_ms": 3000, "refunds_abnormal": abnormal}).want(t, http.StatusOK)
	card := make(chan resp, 1)
	go func() {
		r, err := e.send(t.Context(), http.MethodPost, "/api/v1/me/credit/repay", http.Header{"Authorization": {"Bearer " + token}}, nil)
		if err != nil {
			t.Error(err)
		}
		card <- r
	}()
	time.Sleep(500 * time.Millisecond) // the card debit is under way
	e.payRepayment(t, rp)
	rp = e.waitRepayment(t, token, rp.ID, func(r repayment) bool { return r.Status == "paid" })
	if rp.AppliedFen != o.AmountFen {
		t.Fatalf("WeChat Pay repayment %+v, want it to repay the credit", rp)
	}
	if r := <-card; r.Status != http.StatusOK {
		t.Fatalf("card repayment answered %d: %s", r.Status, r.Body)
	}
	e.raw(t, http.MethodPost, "/sandbox/ssc/control/faults", nil, map[string]any{"refunds_abnormal": abnormal}).want(t, http.StatusOK)
	return token, o
}

// auditBalances runs `shebao audit --json`, wants it clean, and returns
// the ledger's balances.
func auditBalances(t *testing.T, e *env) map[string]int64 {
	t.Helper()
	var out bytes.Buffer
	if code := app.Main([]string{"audit", "--json", "--data", e.DataDir, "--db", e.DB}, nil, &out, &out); code != 0 {
		t.Fatalf("audit: exit %d: %s", code, out.String())
	}
	var rep struct {
		Balances map[string]int64 `json:"balances_fen"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	return rep.Balances
}
