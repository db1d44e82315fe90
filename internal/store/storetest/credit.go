package storetest

import (
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/ledger"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/store"
)

// creditFixture: P0001 has signed a credit agreement; orders O1 and O2 are
// theirs, O3 is P0002's.
func creditFixture(t *testing.T, open Opener) Engine {
	t.Helper()
	e := open(t)
	seedPersons(t, e, 1, 2)
	inTx(t, e, func(tx payment.Tx) error {
		for _, o := range []payment.Order{order("O1", "P0001", "P0001"), order("O2", "P0001", "P0001"), order("O3", "P0002", "P0002")} {
			if err := tx.InsertOrder(t.Context(), o); err != nil {
				return err
			}
		}
		return nil
	})
	inCreditTx(t, e, func(tx payment.CreditTx) error { return tx.PutCreditAgreement(t.Context(), agreement("P0001")) })
	return e
}

func inCreditTx(t *testing.T, e Engine, fn func(tx payment.CreditTx) error) {
	t.Helper()
	must(t, e.Credits().InCreditTx(t.Context(), fn))
}

func agreement(personID string) payment.CreditAgreement {
	return payment.CreditAgreement{PersonID: personID, Region: "330100", LimitFen: 500_000, MandateRef: "CRM_" + personID,
		Status: payment.AgreementActive, SignedAt: t0, UpdatedAt: t0}
}

func credit(orderID, personID string, amount money.Fen) payment.Credit {
	due := t0.AddDate(0, 1, 0)
	return payment.Credit{OrderID: orderID, PersonID: personID, AmountFen: amount, DueAt: due, NextAttemptAt: due,
		Status: payment.CreditOutstanding, CreatedAt: t0, UpdatedAt: t0, Version: 1}
}

func normCredit(c payment.Credit) payment.Credit {
	c.DueAt, c.NextAttemptAt, c.RepaidAt = c.DueAt.UTC(), c.NextAttemptAt.UTC(), c.RepaidAt.UTC()
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c
}

func normAgreement(a payment.CreditAgreement) payment.CreditAgreement {
	a.SignedAt, a.UpdatedAt = a.SignedAt.UTC(), a.UpdatedAt.UTC()
	return a
}

func testCredits(t *testing.T, open Opener) {
	ctx := t.Context()
	t.Run("agreement round trip and update", func(t *testing.T) {
		e := creditFixture(t, open)
		got, err := e.Credits().CreditAgreement(ctx, "P0001")
		must(t, err)
		same(t, "agreement", got, agreement("P0001"), normAgreement)
		_, err = e.Credits().CreditAgreement(ctx, "P0002")
		wantErr(t, err, store.ErrNotFound)
		suspended := agreement("P0001")
		suspended.Status, suspended.SuspendedReason, suspended.UpdatedAt = payment.AgreementSuspended, "overdue", t0.Add(time.Hour).In(cst)
		inCreditTx(t, e, func(tx payment.CreditTx) error { return tx.PutCreditAgreement(ctx, suspended) })
		inCreditTx(t, e, func(tx payment.CreditTx) error {
			got, err := tx.LockCreditAgreement(ctx, "P0001")
			same(t, "locked agreement", got, suspended, normAgreement)
			return err
		})
	})
	t.Run("credits: owed, overdue, versions", func(t *testing.T) {
		e := creditFixture(t, open)
		inCreditTx(t, e, func(tx payment.CreditTx) error {
			must(t, tx.InsertCredit(ctx, credit("O1", "P0001", 145_400)))
			return tx.InsertCredit(ctx, credit("O2", "P0001", 81_968))
		})
		repaid := credit("O1", "P0001", 145_400)
		repaid.Status, repaid.NextAttemptAt, repaid.Attempts = payment.CreditRepaid, time.Time{}, 1
		repaid.RepayChannel, repaid.RepayTradeNo, repaid.RepayTxnID, repaid.RepaidAt = "ssc_account", "CP1", "BS1", t0.Add(time.Hour)
		repaid.Version = 2
		overdue := credit("O2", "P0001", 81_968)
		overdue.Status, overdue.NextAttemptAt, overdue.Attempts, overdue.LastFailure, overdue.Version = payment.CreditOverdue, time.Time{}, 3, "INSUFFICIENT_BALANCE", 2
		inCreditTx(t, e, func(tx payment.CreditTx) error {
			must(t, tx.UpdateCredit(ctx, repaid))
			must(t, tx.UpdateCredit(ctx, overdue))
			wantErr(t, tx.UpdateCredit(ctx, overdue), store.ErrConflict) // version 2 is stored now
			owed, err := tx.CreditOwed(ctx, "P0001")
			must(t, err)
			if owed != 81_968 {
				t.Errorf("owed = %d, want 81968 (the overdue credit only)", owed)
			}
			n, err := tx.CountOverdue(ctx, "P0001")
			if n != 1 {
				t.Errorf("overdue = %d, want 1", n)
			}
			return err
		})
		got, err := e.Credits().CreditByRepayTradeNo(ctx, "CP1")
		must(t, err)
		same(t, "repaid credit", got, repaid, normCredit)
		list, err := e.Credits().CreditsForPerson(ctx, "P0001")
		must(t, err)
		if len(list) != 2 {
			t.Fatalf("credits of P0001: %d, want 2", len(list))
		}
		od, err := e.Credits().OverdueCredits(ctx, 10)
		must(t, err)
		if len(od) != 1 {
			t.Fatalf("overdue credits: %d, want 1", len(od))
		}
		same(t, "overdue credit", od[0], overdue, normCredit)
		outstanding, err := e.OutstandingCreditFen(ctx)
		must(t, err)
		if outstanding != 81_968 {
			t.Errorf("outstanding = %d, want 81968", outstanding)
		}
		_, err = e.Credits().CreditByOrder(ctx, "O3")
		wantErr(t, err, store.ErrNotFound)
	})
	t.Run("one credit per order, all or nothing", func(t *testing.T) {
		e := creditFixture(t, open)
		inCreditTx(t, e, func(tx payment.CreditTx) error { return tx.InsertCredit(ctx, credit("O1", "P0001", 145_400)) })
		err := e.Credits().InCreditTx(ctx, func(tx payment.CreditTx) error { return tx.InsertCredit(ctx, credit("O1", "P0001", 1)) })
		wantErr(t, err, store.ErrConflict)
		err = e.Credits().InCreditTx(ctx, func(tx payment.CreditTx) error {
			must(t, tx.InsertCredit(ctx, credit("O2", "P0001", 81_968)))
			must(t, tx.RecordPosting(ctx, ledger.Extend("O2", 81_968), t0))
			return errBoom
		})
		wantErr(t, err, errBoom)
		_, err = e.Credits().CreditByOrder(ctx, "O2")
		wantErr(t, err, store.ErrNotFound)
		bal, err := e.Balances(ctx)
		must(t, err)
		if bal[ledger.CreditReceivable] != 0 {
			t.Errorf("rolled-back posting left credit receivable %d", bal[ledger.CreditReceivable])
		}
	})
	t.Run("repayments", func(t *testing.T) { testRepayments(t, open) })
	t.Run("card excesses", func(t *testing.T) { testCardExcesses(t, open) })
}
