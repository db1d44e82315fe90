package console_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/shebao-project/shebao/internal/console"
	"github.com/shebao-project/shebao/internal/console/consoletest"
	"github.com/shebao-project/shebao/internal/operator"
	"github.com/shebao-project/shebao/internal/payment"
)

// TestOverdueCredits: an overdue credit pay credit is listed for operators
// with the person masked, how often collection failed and why; repaid
// credits are not.
func TestOverdueCredits(t *testing.T) {
	w := consoletest.New(t)
	p := w.Person(t, 1)
	overdue := w.Order(t, p, "2026-05", 99_720, payment.Credited)
	repaid := w.Order(t, p, "2026-06", 99_720, payment.Credited)
	now := w.Clock.Now()
	err := w.DB.Credits().InCreditTx(t.Context(), func(tx payment.CreditTx) error {
		if err := tx.PutCreditAgreement(t.Context(), payment.CreditAgreement{PersonID: p.ID, Region: p.Region, LimitFen: 500_000,
			MandateRef: "CRM_" + p.ID, Status: payment.AgreementSuspended, SignedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		if err := tx.InsertCredit(t.Context(), payment.Credit{OrderID: overdue.ID, PersonID: p.ID, AmountFen: 99_720, DueAt: now,
			Status: payment.CreditOverdue, Attempts: 3, LastFailure: "INSUFFICIENT_BALANCE", CreatedAt: now, UpdatedAt: now, Version: 1}); err != nil {
			return err
		}
		return tx.InsertCredit(t.Context(), payment.Credit{OrderID: repaid.ID, PersonID: p.ID, AmountFen: 99_720, DueAt: now,
			Status: payment.CreditRepaid, Attempts: 1, CreatedAt: now, UpdatedAt: now, Version: 1})
	})
	if err != nil {
		t.Fatal(err)
	}
	h, err := console.NewHandler(console.Deps{Operators: w.Operators, Tickets: w.Tickets, Payments: w.Payments, Persons: w.Identity,
		Store: w.DB.ConsoleStore(), Credits: w.DB.Credits(), Now: w.Clock.Now, Log: w.Log, Wake: w.Runner.Wake})
	if err != nil {
		t.Fatal(err)
	}
	rec := do(t, h, http.MethodGet, "/admin/credits", signIn(t, w, "support.li", operator.Support), nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("overdue credits page: %d", rec.Code)
	}
	body := rec.Body.String()
	for _, want := range []string{overdue.ID, "997.20", "INSUFFICIENT_BALANCE", ">3<"} {
		if !strings.Contains(body, want) {
			t.Errorf("overdue credits page lacks %q", want)
		}
	}
	if strings.Contains(body, repaid.ID) {
		t.Error("a repaid credit is listed as overdue")
	}
	if strings.Contains(body, p.Name) || strings.Contains(body, p.Phone) {
		t.Error("the list shows the person's name or phone in the clear")
	}
}

// TestRepaymentRefunds: a WeChat Pay repayment whose money goes back is
// listed while its refund is under way or failed, the person masked; a
// refunded one is not.
func TestRepaymentRefunds(t *testing.T) {
	w := consoletest.New(t)
	p := w.Person(t, 1)
	now := w.Clock.Now()
	rp := func(id, status string) payment.Repayment {
		return payment.Repayment{ID: id, PersonID: p.ID, Channel: "wechatpay", OutTradeNo: "CW" + id, AmountFen: 99_720,
			CreditIDs: []string{"ord_x"}, Status: payment.RepaymentPaid, IdempotencyKey: id, RequestHash: "h", TransactionID: "42" + id,
			PaidFen: 99_720, RefundFen: 99_720, OutRefundNo: "RW" + id, RefundStatus: status, Note: "credit ord_x was already repaid by ssc_account",
			PaidAt: now, ExpiresAt: now, CreatedAt: now, UpdatedAt: now, Version: 1}
	}
	err := w.DB.Credits().InCreditTx(t.Context(), func(tx payment.CreditTx) error {
		for _, r := range []payment.Repayment{rp("crp_failed", "failed"), rp("crp_done", "succeeded")} {
			if err := tx.InsertRepayment(t.Context(), r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	h, err := console.NewHandler(console.Deps{Operators: w.Operators, Tickets: w.Tickets, Payments: w.Payments, Persons: w.Identity,
		Store: w.DB.ConsoleStore(), Credits: w.DB.Credits(), Now: w.Clock.Now, Log: w.Log, Wake: w.Runner.Wake})
	if err != nil {
		t.Fatal(err)
	}
	rec := do(t, h, http.MethodGet, "/admin/credits", signIn(t, w, "support.li", operator.Support), nil)
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(body, "crp_failed") || !strings.Contains(body, "RWcrp_failed") || !strings.Contains(body, "already repaid") {
		t.Fatalf("credits page %d does not list the failed repayment refund:\n%s", rec.Code, body)
	}
	if strings.Contains(body, "crp_done") {
		t.Error("a refunded repayment is listed")
	}
	if strings.Contains(body, p.Name) || strings.Contains(body, p.Phone) {
		t.Error("the list shows the person's name or phone in the clear")
	}
}

// TestCardExcessReturns: a card debit owed back is listed while its
// refund is under way or failed (the bank refused: an operator returns it
// by hand), the person masked; a returned one is not.
func TestCardExcessReturns(t *testing.T) {
	w := consoletest.New(t)
	p := w.Person(t, 1)
	o := w.Order(t, p, "2026-05", 99_720, payment.Credited)
	now := w.Clock.Now()
	x := func(trade, status string) payment.CardExcess {
		return payment.CardExcess{TradeNo: trade, OrderID: o.ID, PersonID: p.ID, Channel: "ssc_account", AmountFen: 99_720,
			TransactionID: "SS" + trade, OutRefundNo: "RC" + trade[2:], RefundStatus: status, CreatedAt: now, UpdatedAt: now, Version: 1}
	}
	err := w.DB.Credits().InCreditTx(t.Context(), func(tx payment.CreditTx) error {
		for _, c := range []payment.CardExcess{x("CPfailed01", "failed"), x("CPdone01", "succeeded")} {
			if err := tx.InsertCardExcess(t.Context(), c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	h, err := console.NewHandler(console.Deps{Operators: w.Operators, Tickets: w.Tickets, Payments: w.Payments, Persons: w.Identity,
		Store: w.DB.ConsoleStore(), Credits: w.DB.Credits(), Now: w.Clock.Now, Log: w.Log, Wake: w.Runner.Wake})
	if err != nil {
		t.Fatal(err)
	}
	rec := do(t, h, http.MethodGet, "/admin/credits", signIn(t, w, "support.li", operator.Support), nil)
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(body, "CPfailed01") || !strings.Contains(body, "RCfailed01") || !strings.Contains(body, "<strong>失败</strong>") {
		t.Fatalf("credits page %d does not list the failed card return:\n%s", rec.Code, body)
	}
	if strings.Contains(body, "CPdone01") {
		t.Error("a returned card debit is listed")
	}
	if strings.Contains(body, p.Name) || strings.Contains(body, p.Phone) {
		t.Error("the list shows the person's name or phone in the clear")
	}
}

// cardDesk is a card bank whose refunds are the refund desk's.
type cardDesk struct{ *refundDesk }

func (cardDesk) Channel() string                                       { return "ssc_account" }
func (cardDesk) Mandate(context.Context, payment.MandateRequest) error { return nil }
func (cardDesk) Collect(context.Context, payment.CollectRequest) (*payment.CollectResult, error) {
	return &payment.CollectResult{FailCode: "INSUFFICIENT_BALANCE"}, nil
}

// TestCardReturnRetry: a card debit's refund the bank closed is retried
// from the 信用付逾期 page by a reviewer (not by support, who sees no
// button and is refused), with a reason, under the next attempt's
// out_refund_no, audited with the failed number and the new one; a
// second retry of it is refused, as is one while the bank cannot be asked.
func TestCardReturnRetry(t *testing.T) {
	w := consoletest.New(t)
	desk := &refundDesk{status: map[string]string{"RCfailed01": payment.RefundClosed}}
	pay := payment.NewService(payment.Deps{Store: w.DB.Payments(), Providers: map[string]payment.Provider{},
		Credits: w.DB.Credits(), Collector: cardDesk{desk}, Persons: w.Identity, Now: w.Clock.Now, Log: w.Log, Wake: w.Runner.Wake})
	h, err := console.NewHandler(console.Deps{Operators: w.Operators, Tickets: w.Tickets, Payments: pay, Persons: w.Identity,
		Store: w.DB.ConsoleStore(), Credits: w.DB.Credits(), Now: w.Clock.Now, Log: w.Log, Wake: w.Runner.Wake})
	if err != nil {
		t.Fatal(err)
	}
	p := w.Person(t, 1)
	o := w.Order(t, p, "2026-05", 99_720, payment.Credited)
	now := w.Clock.Now()
	err = w.DB.Credits().InCreditTx(t.Context(), func(tx payment.CreditTx) error {
		return tx.InsertCardExcess(t.Context(), payment.CardExcess{TradeNo: "CPfailed01", OrderID: o.ID, PersonID: p.ID,
			Channel: "ssc_account", AmountFen: 99_720, TransactionID: "SSfailed01", OutRefundNo: "RCfailed01", Attempt: 1,
			RefundStatus: "failed", CreatedAt: now, UpdatedAt: now, Version: 1})
	})
	if err != nil {
		t.Fatal(err)
	}
	rev := newBrowser(t, h)
	csrf := rev.login(w, w.Operator(t, "li.na", operator.Reviewer))
	sup := newBrowser(t, h)
	supCSRF := sup.login(w, w.Operator(t, "support.li", operator.Support))
	retry := "/admin/credits/card-returns/CPfailed01/retry"
	form := func(csrf string) url.Values { return url.Values{"csrf": {csrf}, "reason": {"银行已恢复入账"}} }

	if _, body, _ := sup.get("/admin/credits"); !strings.Contains(body, "RCfailed01") || strings.Contains(body, `action="`+retry+`"`) {
		t.Fatal("support's page: want the failed card return and no retry button")
	}
	if code, _, _ := sup.post(retry, form(supCSRF)); code != http.StatusForbidden {
		t.Fatalf("support's retry: %d, want 403", code)
	}
	if _, body, _ := rev.get("/admin/credits"); !strings.Contains(body, `action="`+retry+`"`) {
		t.Fatal("the reviewer's page has no retry button")
	}
	if code, _, _ := rev.post(retry, url.Values{"csrf": {csrf}}); code != http.StatusBadRequest {
		t.Fatalf("retry without a reason: %d", code)
	}
	if code, _, hdr := rev.post(retry, form(csrf)); code != http.StatusSeeOther || hdr.Get("Location") != "/admin/credits?done=card_refund_retried" {
		t.Fatalf("retry: %d %s", code, hdr.Get("Location"))
	}
	x, err := w.DB.Credits().CardExcess(w.Ctx, "CPfailed01")
	if err != nil || x.OutRefundNo != "RCfailed01-2" || x.Attempt != 2 || x.RefundStatus != "requested" {
		t.Fatalf("after retry: %+v %v", x, err)
	}
	if code, _, _ := rev.post(retry, form(csrf)); code != http.StatusConflict {
		t.Fatalf("second retry: %d, want 409", code)
	}
	if _, body, _ := rev.get("/admin/credits?done=card_refund_retried"); !strings.Contains(body, "已重新发起社保卡多扣款项的退款") ||
		!strings.Contains(body, "RCfailed01-2") {
		t.Errorf("credits page after the retry:\n%s", body)
	}

	// The new attempt fails too, and the bank cannot be asked about it.
	err = w.DB.Credits().InCreditTx(t.Context(), func(tx payment.CreditTx) error {
		x.RefundStatus, x.Version = "failed", x.Version+1
		return tx.UpdateCardExcess(t.Context(), x)
	})
	if err != nil {
		t.Fatal(err)
	}
	desk.mu.Lock()
	desk.queryErr = errors.New("503 BANK_BUSY")
	desk.mu.Unlock()
	if code, body, _ := rev.post(retry, form(csrf)); code != http.StatusServiceUnavailable || !strings.Contains(body, "稍后重试") {
		t.Fatalf("retry while the bank cannot be asked: %d", code)
	}
	if x, _ := w.DB.Credits().CardExcess(w.Ctx, "CPfailed01"); x.Attempt != 2 || x.RefundStatus != "failed" {
		t.Fatalf("a refused retry changed the card excess: %+v", x)
	}

	es, err := w.Operators.Recent(w.Ctx, 0, 20)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		if strings.HasPrefix(e.Action, "credit.card_refund.") {
			got = append(got, e.Operator+" "+e.Action+" "+e.Target+" "+e.Reason+" "+e.Detail)
		}
	}
	target := o.ID + " CPfailed01"
	want := []string{
		"li.na credit.card_refund.retry.failed " + target + " 银行已恢复入账 card_refund_query_failed",
		"li.na credit.card_refund.retry " + target + " 银行已恢复入账 RCfailed01-2 → RCfailed01-3",
		"li.na credit.card_refund.retry.failed " + target + " 银行已恢复入账 card_refund_not_failed",
		"li.na credit.card_refund.retry " + target + " 银行已恢复入账 RCfailed01-2 → RCfailed01-3",
		"li.na credit.card_refund.retry " + target + " 银行已恢复入账 RCfailed01 → RCfailed01-2",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("audit:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if v, err := w.Operators.VerifyAudit(w.Ctx); err != nil || !v.OK {
		t.Fatalf("audit chain: %+v %v", v, err)
	}
}
