package console_test

import (
	"net/http"
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
