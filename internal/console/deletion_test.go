package console_test

import (
	"crypto/rand"
	"net/http"
	"strings"
	"testing"

	"github.com/shebao-project/shebao/internal/console"
	"github.com/shebao-project/shebao/internal/console/consoletest"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/operator"
	"github.com/shebao-project/shebao/internal/payment"
)

// TestOrderShowsDeletionRequest: once the insured person asked for
// deletion, their order's page says so, when, and what was deleted.
func TestOrderShowsDeletionRequest(t *testing.T) {
	w := consoletest.New(t)
	p := w.Person(t, 1)
	o := w.Order(t, p, "2026-05", 81_968, payment.Credited)
	if err := w.DB.PutPIN(t.Context(), identity.PIN{PersonID: p.ID, Hash: []byte("h"), Salt: []byte("s"), SetAt: w.Clock.Now()}); err != nil {
		t.Fatal(err)
	}
	eraser := identity.NewEraser(identity.EraserDeps{Store: w.DB.Deletions(), Now: w.Clock.Now, Random: rand.Reader, Log: w.Log})
	h, err := console.NewHandler(console.Deps{Operators: w.Operators, Tickets: w.Tickets, Payments: w.Payments, Persons: w.Identity,
		Store: w.DB.ConsoleStore(), Deletions: eraser, Now: w.Clock.Now, Log: w.Log, Wake: w.Runner.Wake})
	if err != nil {
		t.Fatal(err)
	}
	token := signIn(t, w, "support.li", operator.Support)

	page := func() string {
		rec := do(t, h, http.MethodGet, "/admin/orders/"+o.ID, token, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("order page: %d", rec.Code)
		}
		return rec.Body.String()
	}
	if strings.Contains(page(), "申请删除个人信息") {
		t.Fatal("the order page shows a deletion request nobody made")
	}
	if _, err := eraser.Request(t.Context(), p, true); err != nil {
		t.Fatal(err)
	}
	body := page()
	want := "参保人于 " + w.Clock.Now().In(payment.Beijing()).Format("2006-01-02 15:04") + " 申请删除个人信息，已删除：电子社保卡密码 1。"
	if !strings.Contains(body, want) {
		t.Errorf("order page lacks %q:\n%s", want, body)
	}
}
