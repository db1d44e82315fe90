package evidence_test

import (
	"database/sql"
	"strings"
	"testing"

	"github.com/shebao-project/shebao/internal/evidence"
)

// tamperFixture is a log of 5 orders (20 leaves) with checkpoints at 8, 12
// and 20 leaves, on a file that the tests then edit as an operator with a
// sqlite3 shell could.
func tamperFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t)
	f.appendOrders(t, 0, 2)
	f.checkpoint(t)
	f.appendOrders(t, 2, 3)
	f.checkpoint(t)
	f.appendOrders(t, 3, 5)
	f.checkpoint(t)
	rep, err := evidence.VerifyLog(t.Context(), f.db.Evidence(), f.keys)
	if err != nil || !rep.OK() || rep.Size != 20 || rep.Checkpoints != 3 {
		t.Fatalf("clean log: %+v, %v", rep, err)
	}
	return f
}

// TestVerifyLogNamesTampering edits or deletes one row at a time and
// checks VerifyLog names it.
func TestVerifyLogNamesTampering(t *testing.T) {
	cases := []struct {
		name string
		sql  string
		want []string // substrings of the problems: where and what
	}{
		{"edit a leaf's data", `UPDATE evidence_leaves SET data = CAST(replace(CAST(data AS TEXT), 'ord_0001', 'ord_0009') AS BLOB) WHERE idx = 4`,
			[]string{"leaf 4: leaf_hash is", "data hashes to", "leaf 4: ref column is \"ord_0001\" but the data is for \"ord_0009\"", "checkpoint 1 (size 8): root column"}},
		{"edit a leaf's data and hash", `UPDATE evidence_leaves SET leaf_hash = zeroblob(32), data = X'00' WHERE idx = 9`,
			[]string{"leaf 9: data does not decode", "node 1/4: stored hash", "checkpoint 2 (size 12): root column"}},
		{"delete a leaf", `DELETE FROM evidence_leaves WHERE idx = 10`,
			[]string{"leaf 10: missing", "checkpoint 3 (size 20): root cannot be rebuilt"}},
		{"delete the last leaf", `DELETE FROM evidence_leaves WHERE idx = 19`,
			[]string{"leaf 19: missing: the log records 20 leaves"}},
		{"edit a checkpoint root", `UPDATE evidence_checkpoints SET root = zeroblob(32) WHERE seq = 2`,
			[]string{"checkpoint 2 (size 12): root column is AAAA", "but the signed note says"}},
		{"edit a checkpoint note", `UPDATE evidence_checkpoints SET note = replace(note, char(10) || '12' || char(10), char(10) || '13' || char(10)) WHERE seq = 2`,
			[]string{"checkpoint 2 (size 12): signature does not verify"}},
		{"drop a checkpoint row", `DELETE FROM evidence_checkpoints WHERE seq = 2`,
			[]string{"checkpoint 2: missing: checkpoints jump from 1 to 3"}},
		{"drop the latest checkpoint", `DELETE FROM evidence_checkpoints WHERE seq = 3`,
			[]string{"checkpoint 3: missing: the log records 3 checkpoints"}},
		{"edit a stored node", `UPDATE evidence_nodes SET hash = zeroblob(32) WHERE level = 2 AND idx = 1`,
			[]string{"node 2/1: stored hash AAAA"}},
		{"insert a leaf at the end", `INSERT INTO evidence_leaves SELECT 20, kind, 'x', data, leaf_hash, appended_at FROM evidence_leaves WHERE idx = 0`,
			[]string{"leaf 20: beyond the 20 leaves"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := tamperFixture(t)
			raw, err := sql.Open("sqlite", "file:"+f.path)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			if res, err := raw.ExecContext(t.Context(), tc.sql); err != nil {
				t.Fatal(err)
			} else if n, _ := res.RowsAffected(); n != 1 {
				t.Fatalf("the edit changed %d rows, want 1", n)
			}
			rep, err := evidence.VerifyLog(t.Context(), f.db.Evidence(), f.keys)
			if err != nil {
				t.Fatal(err)
			}
			var all []string
			for _, p := range rep.Problems {
				all = append(all, p.String())
			}
			text := strings.Join(all, "\n")
			t.Log(text)
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("no problem mentions %q; got:\n%s", w, text)
				}
			}
		})
	}
}

// TestCheckpointRefusesRewrittenHistory: once a stored node covering signed
// leaves is changed behind the log's back, the log refuses to sign a new
// checkpoint, which would be inconsistent with the last one.
func TestCheckpointRefusesRewrittenHistory(t *testing.T) {
	f := tamperFixture(t)
	raw, err := sql.Open("sqlite", "file:"+f.path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.ExecContext(t.Context(), `UPDATE evidence_nodes SET hash = zeroblob(32) WHERE level = 4 AND idx = 0`); err != nil {
		t.Fatal(err)
	}
	f.appendOrders(t, 5, 6)
	if _, err := f.log.Checkpoint(t.Context()); err == nil || !strings.Contains(err.Error(), "not consistent") {
		t.Errorf("Checkpoint after rewriting history: %v", err)
	}
}
