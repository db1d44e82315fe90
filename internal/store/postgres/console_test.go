package postgres_test

import (
	"testing"
	"time"
)

// TestPaymentAttemptsQueries: the dashboard's attempt, proxy and
// handling-time queries run on PostgreSQL (their results are checked on
// SQLite with data in internal/store/sqlite).
func TestPaymentAttemptsQueries(t *testing.T) {
	db := open(t, freshSchema(t))
	from := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	at, err := db.ConsoleStore().PaymentAttempts(t.Context(), from, from.AddDate(0, 0, 1))
	if err != nil || at.Created != 0 || at.Paid != 0 || at.Proxy != 0 || len(at.Handling) != 0 {
		t.Fatalf("attempts on an empty database: %+v, %v", at, err)
	}
}
