package sqlite_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/evidence"
	"github.com/shebao-project/shebao/internal/store"
	"github.com/shebao-project/shebao/internal/store/sqlite"
)

var evidenceAt = time.Date(2026, 11, 15, 2, 4, 5, 0, time.UTC)

func TestEvidenceStore(t *testing.T) {
	ctx := t.Context()
	db := open(t, filepath.Join(t.TempDir(), "db"))
	defer db.Close()
	ev := db.Evidence()
	if st, err := ev.EvidenceState(ctx); err != nil || st != (evidence.State{}) {
		t.Fatalf("fresh state %+v, %v", st, err)
	}
	if _, err := ev.LatestCheckpoint(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("LatestCheckpoint on an empty log: %v", err)
	}
	leaf := func(i uint64, ref string) evidence.StoredLeaf {
		return evidence.StoredLeaf{Index: i, Kind: evidence.KindVoucher, Ref: ref, Data: []byte{byte(i)}, Hash: []byte{0xa0 + byte(i)}, AppendedAt: evidenceAt}
	}
	err := db.InTx(ctx, func(tx *sqlite.Tx) error {
		first, err := tx.ReserveEvidence(ctx, 2)
		if err != nil || first != 0 {
			t.Fatalf("first reservation %d, %v", first, err)
		}
		return tx.InsertEvidence(ctx, []evidence.StoredLeaf{leaf(0, "a"), leaf(1, "b")},
			[]evidence.Node{{ID: evidence.NodeID{Level: 1, Index: 0}, Hash: []byte{0xb0}}})
	})
	if err != nil {
		t.Fatal(err)
	}
	// A failed transaction gives its reservation back.
	err = db.InTx(ctx, func(tx *sqlite.Tx) error {
		first, err := tx.ReserveEvidence(ctx, 1)
		if err != nil || first != 2 {
			t.Fatalf("second reservation %d, %v", first, err)
		}
		return tx.InsertEvidence(ctx, []evidence.StoredLeaf{leaf(2, "a")}, nil)
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("same (kind, ref) twice: %v, want ErrConflict", err)
	}
	if st, _ := ev.EvidenceState(ctx); st.Size != 2 {
		t.Fatalf("size %d after a rolled-back append, want 2", st.Size)
	}

	hashes, err := ev.EvidenceNodes(ctx, []evidence.NodeID{{Level: 0, Index: 1}, {Level: 1, Index: 0}})
	if err != nil || string(hashes[0]) != "\xa1" || string(hashes[1]) != "\xb0" {
		t.Fatalf("EvidenceNodes = %x, %v", hashes, err)
	}
	if _, err := ev.EvidenceNodes(ctx, []evidence.NodeID{{Level: 2, Index: 0}}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing node: %v", err)
	}
	if got, err := ev.EvidenceLeafByRef(ctx, evidence.KindVoucher, "b"); err != nil || got.Index != 1 || !got.AppendedAt.Equal(evidenceAt) {
		t.Fatalf("EvidenceLeafByRef = %+v, %v", got, err)
	}
	if ls, err := ev.EvidenceLeaves(ctx, 1, 10); err != nil || len(ls) != 1 || ls[0].Ref != "b" {
		t.Fatalf("EvidenceLeaves(1) = %+v, %v", ls, err)
	}

	c := evidence.StoredCheckpoint{Size: 1, Root: []byte{1}, Note: []byte("n1\n"), CreatedAt: evidenceAt}
	if got, err := ev.AddCheckpoint(ctx, c); err != nil || got.Seq != 1 {
		t.Fatalf("first checkpoint seq %d, %v", got.Seq, err)
	}
	for name, size := range map[string]uint64{"same size": 1, "beyond the log": 3} {
		c.Size = size
		if _, err := ev.AddCheckpoint(ctx, c); !errors.Is(err, store.ErrConflict) {
			t.Errorf("checkpoint of %s: %v, want ErrConflict", name, err)
		}
	}
	c.Size = 2
	if got, err := ev.AddCheckpoint(ctx, c); err != nil || got.Seq != 2 {
		t.Fatalf("second checkpoint seq %d, %v", got.Seq, err)
	}
	if st, _ := ev.EvidenceState(ctx); st.Checkpoints != 2 {
		t.Errorf("state counts %d checkpoints, want 2", st.Checkpoints)
	}
	latest, err := ev.LatestCheckpoint(ctx)
	all, _ := ev.EvidenceCheckpoints(ctx)
	if err != nil || latest.Size != 2 || len(all) != 2 || all[0].Seq != 1 || string(all[0].Note) != "n1\n" {
		t.Errorf("LatestCheckpoint %+v, %v; all %+v", latest, err, all)
	}
}

func TestOpenReadOnly(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "db")
	w := open(t, path)
	defer w.Close()
	if err := w.CreatePerson(ctx, person("P1")); err != nil {
		t.Fatal(err)
	}
	ro, err := sqlite.OpenReadOnly(ctx, path) // while the server has it open
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := ro.PersonByID(ctx, "P1"); err != nil {
		t.Errorf("read: %v", err)
	}
	if err := ro.CreatePerson(ctx, person("P2")); err == nil {
		t.Error("a write went through the read-only handle")
	}
	missing := filepath.Join(t.TempDir(), "none.db")
	if _, err := sqlite.OpenReadOnly(ctx, missing); err == nil {
		t.Error("opened a database that does not exist")
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Error("OpenReadOnly created a file")
	}
}

func TestFiscalReceiptByBillNumber(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "db")
	db := open(t, path)
	defer db.Close()
	// Vouchers are inserted without their orders (foreign keys are off on a
	// plain connection): only the lookup is under test.
	ins := `INSERT INTO vouchers (id, order_id, kind, code, payload, signature, key_id, issued_at) VALUES (?,?,?,?,?,x'30',?,0)`
	for _, v := range [][]string{
		{"v1", "fiscal_receipt", "CODE1", `{"fiscal_receipt":{"bill_code":"11060126","bill_number":"0000000001","check_code":"abc"}}`},
		{"v2", "fiscal_receipt", "CODE2", `{"fiscal_receipt":{"bill_code":"11060126","bill_number":"0000000002","check_code":"def"}}`},
		{"v3", "acceptance_receipt", "CODE3", `{"x":{"bill_code":"11060126","bill_number":"0000000003"}}`},
	} {
		if _, err := raw(t, path).ExecContext(ctx, ins, v[0], "o_"+v[0], v[1], v[2], []byte(v[3]), "k"); err != nil {
			t.Fatal(err)
		}
	}
	if v, err := db.FiscalReceiptByBillNumber(ctx, "11060126", "0000000002"); err != nil || v.ID != "v2" {
		t.Errorf("lookup = %q, %v; want v2", v.ID, err)
	}
	for _, n := range []string{"0000000003", "000000000", "0000000009"} {
		if _, err := db.FiscalReceiptByBillNumber(ctx, "11060126", n); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("bill number %s: %v, want ErrNotFound", n, err)
		}
	}
}
