package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/payment"
)

// testOrderAttempts: the attempts of an order are the orders that shared
// any of its bills, oldest first, however they ended.
func testOrderAttempts(t *testing.T, open Opener) {
	e := orderFixture(t, open)
	at := func(o payment.Order, m int) payment.Order {
		o.CreatedAt = t0.Add(time.Duration(m) * time.Minute)
		o.UpdatedAt = o.CreatedAt
		return o
	}
	seedOrders(t, e, at(order("O1", "P0001", "P0001", "B1", "B2"), 0), at(order("O2", "P0001", "P0001", "B2"), 1),
		at(order("O3", "P0001", "P0001", "B3"), 2), at(order("O4", "P0001", "P0001", "B1"), 3))
	ids := func(id string, limit int) []string {
		t.Helper()
		os, err := e.Payments().OrderAttempts(t.Context(), id, limit)
		must(t, err)
		out := []string{}
		for _, o := range os {
			out = append(out, o.ID)
		}
		return out
	}
	for _, c := range []struct {
		id    string
		limit int
		want  []string
	}{
		{"O1", 10, []string{"O1", "O2", "O4"}},
		{"O2", 10, []string{"O1", "O2"}},
		{"O3", 10, []string{"O3"}},
		{"O4", 10, []string{"O1", "O4"}},
		{"O1", 2, []string{"O1", "O2"}},
		{"nope", 10, []string{}},
	} {
		if got := ids(c.id, c.limit); len(got) != len(c.want) || !slices.Equal(got, c.want) {
			t.Errorf("OrderAttempts(%s, %d) = %v, want %v", c.id, c.limit, got, c.want)
		}
	}
}
