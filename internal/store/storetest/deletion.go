package storetest

import (
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/notice"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/store"
	"github.com/shebao-project/shebao/internal/ticket"
	"github.com/shebao-project/shebao/internal/voucher"
)

// The account-side stores every engine has but Engine does not list (the
// app wires them separately); the deletion test seeds through them.
type accountStores interface {
	identity.PINStore
	identity.FaceStore
	TicketStore() ticket.Store
}

func accountsOf(t *testing.T, e Engine) accountStores {
	t.Helper()
	a, ok := any(e).(accountStores)
	if !ok {
		t.Fatalf("%T lacks the PIN, face or ticket store", e)
	}
	return a
}

// deletionFixture: P0001 has everything a deletion removes, a credited
// order with vouchers, a grant given to P0002 and one pending from P0003;
// P0002 has a PIN and a session of their own that must survive.
func deletionFixture(t *testing.T, open Opener) Engine {
	t.Helper()
	e, ctx := open(t), t.Context()
	seedPersons(t, e, 1, 2, 3)
	a := accountsOf(t, e)
	for _, id := range []string{"P0001", "P0002"} {
		must(t, a.PutPIN(ctx, identity.PIN{PersonID: id, Hash: []byte("h"), Salt: []byte("s"), SetAt: t0}))
		s := session("tok-"+id, t0.Add(time.Hour))
		s.PersonID = id
		must(t, e.CreateSession(ctx, s))
	}
	must(t, e.CreateSession(ctx, session("tok-P0001-b", t0.Add(time.Hour))))
	must(t, a.InsertFaceSession(ctx, "F1", "P0001", "ref", t0))
	must(t, e.SetDisplayPrefs(ctx, "P0001", identity.DisplayPrefs{Care: true, Lang: "zh"}, t0))
	n := noticesOf(t, e)
	must(t, n.AddConsents(ctx, "P0001", t0, []notice.ConsentChange{{Kind: "payment_result", TemplateID: "tpl", Accepted: 1}}))
	must(t, n.SetRemindersOff(ctx, "P0001", false, t0))
	must(t, e.PutSMSCode(ctx, identity.SMSCode{PhoneIndex: person(1).PhoneIndex, CodeMAC: []byte("m"), SentAt: t0, ExpiresAt: t0.Add(time.Minute)}))
	must(t, e.Grants().InGrantTx(ctx, func(tx identity.GrantTx) error {
		for _, g := range []identity.Grant{
			{ID: "G1", GrantorID: "P0001", ProxyID: "P0002", Relationship: "child", Insurances: []string{"110"}, Until: "2027-12", Status: identity.GrantActive, CreatedAt: t0, ConsentedAt: t0},
			{ID: "G2", GrantorID: "P0003", ProxyID: "P0001", Relationship: "parent", Insurances: []string{"110"}, Until: "2027-12", Status: identity.GrantPending, CodeMAC: []byte("c"), CreatedAt: t0},
		} {
			if err := tx.InsertGrant(ctx, g); err != nil {
				return err
			}
		}
		return nil
	}))
	seedBills(t, e, bill("B1", "P0001", "110", "2026-10"))
	o := order("O1", "P0001", "P0001", "B1")
	o.State = payment.Credited
	seedOrders(t, e, o)
	inTx(t, e, func(tx payment.Tx) error {
		for _, k := range voucher.Kinds() {
			if err := tx.InsertVoucher(ctx, voucherFor("V-"+string(k), "O1", k)); err != nil {
				return err
			}
		}
		return nil
	})
	must(t, a.TicketStore().InTx(ctx, func(tx ticket.Tx) error {
		for _, tk := range []ticket.Ticket{
			{ID: "T1", PersonID: "P0001", Category: "payment", Subject: "my phone 13800000000", Status: ticket.Closed, CreatedAt: t0, UpdatedAt: t0, DueAt: t0, ClosedAt: t0, Messages: 1},
			{ID: "T2", PersonID: "P0001", Category: "payment", Subject: "still open", Status: ticket.Open, CreatedAt: t0, UpdatedAt: t0, DueAt: t0, Messages: 1},
		} {
			if err := tx.InsertTicket(ctx, tk); err != nil {
				return err
			}
			if err := tx.InsertTicketMessage(ctx, ticket.Message{TicketID: tk.ID, Seq: 1, Author: ticket.Citizen, Body: tk.Subject, At: t0}); err != nil {
				return err
			}
		}
		return nil
	}))
	return e
}

