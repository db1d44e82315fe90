package app

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"github.com/shebao-project/shebao/internal/evidence"
	"github.com/shebao-project/shebao/internal/store"
	"github.com/shebao-project/shebao/internal/store/postgres"
	"github.com/shebao-project/shebao/internal/store/sqlite"
	"github.com/shebao-project/shebao/internal/voucher"
)

// Key files in the data directory.
const (
	agencyKeyFile   = "agency-sm2.pem"    // the SM2 voucher key (private; its public half verifies)
	evidenceKeyFile = "evidence-note.key" // the evidence log's Ed25519 note key
)

// reasonNotFound is verify's answer when no voucher has the code or the
// three elements given, as the national checker's 查无此票.
const reasonNotFound = "not_found"

// runVerify implements `shebao verify`:
//
//	shebao verify --data DIR CODE                 a voucher in the local database
//	shebao verify --data DIR --bill-code C --bill-number N --check-code K
//	shebao verify --key pub.pem FILE.pdf | 'https://…/verify/CODE#z.…' | -
//
// Exit 0 valid, 1 not valid (bad_signature, unknown_key, expired, malformed,
// not_found), 2 when it could not check (usage, unreadable key or database).
func runVerify(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return verifyWith(args, stdin, stdout, stderr, time.Now)
}

type verifyOutput struct {
	Valid       bool              `json:"valid"`
	Reason      string            `json:"reason"`
	Message     string            `json:"message"`
	MessageEn   string            `json:"message_en"`
	Source      string            `json:"source"` // database, pdf or qr
	Kind        string            `json:"kind,omitempty"`
	Code        string            `json:"code,omitempty"`
	KeyID       string            `json:"key_id,omitempty"`
	RetainUntil string            `json:"retain_until,omitempty"`
	Document    *voucher.Document `json:"document,omitempty"` // only signed content, only when genuine
}

func verifyWith(args []string, stdin io.Reader, stdout, stderr io.Writer, now func() time.Time) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "data directory: look the code up in DIR/shebao.db, key DIR/keys/"+agencyKeyFile)
	dbURL := fs.String("db", os.Getenv("SHEBAO_DB"), "database URL (postgres://…) instead of DIR/shebao.db (SHEBAO_DB)")
	keyPath := fs.String("key", "", "agency public key (PEM, as served at /api/v1/vouchers/public-key)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	billCode := fs.String("bill-code", "", "票据代码 of a fiscal receipt (with --bill-number and --check-code)")
	billNumber := fs.String("bill-number", "", "票据号码")
	checkCode := fs.String("check-code", "", "校验码")
	usage := func(msg string) int {
		fmt.Fprintf(stderr, "shebao verify: %s\nusage: shebao verify (--data DIR | --key PUB.pem) [--json] CODE | FILE.pdf | QR-TEXT | -\n"+
			"       shebao verify --data DIR --bill-code C --bill-number N --check-code K\n", msg)
		return 2
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	three := *billCode != "" || *billNumber != "" || *checkCode != ""
	switch {
	case *data == "" && *keyPath == "":
		return usage("give --data DIR or --key PUB.pem")
	case three && (*billCode == "" || *billNumber == "" || *checkCode == "" || *data == "" || fs.NArg() != 0):
		return usage("the three elements need --data and all of --bill-code, --bill-number, --check-code, and no other argument")
	case !three && fs.NArg() != 1:
		return usage("give exactly one code, PDF file, QR text or -")
	}
	pub, err := loadPublicKey(*keyPath, *data)
	if err != nil {
		return usage(err.Error())
	}
	var out verifyOutput
	if three || (*data != "" && looksLikeCode(fs.Arg(0))) {
		out, err = verifyStored(*data, *dbURL, fs.Arg(0), [3]string{*billCode, *billNumber, *checkCode}, pub, now())
	} else {
		out, err = verifyOffline(fs.Arg(0), stdin, pub, now())
	}
	if err != nil {
		fmt.Fprintf(stderr, "shebao verify: %v\n", err)
		return 2
	}
	printVerify(stdout, out, *asJSON)
	if !out.Valid {
		return 1
	}
	return 0
}

func looksLikeCode(s string) bool {
	s = strings.ToUpper(strings.TrimSpace(s))
	return len(s) >= 16 && len(s) <= 2*voucher.CodeLength && !strings.ContainsAny(s, "/.#:") && strings.Trim(s, "23456789ABCDEFGHJKLMNPQRSTUVWXYZ") == ""
}

// loadPublicKey reads the key given with --key (a PUBLIC KEY PEM), or else
// the public half of the agency key in the data directory.
func loadPublicKey(path, data string) (*ecdsa.PublicKey, error) {
	if path == "" {
		path = filepath.Join(data, "keys", agencyKeyFile)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("key: %w", err)
	}
	if block, _ := pem.Decode(raw); block != nil && block.Type == "PRIVATE KEY" {
		k, err := smx509.ParsePKCS8PrivateKey(block.Bytes)
		if sk, ok := k.(*sm2.PrivateKey); err == nil && ok {
			return &sk.PublicKey, nil
		}
		return nil, fmt.Errorf("key %s: not an SM2 private key", path)
	}
	pub, err := voucher.ParsePublicKeyPEM(raw)
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", path, err)
	}
	return pub, nil
}

