package app

import (
	"context"
	"crypto/rand"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/pii"
	"github.com/shebao-project/shebao/internal/policy"
	"github.com/shebao-project/shebao/policies"
)

// importColumns are the register file's columns, in this order, with a
// header line naming them.
var importColumns = []string{"id_number", "name", "phone", "region", "person_type", "insurances", "since", "base"}

// runPersons implements `shebao persons import FILE.csv`: the agency's
// insured register (参保登记) into shebao, a person per line. Persons already
// there (same ID number) get their enrolments brought up to date, so the
// register can be imported again after each change. A bad line is reported
// with its number and skipped; the others are imported.
func runPersons(args []string, stdout, stderr io.Writer) int {
	usage := "usage: shebao persons import [--data DIR] [--db URL] FILE.csv   (columns: " + strings.Join(importColumns, ",") + ")"
	if len(args) == 0 || args[0] != "import" {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	fs := flag.NewFlagSet("persons import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", envOrDefault("SHEBAO_DATA", "data"), "data directory (SHEBAO_DATA)")
	db := fs.String("db", os.Getenv("SHEBAO_DB"), "database URL; empty for SQLite in the data directory (SHEBAO_DB)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "shebao persons import: %v\n", err)
		return 1
	}
	defer f.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ids, closeDB, err := importIdentity(ctx, *data, *db)
	if err != nil {
		fmt.Fprintf(stderr, "shebao persons import: %v\n", err)
		return 1
	}
	defer closeDB()
	eng, err := policy.Load(policies.FS, time.Now)
	if err != nil {
		fmt.Fprintf(stderr, "shebao persons import: %v\n", err)
		return 1
	}
	res, err := importRegister(ctx, ids, eng, f, stderr)
	fmt.Fprintf(stdout, "imported %d new, %d updated, %d refused\n", res.created, res.updated, res.refused)
	if err != nil {
		fmt.Fprintf(stderr, "shebao persons import: %v\n", err)
		return 1
	}
	if res.refused > 0 {
		return 1
	}
	return 0
}

// importIdentity opens the database and the identity service with the
// existing keyring: importing must never create a key nobody else has.
func importIdentity(ctx context.Context, data, db string) (*identity.Service, func(), error) {
	sealer, err := pii.OpenKeyring(filepath.Join(data, "keys"), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	store, err := openEngine(ctx, db, data)
	if err != nil {
		return nil, nil, err
	}
	ids := identity.NewService(identity.Deps{Store: store, Grants: store.Grants(), Sealer: sealer, Now: time.Now,
		Random: rand.Reader, Log: slog.New(slog.DiscardHandler)})
	return ids, func() { store.Close() }, nil
}

type importResult struct{ created, updated, refused int }

func importRegister(ctx context.Context, ids *identity.Service, eng *policy.Engine, r io.Reader, stderr io.Writer) (importResult, error) {
	var res importResult
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(importColumns)
	head, err := cr.Read()
	if err != nil || !slices.Equal(head, importColumns) {
		return res, fmt.Errorf("the first line must be the header %s", strings.Join(importColumns, ","))
	}
	month := policy.MonthOf(time.Now().In(payment.Beijing()))
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return res, nil
		}
		if err == nil {
			err = importLine(ctx, ids, eng, month, rec, &res)
		}
		if err != nil {
			res.refused++
			fmt.Fprintf(stderr, "line %d: %s\n", line, lineError(err))
		}
	}
}

func importLine(ctx context.Context, ids *identity.Service, eng *policy.Engine, month policy.Month, rec []string, res *importResult) error {
	ip, err := parseImport(eng, month, rec)
	if err != nil {
		return err
	}
	_, created, err := ids.Import(ctx, ip)
	if err != nil {
		return err
	}
	if created {
		res.created++
	} else {
		res.updated++
	}
	return nil
}

// parseImport checks a line against the region's policy: the region is
// offered, the person type exists there, and each insurance type is one
// that type can be insured for.
func parseImport(eng *policy.Engine, month policy.Month, rec []string) (identity.ImportPerson, error) {
	v := map[string]string{}
	for i, c := range importColumns {
		v[c] = strings.TrimSpace(rec[i])
	}
	ip := identity.ImportPerson{NewPerson: identity.NewPerson{ID: newPersonID(), Name: v["name"], IDNumber: v["id_number"],
		Phone: v["phone"], Region: v["region"], Type: identity.PersonType(v["person_type"])}}
	rv, err := eng.RegionAt(v["region"], month)
	if err != nil {
		return ip, err
	}
	var offered []string
	for _, pt := range rv.PersonTypes {
		if pt.PersonType == v["person_type"] {
			for _, ins := range pt.Insurances {
				offered = append(offered, ins.Code)
			}
		}
	}
	if offered == nil {
		return ip, fmt.Errorf("person_type %q is not insured in region %s", v["person_type"], v["region"])
	}
	if _, err := policy.ParseMonth(v["since"]); err != nil {
		return ip, fmt.Errorf("since %q: want YYYY-MM", v["since"])
	}
	if b := v["base"]; b != "" && b != "floor" && b != "ceiling" && strings.Trim(b, "0123456789") != "" {
		return ip, fmt.Errorf("base %q: want floor, ceiling, an amount in fen, or nothing (annual premiums)", b)
	}
	for _, code := range strings.Split(v["insurances"], ";") {
		if !slices.Contains(offered, code) {
			return ip, fmt.Errorf("insurance %q is not offered to %s in region %s (offered: %s)", code, v["person_type"], v["region"], strings.Join(offered, ";"))
		}
		ip.Enrolments = append(ip.Enrolments, identity.Enrolment{Insurance: code, Status: "active", Since: v["since"], Base: v["base"]})
	}
	return ip, nil
}

func newPersonID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return "per_" + strings.ToLower(fmt.Sprintf("%X", b))
}

// lineError gives a line's error as people read it: an apperr's or policy
// error's message in both languages, anything else as is.
func lineError(err error) string {
	if e, ok := apperr.As(err); ok {
		return e.Message + " / " + e.MessageEn
	}
	var pe *policy.Error
	if errors.As(err, &pe) {
		return pe.Message + " / " + pe.MessageEn
	}
	return err.Error()
}
