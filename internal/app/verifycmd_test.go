package app

import (
	"bytes"
	"compress/flate"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"

	"github.com/shebao-project/shebao/internal/evidence"
	"github.com/shebao-project/shebao/internal/store/sqlite"
	"github.com/shebao-project/shebao/internal/voucher"
)

var verifyNow = time.Date(2026, 11, 15, 2, 4, 5, 0, time.UTC)

const verifyBase = "https://shebao.example"

// verifyFixture is a data directory as `shebao serve` leaves it: the
// agency key, a database holding one order's three signed vouchers and its
// evidence log with a checkpoint; plus a PDF of the fiscal receipt, its
// public key and another key's.
type verifyFixture struct {
	dir      string
	vouchers map[voucher.Kind]*voucher.Voucher
	pub      string // PEM file of the agency's public key
	otherPub string // PEM file of an unrelated SM2 key
	pdf      string // PDF of the fiscal receipt
	qr       string // QR text of the fiscal receipt
}

func verifyFacts() voucher.Facts {
	return voucher.Facts{OrderID: "ord_01JD5Z8QW3", OutTradeNo: "SB20261115100358A1B2",
		TransactionID: "4200002345202611151234567890", Channel: "wechatpay", ChannelName: "微信支付",
		PaidAt: verifyNow.Add(-7 * time.Second), PostedAt: verifyNow.Add(-3 * time.Second),
		PayerName: "张*", InsuredName: "张*", InsuredIDMasked: "110***********1234", Region: "110000",
		AgencyName: "北京市社会保险基金管理中心（沙箱）", AgencyCreditCode: "12110000MB01234567",
		Lines: []voucher.Line{{Insurance: "110", Name: "企业职工基本养老保险", Period: "2026-11", BaseFen: 727000, Rate: "0.20", AmountFen: 145400}},
		Total: 145400, CorePostingRef: "SL1100002026111500012345"}
}

