package operator_test

import (
	"strings"
	"testing"

	"github.com/shebao-project/shebao/internal/operator"
)

// TestAuditChainTamper: the table refuses edits; someone who drops the
// triggers and edits, deletes or rewrites rows is found by VerifyAudit.
func TestAuditChainTamper(t *testing.T) {
	cases := []struct {
		name    string
		sql     []string
		brokeAt int64
		problem string
	}{
		{"untouched", nil, 0, ""},
		{"reason edited", []string{`UPDATE operator_audit SET reason = 'routine check' WHERE seq = 3`}, 3, "altered"},
		{"operator edited", []string{`UPDATE operator_audit SET operator = 'someone.else' WHERE seq = 2`}, 2, "altered"},
		{"row deleted", []string{`DELETE FROM operator_audit WHERE seq = 3`}, 4, "missing"},
		{"row deleted and renumbered", []string{`DELETE FROM operator_audit WHERE seq = 3`,
			`UPDATE operator_audit SET seq = seq - 1 WHERE seq > 3`}, 3, "does not follow"},
		{"row rewritten with its own hash recomputed", nil, 4, "does not follow"}, // done in Go below
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			for _, a := range []string{"hold.release", "pii.unmask", "hold.refund", "recon.resolve"} {
				if err := f.svc.Record(f.ctx, operator.Entry{Operator: "li.na", Action: a, Target: "SBORDER", Reason: "checked with payer"}); err != nil {
					t.Fatal(err)
				}
			}
			raw := rawDB(t, f.path)
			if _, err := raw.ExecContext(f.ctx, `UPDATE operator_audit SET reason = 'x' WHERE seq = 1`); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Fatalf("an audit row was edited through the triggers: %v", err)
			}
			for _, s := range append([]string{`DROP TRIGGER operator_audit_no_update`, `DROP TRIGGER operator_audit_no_delete`}, c.sql...) {
				if _, err := raw.ExecContext(f.ctx, s); err != nil {
					t.Fatal(err)
				}
			}
			if c.name == "row rewritten with its own hash recomputed" {
				es, err := f.svc.Recent(f.ctx, 0, 10)
				if err != nil {
					t.Fatal(err)
				}
				e := es[len(es)-3] // seq 3
				e.Reason = "nothing to see"
				h := operator.EntryHash(e.PrevHash, e)
				if _, err := raw.ExecContext(f.ctx, `UPDATE operator_audit SET reason = ?, hash = ? WHERE seq = 3`, e.Reason, h); err != nil {
					t.Fatal(err)
				}
			}
			v, err := f.svc.VerifyAudit(f.ctx)
			if err != nil {
				t.Fatal(err)
			}
			if c.brokeAt == 0 {
				if !v.OK || v.Entries != 4 {
					t.Fatalf("clean chain: %+v", v)
				}
				return
			}
			if v.OK || v.BrokenAt != c.brokeAt || !strings.Contains(v.Problem, c.problem) {
				t.Fatalf("got OK=%v at %d (%s), want broken at %d (%s)", v.OK, v.BrokenAt, v.Problem, c.brokeAt, c.problem)
			}
		})
	}
}

// TestLoginsAreAudited: every login outcome leaves an entry.
func TestLoginsAreAudited(t *testing.T) {
	f := newFixture(t)
	c := f.create(t, "li.na", operator.Support)
	_, _, _ = f.svc.Login(f.ctx, operator.Credentials{Name: "li.na", Password: "wrong", Code: "000000"})
	_, _, _ = f.svc.Login(f.ctx, operator.Credentials{Name: "ghost", Password: "wrong", Code: "000000"})
	token := f.login(t, c)
	if err := f.svc.Logout(f.ctx, token); err != nil {
		t.Fatal(err)
	}
	es, err := f.svc.Recent(f.ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := len(es) - 1; i >= 0; i-- {
		got = append(got, es[i].Action+" "+es[i].Target)
	}
	want := "operator.create li.na|login.failed li.na|login.failed ghost|login li.na|logout li.na"
	if strings.Join(got, "|") != want {
		t.Fatalf("audit = %q\nwant    %q", strings.Join(got, "|"), want)
	}
	if v, _ := f.svc.VerifyAudit(f.ctx); !v.OK {
		t.Fatalf("chain broken: %+v", v)
	}
}