// erase runs one deletion for P0001 as identity.Eraser does, minus the
// audit entry; fail makes the transaction roll back at its end.
func erase(t *testing.T, e Engine, fail error) (identity.DeletionRequest, error) {
	t.Helper()
	ctx := t.Context()
	req := identity.DeletionRequest{ID: "del_1", PersonID: "P0001", RequestedAt: t0.Add(time.Minute)}
	err := e.Deletions().InDeletionTx(ctx, func(tx identity.DeletionTx) error {
		var err error
		if req.Outcome.Deleted, err = tx.EraseOptionalData(ctx, "P0001"); err != nil {
			return err
		}
		gs, err := tx.GrantsForGrantor(ctx, "P0001")
		if err != nil {
			return err
		}
		g := gs[0]
		g.Status, g.RevokedAt, g.RevokedBy = identity.GrantRevoked, req.RequestedAt, "P0001"
		if err := tx.UpdateGrant(ctx, g); err != nil {
			return err
		}
		latest, err := tx.LatestVoucherIssued(ctx, "P0001")
		if err != nil {
			return err
		}
		req.Outcome.Kept = identity.KeptAfterDeletion(req.RequestedAt, latest)
		if err := tx.InsertDeletionRequest(ctx, req); err != nil {
			return err
		}
		return fail
	})
	return req, err
}