// verifyStored looks a voucher up read-only in DIR/shebao.db, by code or
// by the three elements, and verifies it.
func verifyStored(data, dbURL, code string, three [3]string, pub *ecdsa.PublicKey, now time.Time) (verifyOutput, error) {
	ctx := context.Background()
	db, err := openReadOnly(ctx, data, dbURL)
	if err != nil {
		return verifyOutput{}, err
	}
	defer db.Close()
	var v voucher.Voucher
	if three[0] != "" {
		v, err = db.FiscalReceiptByBillNumber(ctx, strings.TrimSpace(three[0]), strings.TrimSpace(three[1]))
	} else {
		v, err = db.VoucherByCode(ctx, strings.ToUpper(strings.TrimSpace(code)))
	}
	if errors.Is(err, store.ErrNotFound) {
		return notFound(code), nil
	} else if err != nil {
		return verifyOutput{}, err
	}
	out := result("database", &v, voucher.Verify(pub, &v, now))
	// The check code is compared with the signed one, so only a genuine
	// receipt can match it.
	if three[0] != "" && (out.Document == nil || !strings.EqualFold(out.Document.Fiscal.CheckCode, strings.TrimSpace(three[2]))) {
		if out.Reason == voucher.ReasonOK || out.Reason == voucher.ReasonExpired {
			return notFound(""), nil
		}
	}
	return out, nil
}

func notFound(code string) verifyOutput {
	return verifyOutput{Reason: reasonNotFound, Source: "database", Code: code,
		Message:   "查无此凭证：请核对查验码，或票据代码、票据号码与校验码。",
		MessageEn: "No voucher matches: check the code, or the bill code, bill number and check code."}
}

// verifyOffline verifies a PDF file, a file or argument holding QR text,
// or either on standard input ("-"), with the public key alone.
func verifyOffline(arg string, stdin io.Reader, pub *ecdsa.PublicKey, now time.Time) (verifyOutput, error) {
	var input []byte
	switch info, err := os.Stat(arg); {
	case arg == "-":
		if input, err = io.ReadAll(io.LimitReader(stdin, 16<<20)); err != nil {
			return verifyOutput{}, err
		}
	case err == nil && !info.IsDir():
		if input, err = os.ReadFile(arg); err != nil {
			return verifyOutput{}, err
		}
	case strings.Contains(arg, "/verify/"):
		input = []byte(arg)
	default:
		return verifyOutput{}, fmt.Errorf("%s is neither a file nor a voucher QR text", arg)
	}
	source, v, err := "qr", (*voucher.Voucher)(nil), error(nil)
	if bytes.HasPrefix(input, []byte("%PDF")) {
		source = "pdf"
		v, err = voucher.ReadPDF(input)
	} else if q, qerr := voucher.ParseQR(string(input)); qerr == nil {
		v = q.Voucher()
	} else {
		err = qerr
	}
	if err != nil {
		r := voucher.Verify(pub, nil, now) // malformed, with its messages
		return result(source, &voucher.Voucher{}, r), nil
	}
	return result(source, v, voucher.Verify(pub, v, now)), nil
}

func result(source string, v *voucher.Voucher, r voucher.Result) verifyOutput {
	out := verifyOutput{Valid: r.Valid, Reason: r.Reason, Message: r.Message, MessageEn: r.MessageEn,
		Source: source, Kind: string(v.Kind), Code: v.Code, KeyID: v.KeyID, Document: r.Document}
	if d := r.Document; d != nil {
		out.Kind, out.Code = string(d.Kind), d.Code
		if d.RetainUntil != nil {
			out.RetainUntil = *d.RetainUntil
		}
	}
	return out
}

