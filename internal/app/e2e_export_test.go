package app_test

import (
	"net/http"
	"testing"

	"github.com/shebao-project/shebao/internal/app"
)

// TestE2EExport: a person downloads everything held about them, in the
// clear, as an attachment nobody caches; nobody else can; the download is
// in the audit log.
func TestE2EExport(t *testing.T) {
	t.Parallel()
	e := startApp(t)
	d := app.DemoPeople[0]
	token, me := e.login(t, d.Phone)
	paid := e.payOrder(t, token, e.order(t, token, "export-1", ids(e.bills(t, token))))

	r := e.call(t, http.MethodGet, "/api/v1/me/export", token, nil, nil).want(t, http.StatusOK)
	if cd := r.Header.Get("Content-Disposition"); cd != `attachment; filename="shebao-export-`+me.ID+`.json"` {
		t.Errorf("Content-Disposition %q, want an attachment named after the person", cd)
	}
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	var x struct {
		Person   person  `json:"person"`
		Orders   []order `json:"orders"`
		Bills    []bill  `json:"bills"`
		Vouchers []struct {
			OrderID string `json:"order_id"`
		} `json:"vouchers"`
	}
	r.json(t, &x)
	if x.Person.ID != me.ID || x.Person.IDNumber != app.DemoIDNumber(0) || x.Person.Phone != d.Phone || x.Person.Name != d.Name {
		t.Errorf("person %+v: want %s with the full ID number, phone and name", x.Person, me.ID)
	}
	if len(x.Orders) != 1 || x.Orders[0].ID != paid.ID || x.Orders[0].State != "credited" {
		t.Errorf("orders %+v: want the one credited order %s", x.Orders, paid.ID)
	}
	if len(x.Vouchers) != 3 || len(x.Bills) < len(paid.BillIDs) {
		t.Errorf("%d vouchers and %d bills: want the three vouchers and every bill (paid ones too)", len(x.Vouchers), len(x.Bills))
	}

	// Only with a session, and only one's own: another person's export
	// holds none of this person's data.
	wantError(t, e.raw(t, http.MethodGet, "/api/v1/me/export", nil, nil), http.StatusUnauthorized, "unauthenticated", "")
	other, _ := e.login(t, app.DemoPeople[1].Phone)
	var y struct {
		Person person  `json:"person"`
		Orders []order `json:"orders"`
	}
	e.call(t, http.MethodGet, "/api/v1/me/export", other, nil, nil).want(t, http.StatusOK).json(t, &y)
	if y.Person.ID == me.ID || len(y.Orders) != 0 {
		t.Errorf("the other person's export shows %s and %d orders", y.Person.ID, len(y.Orders))
	}

	var n int
	if err := e.sqlDB(t).QueryRowContext(t.Context(),
		`SELECT COUNT(*) FROM audit_log WHERE action = 'person.export' AND actor = $1 AND target = $1`, me.ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d audit entries for the export, want 1", n)
	}
}
