package app_test

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/shebao-project/shebao/internal/app"
)

// TestE2ENoPlaintextAtRest: after every demo person has signed in and paid
// (persons, sessions, orders, vouchers, audit and evidence rows written),
// the database holds none of their ID numbers, phone numbers or names in
// the clear.
// On SQLite it greps the raw files, free pages and WAL included, as someone
// who copied them would; on PostgreSQL it reads every row of every table.
func TestE2ENoPlaintextAtRest(t *testing.T) {
	t.Parallel()
	e := startApp(t)
	for i, d := range app.DemoPeople {
		token, _ := e.login(t, d.Phone)
		o := e.order(t, token, fmt.Sprintf("atrest-%d", i), ids(e.bills(t, token)))
		e.payOrder(t, token, o)
		e.call(t, http.MethodGet, "/api/v1/me/vouchers", token, nil, nil).want(t, http.StatusOK)
	}
	var secrets []string
	for i, d := range app.DemoPeople {
		secrets = append(secrets, app.DemoIDNumber(i), d.Phone, d.Name)
	}
	var content []byte
	if e.DB == "" {
		if err := e.stop(); err != nil {
			t.Fatal(err)
		}
		files, _ := filepath.Glob(filepath.Join(e.DataDir, "shebao.db*"))
		if len(files) == 0 {
			t.Fatal("no database files in the data directory")
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			content = append(content, b...)
		}
	} else {
		content = allRows(t, e)
	}
	for _, s := range secrets {
		if i := bytes.Index(content, []byte(s)); i >= 0 {
			lo, hi := max(0, i-60), min(len(content), i+len(s)+60)
			t.Errorf("%s is stored in the clear: …%q…", s, content[lo:hi])
		}
	}
}

// allRows is every row of every table in the test's PostgreSQL schema, as
// text.
func allRows(t *testing.T, e *env) []byte {
	t.Helper()
	db := e.sqlDB(t)
	rows, err := db.QueryContext(t.Context(), `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	if len(tables) < 10 {
		t.Fatalf("only %d tables in the schema: %v", len(tables), tables)
	}
	var out bytes.Buffer
	for _, tb := range tables {
		rs, err := db.QueryContext(t.Context(), fmt.Sprintf(`SELECT t::text FROM %q t`, tb))
		if err != nil {
			t.Fatalf("%s: %v", tb, err)
		}
		for rs.Next() {
			var s string
			if err := rs.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out.WriteString(s)
			out.WriteByte('\n')
		}
		rs.Close()
	}
	return out.Bytes()
}
