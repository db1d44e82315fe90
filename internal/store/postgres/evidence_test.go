package postgres_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/auditlog"
	"github.com/shebao-project/shebao/internal/evidence"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/store"
	"github.com/shebao-project/shebao/internal/store/postgres"
	"github.com/shebao-project/shebao/internal/voucher"
)

// The evidence, read-only and fiscal receipt tests are store/sqlite's, on
// PostgreSQL; they belong in storetest once it covers those stores.

var evidenceAt = time.Date(2026, 11, 15, 2, 4, 5, 0, time.UTC)

func TestEvidenceStore(t *testing.T) {
	ctx := t.Context()
	db := openClosed(t, freshSchema(t))
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
	err := db.InTx(ctx, func(tx *postgres.Tx) error {
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
	err = db.InTx(ctx, func(tx *postgres.Tx) error {
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

// TestTwoServersEvidenceReservations: appenders on two servers get
// disjoint, gap-free index ranges.
func TestTwoServersEvidenceReservations(t *testing.T) {
	a, b := twoServers(t)
	const appenders, each = 16, 3
	var mu sync.Mutex
	var firsts []uint64
	var wg sync.WaitGroup
	for i := range appenders {
		server := []*postgres.DB{a, b}[i%2]
		wg.Go(func() {
			err := server.InTx(t.Context(), func(tx *postgres.Tx) error {
				first, err := tx.ReserveEvidence(t.Context(), each)
				mu.Lock()
				firsts = append(firsts, first)
				mu.Unlock()
				return err
			})
			if err != nil {
				t.Errorf("ReserveEvidence: %v", err)
			}
		})
	}
	wg.Wait()
	slices.Sort(firsts)
	for i, f := range firsts {
		if f != uint64(i*each) {
			t.Fatalf("reservations start at %v, want every %d from 0", firsts, each)
		}
	}
}

// TestTwoServersAuditChain: appends to the audit log from two servers at
// once still form one unbroken chain.
func TestTwoServersAuditChain(t *testing.T) {
	a, b := twoServers(t)
	const appends = 24
	var wg sync.WaitGroup
	for i := range appends {
		server := []*postgres.DB{a, b}[i%2]
		wg.Go(func() {
			err := server.Payments().InTx(t.Context(), func(tx payment.Tx) error {
				return auditlog.Append(t.Context(), tx, auditlog.Entry{At: t0, Actor: "P1", Action: "test", Target: fmt.Sprint(i)})
			})
			if err != nil {
				t.Errorf("Append: %v", err)
			}
		})
	}
	wg.Wait()
	n, problem, err := auditlog.Verify(t.Context(), a)
	if err != nil || problem != nil || n != appends {
		t.Fatalf("Verify = %d entries, problem %+v, %v; want %d and no problem", n, problem, err, appends)
	}
}

func TestOpenReadOnly(t *testing.T) {
	ctx := t.Context()
	url := freshSchema(t)
	w := openClosed(t, url)
	if err := w.CreatePerson(ctx, person("P1")); err != nil {
		t.Fatal(err)
	}
	ro, err := postgres.OpenReadOnly(ctx, url) // while the server has it open
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
	if _, err := postgres.OpenReadOnly(ctx, freshSchema(t)); err == nil {
		t.Error("opened an empty schema as a shebao database")
	}
}

func TestFiscalReceiptByBillNumber(t *testing.T) {
	ctx := t.Context()
	db := openClosed(t, freshSchema(t))
	if err := db.CreatePerson(ctx, person("P1")); err != nil {
		t.Fatal(err)
	}
	err := db.Payments().InTx(ctx, func(tx payment.Tx) error {
		for _, v := range [][]string{
			{"v1", "fiscal_receipt", `{"fiscal_receipt":{"bill_code":"11060126","bill_number":"0000000001","check_code":"abc"}}`},
			{"v2", "fiscal_receipt", `{"fiscal_receipt":{"bill_code":"11060126","bill_number":"0000000002","check_code":"def"}}`},
			{"v3", "acceptance_receipt", `{"x":{"bill_code":"11060126","bill_number":"0000000003"}}`},
		} {
			o := payment.Order{ID: "o_" + v[0], PersonID: "P1", PayerID: "P1", Region: "440300", Channel: "wechat_jsapi",
				State: payment.Credited, AmountFen: 1, Description: "x", OutTradeNo: "OTN-" + v[0], IdempotencyKey: v[0],
				RequestHash: []byte{1}, CreatedAt: t0, UpdatedAt: t0, ExpiresAt: t0, Version: 1}
			if err := tx.InsertOrder(ctx, o); err != nil {
				return err
			}
			vo := voucher.Voucher{ID: v[0], OrderID: o.ID, Kind: voucher.Kind(v[1]), Code: "CODE-" + v[0],
				Payload: append([]byte(v[2]), 0x00, 0xff), Signature: []byte{0x30}, KeyID: "k", IssuedAt: t0}
			if err := tx.InsertVoucher(ctx, vo); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
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
