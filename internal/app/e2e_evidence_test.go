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

// TestE2EThreeElements verifies a fiscal receipt by bill code, number and
// check code, as the national fiscal e-bill checker does.
func TestE2EThreeElements(t *testing.T) {
	t.Parallel()
	e := startApp(t)
	token, _ := e.login(t, "13800000001")
	o := e.payOrder(t, token, e.order(t, token, "three", ids(e.bills(t, token))))
	var vs struct {
		Vouchers []struct {
			Kind     string `json:"kind"`
			Document struct {
				Fiscal *struct {
					BillCode   string `json:"bill_code"`
					BillNumber string `json:"bill_number"`
					CheckCode  string `json:"check_code"`
				} `json:"fiscal_receipt"`
			} `json:"document"`
		} `json:"vouchers"`
	}
	e.call(t, "GET", "/api/v1/orders/"+o.ID+"/vouchers", token, nil, nil).want(t, 200).json(t, &vs)
	for _, v := range vs.Vouchers {
		f := v.Document.Fiscal
		if f == nil {
			continue
		}
		var got verification
		path := "/api/v1/vouchers/verify?bill_code=" + f.BillCode + "&bill_number=" + f.BillNumber + "&check_code="
		e.call(t, "GET", path+f.CheckCode, "", nil, nil).want(t, 200).json(t, &got)
		if !got.Valid {
			t.Errorf("three elements of a genuine receipt: %+v", got)
		}
		e.call(t, "GET", path+"000000", "", nil, nil).want(t, 200).json(t, &got)
		if got.Valid || got.Reason != "unknown_code" {
			t.Errorf("a wrong check code: %+v", got)
		}
		return
	}
	t.Fatal("no fiscal receipt")
}