func newVerifyFixture(t *testing.T) *verifyFixture {
	t.Helper()
	f := &verifyFixture{dir: t.TempDir(), vouchers: map[voucher.Kind]*voucher.Voucher{}}
	key, err := voucher.LoadOrCreateKey(filepath.Join(f.dir, "keys", agencyKeyFile), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer := voucher.NewSigner(key)
	var leaves []evidence.Leaf
	for i, k := range voucher.Kinds() {
		code := strings.Repeat("ABCDEFGHJK"[i:i+1], 20)
		v, err := voucher.Build(k, verifyFacts(), voucher.Numbers{BillCode: "11060126", BillNumber: "0000012345"}, "vch_"+string(k), code, verifyNow)
		if err != nil {
			t.Fatal(err)
		}
		if err := signer.Sign(rand.Reader, v); err != nil {
			t.Fatal(err)
		}
		f.vouchers[k] = v
		l, err := evidence.VoucherLeaf(v)
		if err != nil {
			t.Fatal(err)
		}
		leaves = append(leaves, l)
	}
	f.writeDB(t, key, leaves)
	v := f.vouchers[voucher.FiscalReceipt]
	res := voucher.Verify(signer.Public(), v, verifyNow)
	f.qr = voucher.QRPayload(verifyBase, v)
	pdf, err := voucher.RenderPDF(v, res.Document, f.qr, res)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := sm2.GenerateKey(rand.Reader)
	f.pdf = f.file(t, "fiscal.pdf", pdf)
	f.pub = f.file(t, "pub.pem", signer.PublicKeyPEM())
	f.otherPub = f.file(t, "other.pem", voucher.NewSigner(other).PublicKeyPEM())
	return f
}

func (f *verifyFixture) file(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(f.dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeDB migrates the database, logs the vouchers and checkpoints, then
// stores the vouchers with a plain connection (foreign keys off: the test
// has no order rows).
func (f *verifyFixture) writeDB(t *testing.T, key *sm2.PrivateKey, leaves []evidence.Leaf) {
	t.Helper()
	ctx := t.Context()
	path := filepath.Join(f.dir, "shebao.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	skey, err := evidence.LoadOrCreateNoteKey(filepath.Join(f.dir, "keys", evidenceKeyFile), "shebao.example/evidence/test", rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	lg, err := evidence.New(evidence.Deps{Store: db.Evidence(), NoteKey: skey, SM2Key: key, Now: func() time.Time { return verifyNow }, Random: rand.Reader})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.InTx(ctx, func(tx *sqlite.Tx) error { _, err := lg.Append(ctx, tx, leaves...); return err }); err != nil {
		t.Fatal(err)
	}
	if _, err := lg.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	for _, v := range f.vouchers {
		if _, err := f.raw(t).ExecContext(ctx, `INSERT INTO vouchers (id, order_id, kind, code, payload, signature, key_id, issued_at) VALUES (?,?,?,?,?,?,?,?)`,
			v.ID, v.OrderID, v.Kind, v.Code, v.Payload, v.Signature, v.KeyID, v.IssuedAt.UnixMilli()); err != nil {
			t.Fatal(err)
		}
	}
}

func (f *verifyFixture) raw(t *testing.T) *sql.DB {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(f.dir, "shebao.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// tamperedPDF changes one character of the payload the PDF carries (the
// bill number's last digit) and re-embeds it with the original signature,
// as a forger editing the file would.
func (f *verifyFixture) tamperedPDF(t *testing.T) string {
	t.Helper()
	pdf, _ := os.ReadFile(f.pdf)
	v, err := voucher.ReadPDF(pdf)
	if err != nil {
		t.Fatal(err)
	}
	forged := bytes.Replace(v.Payload, []byte(`"0000012345"`), []byte(`"0000012346"`), 1)
	var z bytes.Buffer
	w, _ := flate.NewWriter(&z, flate.BestCompression)
	w.Write(forged)
	w.Close()
	b64 := base64.RawURLEncoding
	url, _, _ := strings.Cut(f.qr, "#")
	old := "#z." + strings.SplitN(strings.SplitN(string(pdf), "#z.", 2)[1], ")", 2)[0]
	out := strings.Replace(string(pdf), old, "#z."+b64.EncodeToString(z.Bytes())+"."+b64.EncodeToString(v.Signature), 1)
	if out == string(pdf) || !strings.Contains(out, url) {
		t.Fatal("tampering changed nothing")
	}
	return f.file(t, "forged.pdf", []byte(out))
}

func TestVerifyCommand(t *testing.T) {
	f := newVerifyFixture(t)
	fiscal, stmt := f.vouchers[voucher.FiscalReceipt], f.vouchers[voucher.TransactionStatement]
	late := verifyNow.AddDate(3, 0, 0)
	notPDF := f.file(t, "notes.pdf", []byte("%PDF-1.4\nnothing of ours\n"))
	cases := []struct {
		name   string
		args   []string
		now    time.Time
		stdin  string
		exit   int
		reason string
	}{
		{"code in the database", []string{"--data", f.dir, fiscal.Code}, verifyNow, "", 0, "ok"},
		{"code typed in lower case", []string{"--data", f.dir, strings.ToLower(fiscal.Code)}, verifyNow, "", 0, "ok"},
		{"unknown code", []string{"--data", f.dir, strings.Repeat("Z", 20)}, verifyNow, "", 1, "not_found"},
		{"past retention", []string{"--data", f.dir, stmt.Code}, late, "", 1, "expired"},
		{"long-term receipt never expires", []string{"--data", f.dir, fiscal.Code}, late, "", 0, "ok"},
		{"database with another key", []string{"--data", f.dir, "--key", f.otherPub, fiscal.Code}, verifyNow, "", 1, "unknown_key"},
		{"three elements", []string{"--data", f.dir, "--bill-code", "11060126", "--bill-number", "0000012345",
			"--check-code", strings.ToUpper(voucher.CheckCode("11060126", "0000012345", 145400))}, verifyNow, "", 0, "ok"},
		{"three elements, wrong check code", []string{"--data", f.dir, "--bill-code", "11060126", "--bill-number", "0000012345",
			"--check-code", "000000"}, verifyNow, "", 1, "not_found"},
		{"three elements, wrong number", []string{"--data", f.dir, "--bill-code", "11060126", "--bill-number", "0000012399",
			"--check-code", "000000"}, verifyNow, "", 1, "not_found"},
		{"PDF with the public key", []string{"--key", f.pub, f.pdf}, verifyNow, "", 0, "ok"},
		{"PDF with the data directory's key", []string{"--data", f.dir, f.pdf}, verifyNow, "", 0, "ok"},
		{"PDF with another key", []string{"--key", f.otherPub, f.pdf}, verifyNow, "", 1, "unknown_key"},
		{"PDF with one character changed", []string{"--key", f.pub, f.tamperedPDF(t)}, verifyNow, "", 1, "bad_signature"},
		{"PDF that is not a voucher", []string{"--key", f.pub, notPDF}, verifyNow, "", 1, "malformed"},
		{"QR text", []string{"--key", f.pub, f.qr}, verifyNow, "", 0, "ok"},
		{"QR text on stdin", []string{"--key", f.pub, "-"}, verifyNow, f.qr + "\n", 0, "ok"},
		{"PDF on stdin", []string{"--key", f.pub, "-"}, verifyNow, string(must(os.ReadFile(f.pdf))), 0, "ok"},
		{"QR text with another key", []string{"--key", f.otherPub, f.qr}, verifyNow, "", 1, "bad_signature"},
		{"damaged QR text", []string{"--key", f.pub, f.qr[:len(f.qr)-30]}, verifyNow, "", 1, "malformed"},
		{"no key", []string{fiscal.Code}, verifyNow, "", 2, ""},
		{"no argument", []string{"--key", f.pub}, verifyNow, "", 2, ""},
		{"missing key file", []string{"--key", filepath.Join(f.dir, "none.pem"), f.pdf}, verifyNow, "", 2, ""},
		{"missing data directory", []string{"--data", filepath.Join(f.dir, "none"), fiscal.Code}, verifyNow, "", 2, ""},
		{"code without a database", []string{"--key", f.pub, fiscal.Code}, verifyNow, "", 2, ""},
		{"partial three elements", []string{"--data", f.dir, "--bill-code", "11060126"}, verifyNow, "", 2, ""},
		{"bad flag", []string{"--nope"}, verifyNow, "", 2, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			exit := verifyWith(append([]string{"--json"}, tc.args...), strings.NewReader(tc.stdin), &out, &errOut, func() time.Time { return tc.now })
			if exit != tc.exit {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", exit, tc.exit, out.String(), errOut.String())
			}
			if tc.exit == 2 {
				return
			}
			var got map[string]any
			if err := json.Unmarshal(out.Bytes(), &got); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, out.String())
			}
			if got["reason"] != tc.reason || got["valid"] != (tc.exit == 0) || got["message"] == "" || got["message_en"] == "" {
				t.Errorf("got %v, want reason %s", got, tc.reason)
			}
			if tc.reason == "ok" && (got["kind"] == "" || got["code"] == "" || got["document"] == nil) {
				t.Errorf("a valid voucher's kind, code and document are missing: %v", got)
			}
		})
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestVerifyCommandHumanOutput(t *testing.T) {
	f := newVerifyFixture(t)
	var out bytes.Buffer
	if exit := verifyWith([]string{"--key", f.pub, f.pdf}, nil, &out, &out, func() time.Time { return verifyNow }); exit != 0 {
		t.Fatalf("exit %d: %s", exit, out.String())
	}
	for _, want := range []string{"✓ 有效 VALID (ok)", "凭证真实有效", "The voucher is genuine", "财政电子票据 Fiscal e-receipt",
		"壹仟肆佰伍拾肆元整", "0000012345", "长期保存"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestLogVerifyCommand(t *testing.T) {
	f := newVerifyFixture(t)
	var out, errOut bytes.Buffer
	if exit := runLogVerify([]string{"--data", f.dir}, &out, &errOut); exit != 0 || !strings.Contains(out.String(), "clean") {
		t.Fatalf("clean log: exit %d\n%s%s", exit, out.String(), errOut.String())
	}
	res, err := f.raw(t).ExecContext(t.Context(), `UPDATE evidence_leaves SET data = CAST(replace(CAST(data AS TEXT), 'BBBB', 'BBBC') AS BLOB) WHERE idx = 1`)
	if n, _ := res.RowsAffected(); err != nil || n != 1 {
		t.Fatalf("edit: %d rows, %v", n, err)
	}
	out.Reset()
	if exit := runLogVerify([]string{"--data", f.dir}, &out, &errOut); exit != 1 || !strings.Contains(out.String(), "leaf 1: leaf_hash is") {
		t.Errorf("edited leaf: exit %d\n%s", exit, out.String())
	}
	out.Reset()
	if exit := runLogVerify([]string{"--data", filepath.Join(f.dir, "none")}, &out, &errOut); exit != 2 {
		t.Errorf("missing data directory: exit %d", exit)
	}
}