func printVerify(w io.Writer, o verifyOutput, asJSON bool) {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(o)
		return
	}
	verdict := "✗ 无效 NOT VALID"
	if o.Valid {
		verdict = "✓ 有效 VALID"
	}
	fmt.Fprintf(w, "%s (%s)\n%s\n%s\n", verdict, o.Reason, o.Message, o.MessageEn)
	d := o.Document
	if d == nil {
		return
	}
	fmt.Fprintf(w, "种类 kind:       %s %s\n查验码 code:     %s\n订单 order:      %s\n签发 issued:     %s\n",
		d.Kind.Title(), d.Kind.TitleEn(), d.Code, d.OrderID, d.IssuedAt)
	t := d.Total()
	fmt.Fprintf(w, "金额 amount:     %s（%s）\n", t.Fen.Display(), t.Capital)
	if f := d.Fiscal; f != nil {
		fmt.Fprintf(w, "票据代码 bill code: %s  票据号码 bill number: %s  校验码 check code: %s\n", f.BillCode, f.BillNumber, f.CheckCode)
	}
	keep := "长期保存 kept long-term"
	if o.RetainUntil != "" {
		keep = o.RetainUntil
	}
	fmt.Fprintf(w, "保存 retained:   %s\n", keep)
	if o.KeyID != "" {
		fmt.Fprintf(w, "密钥 key id:     %s\n", o.KeyID)
	}
}

// runLogVerify implements `shebao log verify --data DIR`: it re-derives the
// evidence log from its leaves and checks every row and checkpoint
// signature (evidence.VerifyLog); exit 0 clean, 1 on any problem (each
// listed), 2 when it could not check.
func runLogVerify(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("log verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", envOrDefault("SHEBAO_DATA", "data"), "data directory (SHEBAO_DATA)")
	dbURL := fs.String("db", os.Getenv("SHEBAO_DB"), "database URL (postgres://…) instead of DIR/shebao.db (SHEBAO_DB)")
	noteKey := fs.String("note-key", "", "the log's note verifier key (as served at /api/v1/log/key); default: derived from DIR/keys/"+evidenceKeyFile)
	sm2Key := fs.String("sm2-key", "", "agency public key PEM; default: DIR/keys/"+agencyKeyFile)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fail := func(err error) int { fmt.Fprintf(stderr, "shebao log verify: %v\n", err); return 2 }
	keys := evidence.Keys{Note: *noteKey}
	if keys.Note == "" {
		raw, err := os.ReadFile(filepath.Join(*data, "keys", evidenceKeyFile))
		if err != nil {
			return fail(err)
		}
		if keys.Note, err = evidence.NoteVerifierKey(strings.TrimSpace(string(raw))); err != nil {
			return fail(err)
		}
	}
	var err error
	if keys.SM2, err = loadPublicKey(*sm2Key, *data); err != nil {
		return fail(err)
	}
	ctx := context.Background()
	db, err := openReadOnly(ctx, *data, *dbURL)
	if err != nil {
		return fail(err)
	}
	defer db.Close()
	rep, err := evidence.VerifyLog(ctx, db.Evidence(), keys)
	if err != nil {
		return fail(fmt.Errorf("%w (is migration 0002_evidence applied? start shebao serve once)", err))
	}
	if *asJSON {
		_ = json.NewEncoder(stdout).Encode(rep)
	} else {
		fmt.Fprintf(stdout, "evidence log: %d leaves recorded, %d rows checked, %d checkpoints\n", rep.Size, rep.Leaves, rep.Checkpoints)
		if rep.OK() {
			fmt.Fprintln(stdout, "log verify: clean — every leaf hash, stored node, checkpoint root and signature (Ed25519 and SM2) checks out")
		} else {
			fmt.Fprintf(stdout, "log verify: %d problem(s)\n", len(rep.Problems))
			for _, p := range rep.Problems {
				fmt.Fprintln(stdout, "  - "+p.String())
			}
		}
	}
	if !rep.OK() {
		return 1
	}
	return 0
}

// readOnlyStore is what the offline tools read.
type readOnlyStore interface {
	FiscalReceiptByBillNumber(ctx context.Context, billCode, billNumber string) (voucher.Voucher, error)
	VoucherByCode(ctx context.Context, code string) (voucher.Voucher, error)
	Evidence() evidence.Store
	Close() error
}

// openReadOnly opens the database read-only: PostgreSQL for a postgres://
// URL, else DIR/shebao.db.
func openReadOnly(ctx context.Context, data, db string) (readOnlyStore, error) {
	if isPostgres(db) {
		return postgres.OpenReadOnly(ctx, db)
	}
	return sqlite.OpenReadOnly(ctx, filepath.Join(data, "shebao.db"))
}