func testDeletion(t *testing.T, open Opener) {
	t.Run("ErasesOptionalDataKeepsRecords", func(t *testing.T) {
		e := deletionFixture(t, open)
		ctx := t.Context()
		req, err := erase(t, e, nil)
		must(t, err)
		want := identity.Erased{WeChatBindings: 2, NoticeConsents: 1, NoticePreferences: 1, DisplayPreferences: 1, ECardPIN: 1,
			FaceSessions: 1, Sessions: 2, TicketMessages: 1, SMSCodes: 1}
		same(t, "erased", req.Outcome.Deleted, want, nil)
		if len(req.Outcome.Kept) != 7 { // register, orders, 3 voucher kinds, evidence, audit
			t.Errorf("kept %d items, want 7: %+v", len(req.Outcome.Kept), req.Outcome.Kept)
		}
		got, err := e.Deletions().LatestDeletion(ctx, "P0001")
		must(t, err)
		got.RequestedAt = got.RequestedAt.UTC()
		for i := range got.Outcome.Kept {
			if u := got.Outcome.Kept[i].Until; u != nil {
				utc := u.UTC()
				got.Outcome.Kept[i].Until = &utc
			}
		}
		for i := range req.Outcome.Kept {
			if u := req.Outcome.Kept[i].Until; u != nil {
				utc := u.UTC()
				req.Outcome.Kept[i].Until = &utc
			}
		}
		same(t, "LatestDeletion", got, req, nil)

		for _, app := range []string{identity.AppOfficialAccount, identity.AppMiniProgram} {
			_, err := e.PersonByOpenID(ctx, app, map[string]string{identity.AppOfficialAccount: "o-P0001", identity.AppMiniProgram: "m-P0001"}[app])
			wantErr(t, err, store.ErrNotFound)
		}
		a := accountsOf(t, e)
		_, err = a.PINFor(ctx, "P0001")
		wantErr(t, err, store.ErrNotFound)
		_, err = e.SessionByTokenHash(ctx, session("tok-P0001-b", t0).TokenHash)
		wantErr(t, err, store.ErrNotFound)
		_, err = e.SMSCodeFor(ctx, person(1).PhoneIndex)
		wantErr(t, err, store.ErrNotFound)
		if _, ok, err := e.DisplayPrefs(ctx, "P0001"); err != nil || ok {
			t.Errorf("display prefs still there: %v, %v", ok, err)
		}
		// The other person's rows are untouched.
		_, err = a.PINFor(ctx, "P0002")
		must(t, err)
		_, err = e.SessionByTokenHash(ctx, session("tok-P0002", t0).TokenHash)
		must(t, err)
		// Records kept: the person, the order, its vouchers, both grants.
		_, err = e.PersonByID(ctx, "P0001")
		must(t, err)
		vs, err := e.Payments().VouchersForOrder(ctx, "O1")
		must(t, err)
		if len(vs) != 3 {
			t.Errorf("%d vouchers after deletion, want 3", len(vs))
		}
		gs, err := e.Grants().GrantsForProxy(ctx, "P0002")
		must(t, err)
		if len(gs) != 1 || gs[0].Status != identity.GrantRevoked {
			t.Errorf("grant to P0002 after deletion: %+v", gs)
		}
		// Closed ticket: texts emptied, skeleton kept; open ticket whole.
		ts := a.TicketStore()
		closed, err := ts.Ticket(ctx, "T1")
		must(t, err)
		msgs, err := ts.TicketMessages(ctx, "T1")
		must(t, err)
		if closed.Subject != "" || len(msgs) != 1 || msgs[0].Body != "" || closed.Messages != 1 {
			t.Errorf("closed ticket after deletion: %+v %+v", closed, msgs)
		}
		msgs, err = ts.TicketMessages(ctx, "T2")
		must(t, err)
		if len(msgs) != 1 || msgs[0].Body != "still open" {
			t.Errorf("open ticket changed: %+v", msgs)
		}
	})
	t.Run("RemindersStopUntilChosenAgain", func(t *testing.T) {
		e := deletionFixture(t, open)
		n, ctx := noticesOf(t, e), t.Context()
		_, err := erase(t, e, nil)
		must(t, err)
		for id, want := range map[string]bool{"P0001": true, "P0002": false} {
			if off, err := n.RemindersOff(ctx, id); err != nil || off != want {
				t.Errorf("RemindersOff(%s) = %v, %v; want %v", id, off, err, want)
			}
		}
		must(t, n.SetRemindersOff(ctx, "P0001", false, t0.Add(time.Hour)))
		if off, err := n.RemindersOff(ctx, "P0001"); err != nil || off {
			t.Errorf("after choosing reminders again: %v, %v", off, err)
		}
	})
	t.Run("AllOrNothing", func(t *testing.T) {
		e := deletionFixture(t, open)
		ctx := t.Context()
		_, err := erase(t, e, errBoom)
		wantErr(t, err, errBoom)
		_, err = accountsOf(t, e).PINFor(ctx, "P0001")
		must(t, err)
		if p, err := e.PersonByOpenID(ctx, identity.AppOfficialAccount, "o-P0001"); err != nil || p.ID != "P0001" {
			t.Errorf("binding after rollback: %s, %v", p.ID, err)
		}
		_, err = e.Deletions().LatestDeletion(ctx, "P0001")
		wantErr(t, err, store.ErrNotFound)
	})
	t.Run("BlockingOrders", func(t *testing.T) {
		e := deletionFixture(t, open)
		ctx := t.Context()
		seedBills(t, e, bill("B2", "P0002", "110", "2026-10"), bill("B3", "P0003", "110", "2026-10"))
		pending := order("O2", "P0002", "P0001", "B2") // P0001 pays for P0002
		pending.State = payment.AwaitingPayment
		closed := order("O3", "P0003", "P0003", "B3")
		closed.State = payment.Closed
		seedOrders(t, e, pending, closed)
		states := identity.BlockingStates()
		for _, c := range []struct {
			person string
			want   []identity.OrderRef
		}{
			{"P0001", []identity.OrderRef{{ID: "O2", State: "awaiting_payment"}}},
			{"P0002", []identity.OrderRef{{ID: "O2", State: "awaiting_payment"}}},
			{"P0003", nil},
		} {
			must(t, e.Deletions().InDeletionTx(ctx, func(tx identity.DeletionTx) error {
				got, err := tx.BlockingOrders(ctx, c.person, states)
				same(t, "BlockingOrders("+c.person+")", got, c.want, nil)
				return err
			}))
		}
	})
}
