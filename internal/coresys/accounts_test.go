package coresys_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/coresys"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/payment"
	coresandbox "github.com/shebao-project/shebao/internal/sandbox/coresys"
)

const holder = "440106198806123020"

func newCore(t *testing.T) (*coresys.Client, *coresandbox.Server, func(faults string)) {
	t.Helper()
	sb := coresandbox.New("/core", func() time.Time { return time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC) })
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	sb.SetBalance(holder, 50000)
	faults := func(body string) {
		t.Helper()
		res, err := http.Post(srv.URL+"/core/control/faults", "application/json", bytes.NewReader([]byte(body)))
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("faults %s: %v %v", body, res, err)
		}
		res.Body.Close()
	}
	return &coresys.Client{BaseURL: srv.URL + "/core", HTTP: srv.Client()}, sb, faults
}

func debit(id string, fen money.Fen) payment.AccountDebit {
	return payment.AccountDebit{DebitID: id, Region: "440100", HolderIDNumber: holder, AmountFen: fen,
		Lines: []payment.PostingLine{{Insurance: "390", Period: "2027", AmountFen: fen}}}
}

func balance(t *testing.T, c *coresys.Client) money.Fen {
	t.Helper()
	b, err := c.Balance(context.Background(), holder)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAccountsDebitOnce: a debit retried (its answer lost, or asked twice)
// takes the money once; a refusal is a result; a reversal gives it back
// once; voiding an id never taken stops a late debit under it.
func TestAccountsDebitOnce(t *testing.T) {
	ctx := context.Background()
	c, _, faults := newCore(t)
	if _, err := c.Balance(ctx, "110105198503074510"); !errors.Is(err, payment.ErrNoMedicalAccount) {
		t.Fatalf("balance without an account: %v", err)
	}
	if r, err := c.Debit(ctx, debit("ord_big", 60000)); err != nil || r.Debited || r.FailCode != payment.DebitInsufficient || r.BalanceFen != 50000 {
		t.Fatalf("debit above the balance: %+v %v", r, err)
	}

	// The answer is lost: the money is taken, the client cannot tell.
	faults(`{"lose_debit_answers":1}`)
	if _, err := c.Debit(ctx, debit("ord_1", 40000)); err == nil {
		t.Fatal("a lost answer came back as an answer")
	}
	r, err := c.LookupDebit(ctx, "ord_1")
	if err != nil || !r.Debited || r.Ref == "" {
		t.Fatalf("lookup after a lost answer: %+v %v", r, err)
	}
	again, err := c.Debit(ctx, debit("ord_1", 40000))
	if err != nil || again.Ref != r.Ref {
		t.Fatalf("debit asked again: %+v %v, want the first debit %s", again, err, r.Ref)
	}
	if b := balance(t, c); b != 10000 {
		t.Fatalf("balance %d after one debit of 40000 asked twice, want 10000", b)
	}
	if _, err := c.Debit(ctx, debit("ord_1", 100)); err == nil {
		t.Fatal("the same debit id with another amount was accepted")
	}

	// Not taken at all (503): lookup says so, and a retry takes it once.
	faults(`{"fail_debits":1}`)
	if _, err := c.Debit(ctx, debit("ord_2", 10000)); err == nil {
		t.Fatal("a failed debit came back as an answer")
	}
	if _, err := c.LookupDebit(ctx, "ord_2"); !errors.Is(err, payment.ErrDebitNotFound) {
		t.Fatalf("lookup of a debit never taken: %v", err)
	}
	if r, err := c.Debit(ctx, debit("ord_2", 10000)); err != nil || !r.Debited || r.BalanceFen != 0 {
		t.Fatalf("retried debit: %+v %v", r, err)
	}

	// Reversal: once, however often asked.
	for range 2 {
		rev, err := c.Reverse(ctx, payment.AccountReversal{DebitID: "ord_1", ReversalID: "RF1", AmountFen: 40000})
		if err != nil || !rev.Reversed || rev.BalanceFen != 40000 {
			t.Fatalf("reversal: %+v %v", rev, err)
		}
	}
	// Void: an id never taken can no longer be debited.
	if rev, err := c.Reverse(ctx, payment.AccountReversal{DebitID: "ord_3", ReversalID: "VD3", AmountFen: 100}); err != nil || rev.Reversed || !rev.Voided {
		t.Fatalf("void: %+v %v", rev, err)
	}
	if r, err := c.Debit(ctx, debit("ord_3", 100)); err != nil || r.Debited || r.FailCode != payment.DebitVoided {
		t.Fatalf("debit after void: %+v %v", r, err)
	}
	if b := balance(t, c); b != 40000 {
		t.Fatalf("final balance %d, want 40000", b)
	}

	// The day's statement: the two debits taken, the first reversed;
	// refusals and voids are no debits.
	rows, err := c.DebitStatement(ctx, "2026-11-27")
	if err != nil || len(rows) != 2 || rows[0].DebitID != "ord_1" || rows[0].ReversalRef == "" || rows[0].AmountFen != 40000 ||
		rows[1].DebitID != "ord_2" || rows[1].ReversalRef != "" {
		t.Fatalf("statement: %+v %v", rows, err)
	}
	if rows, err := c.DebitStatement(ctx, "2026-11-26"); err != nil || len(rows) != 0 {
		t.Fatalf("statement of the day before: %+v %v", rows, err)
	}
}
