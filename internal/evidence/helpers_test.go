package evidence_test

import (
	"crypto/rand"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"

	"github.com/shebao-project/shebao/internal/evidence"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/store/sqlite"
	"github.com/shebao-project/shebao/internal/voucher"
)

// testNow is the fixed clock of these tests.
var testNow = time.Date(2026, 11, 15, 2, 4, 5, 0, time.UTC)

const testOrigin = "shebao.example/evidence/test"

// fixture is a log on a real SQLite file with generated keys.
type fixture struct {
	path string
	db   *sqlite.DB
	log  *evidence.Log
	keys evidence.Keys
	sm2  *sm2.PrivateKey
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	f := &fixture{path: filepath.Join(dir, "shebao.db")}
	var err error
	if f.db, err = sqlite.Open(t.Context(), f.path); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.db.Close() })
	skey, err := evidence.LoadOrCreateNoteKey(filepath.Join(dir, "keys", "evidence-note.key"), testOrigin, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if f.sm2, err = sm2.GenerateKey(rand.Reader); err != nil {
		t.Fatal(err)
	}
	f.log, err = evidence.New(evidence.Deps{Store: f.db.Evidence(), NoteKey: skey, SM2Key: f.sm2,
		Now: func() time.Time { return testNow }, Random: rand.Reader})
	if err != nil {
		t.Fatal(err)
	}
	f.keys = evidence.Keys{Note: f.log.VerifierKey(), SM2: &f.sm2.PublicKey}
	return f
}

// contribution is the leaf of a made-up order n.
func contribution(n int) evidence.Contribution {
	return evidence.Contribution{
		OrderID: fmt.Sprintf("ord_%04d", n), OutTradeNo: fmt.Sprintf("SB2026111510035%04d", n),
		TransactionID: fmt.Sprintf("42000023452026111512%04d", n), Region: "110000",
		InsuredPersonID: fmt.Sprintf("per_%04d", n), TotalFen: 216646,
		Items: []evidence.Item{
			{Insurance: "110", Period: "2026-11", AmountFen: 145400},
			{Insurance: "310", Period: "2026-11", AmountFen: money.Fen(71246)},
		},
		CorePostingRef: fmt.Sprintf("SL11000020261115%08d", n),
		PostedAt:       time.Date(2026, 11, 15, 2, 4, 2, 0, time.UTC),
	}
}

func voucherRecord(n int, k voucher.Kind) evidence.VoucherRecord {
	r := evidence.VoucherRecord{VoucherID: fmt.Sprintf("vch_%04d_%s", n, k), Kind: k, Code: fmt.Sprintf("7KQ2M9XWZ4HTRC8P%04d", n)}
	r.PayloadSM3[0], r.SignatureSM3[0] = byte(n), byte(n>>8)
	return r
}

// orderLeaves are the four leaves of one credited order, as the crediting
// transaction appends them.
func orderLeaves(t *testing.T, n int) []evidence.Leaf {
	t.Helper()
	c, err := contribution(n).Leaf()
	if err != nil {
		t.Fatal(err)
	}
	out := []evidence.Leaf{c}
	for _, k := range voucher.Kinds() {
		l, err := voucherRecord(n, k).Leaf()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	return out
}

// appendOrders appends the leaves of orders [from, to), one transaction each.
func (f *fixture) appendOrders(t *testing.T, from, to int) {
	t.Helper()
	for n := from; n < to; n++ {
		err := f.db.InTx(t.Context(), func(tx *sqlite.Tx) error {
			_, err := f.log.Append(t.Context(), tx, orderLeaves(t, n)...)
			return err
		})
		if err != nil {
			t.Fatalf("append order %d: %v", n, err)
		}
	}
}

func (f *fixture) checkpoint(t *testing.T) evidence.StoredCheckpoint {
	t.Helper()
	c, err := f.log.Checkpoint(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return c
}
