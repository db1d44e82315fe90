package auditlog_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/auditlog"
	"github.com/shebao-project/shebao/internal/store/sqlite"
	_ "modernc.org/sqlite"
)

// TestChainDetectsTampering writes a chain to a real SQLite file, then
// edits, deletes and re-links rows behind the application's back; Verify
// must name the first broken entry each time.
func TestChainDetectsTampering(t *testing.T) {
	tests := []struct {
		name    string
		tamper  string
		wantSeq int64
	}{
		{"untouched", "", 0},
		{"edited detail", `UPDATE audit_log SET detail = 'nothing happened' WHERE seq = 3`, 3},
		{"edited actor", `UPDATE audit_log SET actor = 'per_other' WHERE seq = 5`, 5},
		{"deleted row", `DELETE FROM audit_log WHERE seq = 2`, 2},
		{"deleted last rows", `DELETE FROM audit_log WHERE seq >= 5`, 0}, // a truncated tail is only visible against an external count
		{"row rewritten with a new hash", `UPDATE audit_log SET detail = 'x', hash = zeroblob(32) WHERE seq = 4`, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "db")
			db, err := sqlite.Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
			for i := range 6 {
				err := db.InTx(ctx, func(tx *sqlite.Tx) error {
					return auditlog.Append(ctx, tx, auditlog.Entry{At: at.Add(time.Duration(i) * time.Minute), Actor: "per_1", Action: "grant.use", Target: "ord_x", Detail: "pays for per_2"})
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			if tt.tamper != "" {
				raw, err := sql.Open("sqlite", "file:"+path)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := raw.Exec(tt.tamper); err != nil {
					t.Fatal(err)
				}
				raw.Close()
			}
			_, p, err := auditlog.Verify(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.wantSeq == 0 && p != nil:
				t.Fatalf("clean chain reported %+v", p)
			case tt.wantSeq != 0 && (p == nil || p.Seq != tt.wantSeq):
				t.Fatalf("problem %+v, want one at entry %d", p, tt.wantSeq)
			}
		})
	}
}
