package storetest

import (
	"testing"

	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/identity"
)

// testBillRun: the monthly run's paging reads every person once, with only
// active enrolments, and its batch insert skips what is already billed.
func testBillRun(t *testing.T, open Opener) {
	t.Run("EnrolledAfterPages", func(t *testing.T) {
		e := open(t)
		seedPersons(t, e, 1, 2, 3)
		for _, en := range []identity.Enrolment{
			{PersonID: "P0001", Insurance: "110", Status: "active", Since: "2020-01", Base: "floor"},
			{PersonID: "P0001", Insurance: "310", Status: "active", Since: "2021-03", Base: "600000"},
			{PersonID: "P0002", Insurance: "110", Status: "active", Since: "2019-07", Base: "ceiling"},
			{PersonID: "P0002", Insurance: "310", Status: "suspended", Since: "2019-07", Base: "floor"},
		} {
			must(t, e.PutEnrolment(t.Context(), en))
		}
		first, err := e.EnrolledAfter(t.Context(), "", 2)
		must(t, err)
		want := []billing.Enrolled{
			{PersonID: "P0001", Region: "440300", Type: identity.Flexible, Items: []billing.Item{{Insurance: "110", Base: "floor"}, {Insurance: "310", Base: "600000"}}},
			{PersonID: "P0002", Region: "440300", Type: identity.Flexible, Items: []billing.Item{{Insurance: "110", Base: "ceiling"}}},
		}
		same(t, "EnrolledAfter(\"\", 2)", first, want, nil)
		second, err := e.EnrolledAfter(t.Context(), "P0002", 2)
		must(t, err)
		same(t, "EnrolledAfter(P0002, 2)", second, []billing.Enrolled{{PersonID: "P0003", Region: "440300", Type: identity.Flexible}}, nil)
		end, err := e.EnrolledAfter(t.Context(), "P0003", 2)
		must(t, err)
		if len(end) != 0 {
			t.Fatalf("EnrolledAfter(P0003) = %+v, want none", end)
		}
	})
	t.Run("InsertBillsSkipsBilled", func(t *testing.T) {
		e := open(t)
		seedPersons(t, e, 1, 2)
		seedBills(t, e, bill("B1", "P0001", "110", "2026-12"))
		batch := []billing.Bill{bill("N1", "P0001", "110", "2026-12"), bill("N2", "P0001", "310", "2026-12"), bill("N3", "P0002", "110", "2026-12")}
		n, err := e.InsertBills(t.Context(), batch)
		must(t, err)
		if n != 2 {
			t.Fatalf("InsertBills = %d new, want 2 (one period was already billed)", n)
		}
		got := billsByID(t, e, "B1", "N1", "N2", "N3")
		if len(got) != 3 || got["N1"].ID != "" {
			t.Fatalf("bills after the batch: %v; want B1 kept, N2 and N3 added, N1 skipped", keys(got))
		}
		again, err := e.InsertBills(t.Context(), []billing.Bill{bill("M2", "P0001", "310", "2026-12")})
		must(t, err)
		if again != 0 {
			t.Fatalf("rerun InsertBills = %d new, want 0", again)
		}
		none, err := e.InsertBills(t.Context(), nil)
		must(t, err)
		if none != 0 {
			t.Fatalf("InsertBills(nil) = %d", none)
		}
	})
}

func keys(m map[string]billing.Bill) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
