package console_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/shebao-project/shebao/internal/console"
	"github.com/shebao-project/shebao/internal/console/consoletest"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/ticket"
)

func TestMetrics(t *testing.T) {
	w := consoletest.New(t)
	p := w.Person(t, 1)
	w.Order(t, p, "2026-04", 80_000, payment.Held)
	w.Order(t, p, "2026-05", 30_000, payment.Credited)
	if _, err := w.Tickets.Open(w.Ctx, ticket.OpenParams{PersonID: p.ID, Category: "other", Text: "咨询参保登记流程"}); err != nil {
		t.Fatal(err)
	}
	h := console.NewMetrics(console.MetricsDeps{Store: w.DB.ConsoleStore(), Tickets: w.Tickets, Now: w.Clock.Now, Log: w.Log, Token: "s3cret"})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("without token: %d", rec.Code)
	}
	r := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	r.Header.Set("Authorization", "Bearer s3cret")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	body := rec.Body.String()
	for _, want := range []string{"shebao_orders_held 1", "shebao_tickets_open 1", "shebao_tickets_overdue 0", "shebao_console_store_up 1",
		`shebao_collected_today_fen{channel="wechatpay",insurance="110",region="110000"} 30000`, "shebao_ticket_first_response_target_seconds 2700", "go_goroutines"} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
