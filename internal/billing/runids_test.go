package billing

import (
	"crypto/rand"
	"strings"
	"testing"
)

// TestRunIDs: a run's ids look like every bill id (prefix, length,
// alphabet), are distinct, and sort in the order they were drawn, which is
// what keeps the run's inserts together in the primary-key index.
func TestRunIDs(t *testing.T) {
	s := &Service{random: rand.Reader}
	ids, err := s.newRunIDs()
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.newID()
	if err != nil {
		t.Fatal(err)
	}
	prev := ""
	seen := map[string]bool{}
	for i := 0; i < 5000; i++ {
		if i == 2000 {
			ids.seq = 1<<30 - 3000 // the highest numbers of a run sort after the rest too
		}
		id, err := ids.next()
		if err != nil {
			t.Fatal(err)
		}
		if len(id) != len(other) || !strings.HasPrefix(id, "bil_") || strings.Trim(id[4:], sortedIDAlphabet) != "" {
			t.Fatalf("run id %q does not look like bill id %q", id, other)
		}
		if id <= prev || seen[id] {
			t.Fatalf("id %d: %q after %q; want strictly increasing", i, id, prev)
		}
		if id[:12] != prev[:min(12, len(prev))] && prev != "" {
			t.Fatalf("id %q left the run's prefix %q", id, prev[:12])
		}
		prev, seen[id] = id, true
	}
	if _, err := ids.next(); err == nil {
		t.Fatal("drew more ids than a run's numbering allows; want an error")
	}
}
