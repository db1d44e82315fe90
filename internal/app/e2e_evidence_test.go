package app_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/shebao-project/shebao/internal/app"
)

// TestE2EEvidenceAndPDF: a credited order's vouchers have a PDF and, after
// the next signed checkpoint, an evidence proof; the log verifies clean.
func TestE2EEvidenceAndPDF(t *testing.T) {
	t.Parallel()
	e := startApp(t)
	token, _ := e.login(t, "13800000003")
	o := e.order(t, token, "ev1", ids(e.bills(t, token)))
	e.payOrder(t, token, o)
	var vs struct {
		Vouchers []struct {
			ID         string `json:"id"`
			VerifyCode string `json:"verify_code"`
			Links      struct {
				PDF, Proof string
			} `json:"links"`
		} `json:"vouchers"`
	}
	e.call(t, "GET", "/api/v1/orders/"+o.ID+"/vouchers", token, nil, nil).want(t, 200).json(t, &vs)
	if len(vs.Vouchers) != 3 || vs.Vouchers[0].VerifyCode == "" {
		t.Fatalf("vouchers %+v", vs)
	}
	v := vs.Vouchers[0]
	pdf := e.call(t, "GET", "/api/v1/vouchers/"+v.ID+"/pdf", token, nil, nil).want(t, 200)
	if !bytes.HasPrefix(pdf.Body, []byte("%PDF")) {
		t.Fatalf("not a PDF: %.20q", pdf.Body)
	}
	other, _ := e.login(t, "13800000002")
	wantError(t, e.call(t, "GET", "/api/v1/vouchers/"+v.ID+"/pdf", other, nil, nil), 404, "voucher_not_found", "")

	if r := e.call(t, "GET", "/api/v1/vouchers/"+v.ID+"/proof", token, nil, nil); r.Status != http.StatusServiceUnavailable && r.Status != 200 {
		t.Fatalf("proof before a checkpoint answered %d", r.Status)
	}
	if _, err := e.run.App.Evidence.Checkpoint(t.Context()); err != nil {
		t.Fatal(err)
	}
	proof := e.call(t, "GET", "/api/v1/vouchers/"+v.ID+"/proof", token, nil, nil).want(t, 200)
	if !strings.Contains(string(proof.Body), "/evidence") {
		t.Fatalf("proof bundle: %s", proof.Body)
	}
	cp := e.call(t, "GET", "/api/v1/log/checkpoint", "", nil, nil).want(t, 200)
	if !strings.Contains(string(cp.Body), "/evidence\n") || !strings.Contains(string(cp.Body), "\n— ") {
		t.Fatalf("checkpoint is not a signed note: %s", cp.Body)
	}
	var out bytes.Buffer
	if code := app.Main([]string{"log", "verify", "--data", e.DataDir, "--db", e.DB}, nil, &out, &out); code != 0 {
		t.Fatalf("shebao log verify exit %d: %s", code, out.String())
	}
	out.Reset()
	if code := app.Main([]string{"verify", "--data", e.DataDir, "--db", e.DB, v.VerifyCode}, nil, &out, &out); code != 0 {
		t.Fatalf("shebao verify exit %d: %s", code, out.String())
	}
}
