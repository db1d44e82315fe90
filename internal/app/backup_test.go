package app_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/shebao-project/shebao/internal/app"
)

// TestBackupRestoreDrill backs up a running server's data online, then
// checks the copy as a restore would find it: the books balance, a voucher
// verifies with the copied keys, and the evidence log verifies.
func TestBackupRestoreDrill(t *testing.T) {
	t.Parallel()
	e := startApp(t)
	if e.DB != "" {
		t.Skip("the SQLite drill; on PostgreSQL backup runs pg_dump, restored with pg_restore")
	}
	token, _ := e.login(t, "13800000001")
	o := e.payOrder(t, token, e.order(t, token, "bk1", ids(e.bills(t, token))))
	code := e.vouchers(t, token, o.ID)[0].Code
	to := filepath.Join(t.TempDir(), "backup")
	var out bytes.Buffer
	if c := app.Main([]string{"backup", "--data", e.DataDir, "--to", to}, nil, &out, &out); c != 0 {
		t.Fatalf("backup exit %d: %s", c, out.String())
	}
	for _, cmd := range [][]string{
		{"audit", "--data", to},
		{"verify", "--data", to, code},
		{"log", "verify", "--data", to},
	} {
		out.Reset()
		if c := app.Main(cmd, nil, &out, &out); c != 0 {
			t.Errorf("%v on the restored copy: exit %d\n%s", cmd, c, out.String())
		}
	}
	out.Reset()
	if c := app.Main([]string{"backup", "--data", e.DataDir, "--to", to}, nil, &out, &out); c != 2 {
		t.Errorf("backup over an existing directory: exit %d", c)
	}
}
