package policy_test

import (
	"errors"
	"os"
	"testing"
	"testing/fstest"
	"time"

	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/policy"
	"github.com/shebao-project/shebao/policies"
)

// fixedNow is the clock of every test: 2026-11-26 10:00 in China.
func fixedNow() time.Time { return time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC) }

func engine(t testing.TB) *policy.Engine {
	t.Helper()
	e, err := policy.Load(policies.FS, fixedNow)
	if err != nil {
		t.Fatalf("embedded packs do not load:\n%v", err)
	}
	return e
}

func minimalPack(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile("testdata/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// testEngine loads the minimal pack (and any extra files) from memory.
func testEngine(t testing.TB, extra map[string]string) *policy.Engine {
	t.Helper()
	fsys := fstest.MapFS{"999999/2025-01.yaml": {Data: []byte(minimalPack(t))}}
	for name, body := range extra {
		fsys[name] = &fstest.MapFile{Data: []byte(body)}
	}
	e, err := policy.Load(fsys, fixedNow)
	if err != nil {
		t.Fatalf("test packs do not load:\n%v", err)
	}
	return e
}

func fen(v int64) *money.Fen { f := money.Fen(v); return &f }

func month(t testing.TB, s string) policy.Month {
	t.Helper()
	m, err := policy.ParseMonth(s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// policyErr asserts err is a *policy.Error and returns it.
func policyErr(t testing.TB, err error) *policy.Error {
	t.Helper()
	var pe *policy.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *policy.Error", err, err)
	}
	return pe
}
