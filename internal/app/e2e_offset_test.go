package app_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shebao-project/shebao/internal/app"
	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/risk"
)

// The Guangzhou demo family of the family offset (家庭共济): 陈建国 holds an
// employee medical personal account of 1,286.50 yuan; his mother 黄秀英 has
// her 2027 resident medical premium (400 yuan) due, and has granted him to
// pay it (relationship: he is her child).
const (
	holderPhone = "13800000005"
	motherPhone = "13800000006"
	holderFen   = 128650
)

func holderIDNumber() string {
	check, _ := identity.IDCheckDigit("44010519750412371")
	return "44010519750412371" + string(check)
}

type familyOffset struct {
	Offered       bool     `json:"offered"`
	Insurances    []string `json:"insurances"`
	Relationships []string `json:"relationships"`
	HasAccount    bool     `json:"has_account"`
	BalanceFen    int64    `json:"balance_fen"`
}

func (e *env) offsetStatus(t *testing.T, token string) familyOffset {
	t.Helper()
	var st familyOffset
	e.call(t, http.MethodGet, "/api/v1/me/family-offset", token, nil, nil).want(t, http.StatusOK).json(t, &st)
	return st
}

// motherGrant signs the holder in and returns his session, his active grant
// from his mother and her bills due under it.
func (e *env) motherGrant(t *testing.T) (token, grantID string, due []bill) {
	t.Helper()
	token, _ = e.login(t, holderPhone)
	var gs struct {
		Grants []struct {
			ID           string `json:"id"`
			Status       string `json:"status"`
			Relationship string `json:"relationship"`
		} `json:"grants"`
	}
	e.call(t, http.MethodGet, "/api/v1/proxies", token, nil, nil).want(t, http.StatusOK).json(t, &gs)
	if len(gs.Grants) != 1 || gs.Grants[0].Status != "active" {
		t.Fatalf("the demo holder's grants: %+v", gs.Grants)
	}
	grantID = gs.Grants[0].ID
	var out struct {
		Bills  []bill   `json:"bills"`
		Offset []string `json:"family_offset_bill_ids"`
	}
	e.call(t, http.MethodGet, "/api/v1/proxies/"+grantID+"/bills", token, nil, nil).want(t, http.StatusOK).json(t, &out)
	if len(out.Bills) != 1 || out.Bills[0].Insurance != "390" || out.Bills[0].AmountFen != 40000 {
		t.Fatalf("the mother's bills: %+v", out.Bills)
	}
	if len(out.Offset) != 1 || out.Offset[0] != out.Bills[0].ID {
		t.Fatalf("bills the family offset may pay: %v, want the 390 bill", out.Offset)
	}
	return token, grantID, out.Bills
}

func offsetOrder(billIDs []string, grantID string) map[string]any {
	return map[string]any{"bill_ids": billIDs, "channel": "family_offset", "grant_id": grantID}
}

// auditBalance runs `shebao audit --json` and returns an account's balance;
// the audit must be clean.
func (e *env) auditBalance(t *testing.T, account string) int64 {
	t.Helper()
	var out bytes.Buffer
	if code := app.Main([]string{"audit", "--json", "--data", e.DataDir, "--db", e.DB}, nil, &out, &out); code != 0 {
		t.Fatalf("audit: exit %d: %s", code, out.String())
	}
	var rep struct {
		Balances map[string]int64 `json:"balances_fen"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	return rep.Balances[account]
}

// TestE2EFamilyOffset: the son pays his mother's resident medical premium
// from his medical personal account: the order is paid at once, credited
// with three vouchers, the account debited once (a repeated request is the
// same order), the books record the debit, and both of them see the order.
func TestE2EFamilyOffset(t *testing.T) {
	t.Parallel()
	e := startApp(t)
	token, grantID, due := e.motherGrant(t)
	st := e.offsetStatus(t, token)
	if !st.Offered || !st.HasAccount || st.BalanceFen != holderFen || strings.Join(st.Insurances, ",") != "390" ||
		strings.Join(st.Relationships, ",") != "spouse,parent,child" {
		t.Fatalf("offset status: %+v", st)
	}

	var o order
	e.call(t, http.MethodPost, "/api/v1/orders", token, keyHeader("offset-1"), offsetOrder(ids(due), grantID)).
		want(t, http.StatusCreated).json(t, &o)
	if o.Pay != nil || o.State != "posting" {
		t.Fatalf("offset order: state %s, pay %+v; want posting without pay parameters", o.State, o.Pay)
	}
	got := e.waitState(t, token, o.ID, "credited")
	wantVoucherSet(t, e.vouchers(t, token, o.ID), o.ID)
	if countTo(got, "paid") != 1 || !strings.Contains(eventReason(got, "paid"), "medical personal account") {
		t.Errorf("events: %+v", got.Events)
	}
	var again order
	e.call(t, http.MethodPost, "/api/v1/orders", token, keyHeader("offset-1"), offsetOrder(ids(due), grantID)).
		want(t, http.StatusCreated).json(t, &again)
	if again.ID != o.ID {
		t.Fatalf("the same request made a second order %s", again.ID)
	}
	if b := e.offsetStatus(t, token).BalanceFen; b != holderFen-40000 {
		t.Fatalf("balance %d after one offset of 40000, want %d", b, holderFen-40000)
	}
	mother, _ := e.login(t, motherPhone)
	if m := e.getOrder(t, mother, o.ID); m.State != "credited" {
		t.Errorf("the mother sees her order as %s", m.State)
	}
	for _, b := range e.bills(t, mother) {
		if b.ID == due[0].ID && b.Status != "paid" {
			t.Errorf("the mother's 390 bill is %s after the offset", b.Status)
		}
	}
	if bal := e.auditBalance(t, "medical_account_offset"); bal != 40000 {
		t.Errorf("medical_account_offset %d fen, want the one offset of 40000", bal)
	}
}

func eventReason(o order, to string) string {
	for _, ev := range o.Events {
		if ev.To == to {
			return ev.Reason
		}
	}
	return ""
}

// TestE2EFamilyOffsetRefused: each way an offset cannot be made is refused
// before anything is taken, saying what to do: the insured person's own
// bills (no grant), a balance too small (with the balance), another
// insurance than resident medical, a relative the rule does not cover.
func TestE2EFamilyOffsetRefused(t *testing.T) {
	t.Parallel()
	e := startApp(t)
	token, grantID, due := e.motherGrant(t)

	mother, _ := e.login(t, motherPhone)
	wantError(t, e.call(t, http.MethodPost, "/api/v1/orders", mother, keyHeader("own"),
		map[string]any{"bill_ids": ids(due), "channel": "family_offset"}), http.StatusBadRequest, "family_grant_required", "grant_id")

	e.raw(t, http.MethodPost, "/sandbox/core/control/accounts", nil,
		map[string]any{"id_number": holderIDNumber(), "balance_fen": 25000}).want(t, http.StatusOK)
	r := wantError(t, e.call(t, http.MethodPost, "/api/v1/orders", token, keyHeader("poor"), offsetOrder(ids(due), grantID)),
		http.StatusUnprocessableEntity, "offset_balance_insufficient", "channel")
	var refusal struct {
		BalanceFen  int64    `json:"balance_fen"`
		AmountFen   int64    `json:"amount_fen"`
		FitsBillIDs []string `json:"fits_bill_ids"`
	}
	if err := json.Unmarshal(r.Error.Allowed, &refusal); err != nil || refusal.BalanceFen != 25000 || refusal.AmountFen != 40000 || len(refusal.FitsBillIDs) != 0 {
		t.Errorf("refusal details %s (%v)", r.Error.Allowed, err)
	}
	if !strings.Contains(r.Error.Message, "250.00") || !strings.Contains(r.Error.MessageEn, "another channel") {
		t.Errorf("the refusal does not state the balance and the way out: %q / %q", r.Error.Message, r.Error.MessageEn)
	}
	for _, b := range e.bills(t, mother) {
		if b.ID == due[0].ID && (b.Status != "due" || b.OrderID != "") {
			t.Errorf("a refused offset left the bill %s (order %q)", b.Status, b.OrderID)
		}
	}

	// A Guangzhou flexible worker (his wife) with a pension bill, and his
	// brother with a resident medical bill, both granting him.
	wife := e.register(t, "per_gzwife", "440100", identity.Flexible, "林晓燕", "44010619800304522", "13900000051", "110")
	brother := e.register(t, "per_gzbro", "440100", identity.Resident, "陈建华", "44010519780922371", "13900000052", "390")
	wifeGrant := e.grant(t, token, wife, "13900000051", "spouse", []string{"110", "390"})
	var wb struct {
		Bills []bill `json:"bills"`
	}
	e.call(t, http.MethodGet, "/api/v1/proxies/"+wifeGrant+"/bills", token, nil, nil).want(t, http.StatusOK).json(t, &wb)
	if len(wb.Bills) == 0 || wb.Bills[0].Insurance != "110" {
		t.Fatalf("the wife's bills: %+v", wb.Bills)
	}
	r = wantError(t, e.call(t, http.MethodPost, "/api/v1/orders", token, keyHeader("pension"), offsetOrder(ids(wb.Bills[:1]), wifeGrant)),
		http.StatusBadRequest, "offset_insurance_not_allowed", "bill_ids[0]")
	if !strings.Contains(r.Error.MessageEn, "another channel") {
		t.Errorf("the refusal does not say to pay it another way: %q", r.Error.MessageEn)
	}
	broGrant := e.grant(t, token, brother, "13900000052", "sibling", []string{"390"})
	var bb struct {
		Bills  []bill   `json:"bills"`
		Offset []string `json:"family_offset_bill_ids"`
	}
	e.call(t, http.MethodGet, "/api/v1/proxies/"+broGrant+"/bills", token, nil, nil).want(t, http.StatusOK).json(t, &bb)
	if len(bb.Offset) != 0 {
		t.Errorf("a sibling's bills listed as payable by the offset: %v", bb.Offset)
	}
	wantError(t, e.call(t, http.MethodPost, "/api/v1/orders", token, keyHeader("brother"), offsetOrder(ids(bb.Bills), broGrant)),
		http.StatusForbidden, "offset_relationship_not_allowed", "grant_id")
	// A relative insured in Shenzhen: the offset stays within one region.
	aunt := e.register(t, "per_szmum", "440300", identity.Resident, "黄秀兰", "44030519520101242", "13900000053", "390")
	auntGrant := e.grant(t, token, aunt, "13900000053", "child", []string{"390"})
	var ab struct {
		Bills []bill `json:"bills"`
	}
	e.call(t, http.MethodGet, "/api/v1/proxies/"+auntGrant+"/bills", token, nil, nil).want(t, http.StatusOK).json(t, &ab)
	wantError(t, e.call(t, http.MethodPost, "/api/v1/orders", token, keyHeader("shenzhen"), offsetOrder(ids(ab.Bills), auntGrant)),
		http.StatusBadRequest, "offset_other_region", "channel")
	// Nothing was taken by any of these.
	if b := e.offsetStatus(t, token).BalanceFen; b != 25000 {
		t.Errorf("balance %d after refusals, want 25000", b)
	}
}

// register adds a person enrolled in one insurance, with its bill
// issued, as the register import would.
func (e *env) register(t *testing.T, id, region string, typ identity.PersonType, name, first17, phone, insurance string) string {
	t.Helper()
	a := e.run.App
	check, _ := identity.IDCheckDigit(first17)
	p, err := a.Identity.Register(t.Context(), identity.NewPerson{ID: id, Region: region, Type: typ, Name: name,
		IDNumber: first17 + string(check), Phone: phone})
	if err != nil {
		t.Fatal(err)
	}
	if insurance == "390" {
		if err := a.Identity.Enrol(t.Context(), identity.Enrolment{PersonID: p.ID, Insurance: "390", Status: "active", Since: "2026-01"}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Billing.Issue(t.Context(), p, "2027", []billing.Item{{Insurance: "390"}}, billing.Current); err != nil {
			t.Fatal(err)
		}
		return first17 + string(check)
	}
	if err := a.Identity.Enrol(t.Context(), identity.Enrolment{PersonID: p.ID, Insurance: insurance, Status: "active", Since: "2026-01", Base: "floor"}); err != nil {
		t.Fatal(err)
	}
	es, _ := a.Identity.Enrolments(t.Context(), p.ID)
	if err := a.Billing.EnsureCurrent(t.Context(), p, es); err != nil {
		t.Fatal(err)
	}
	return first17 + string(check)
}

// grant asks for a grant from the person with this ID number and consents
// with the code sent to them; it returns the grant's id.
func (e *env) grant(t *testing.T, token, idNumber, phone, relationship string, insurances []string) string {
	t.Helper()
	var g struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	e.call(t, http.MethodPost, "/api/v1/proxies", token, nil, map[string]any{"relationship": relationship, "document_type": "resident_id",
		"document_number": idNumber, "insurances": insurances, "until": "2099-12"}).want(t, http.StatusCreated).json(t, &g)
	e.call(t, http.MethodPost, "/api/v1/proxies/"+g.ID+"/consent", token, nil, map[string]string{"code": e.smsCode(t, phone)}).
		want(t, http.StatusOK).json(t, &g)
	if g.Status != "active" {
		t.Fatalf("grant %+v", g)
	}
	return g.ID
}

// TestE2EFamilyOffsetDebitLost: the core system takes the debit but its
// answer is lost; the order stays created until the settling job asks the
// core system, then goes on to credited; the account is debited once.
func TestE2EFamilyOffsetDebitLost(t *testing.T) {
	t.Parallel()
	e := startApp(t)
	token, grantID, due := e.motherGrant(t)
	e.raw(t, http.MethodPost, "/sandbox/core/control/faults", nil, map[string]int{"lose_debit_answers": 1}).want(t, http.StatusOK)
	var o order
	e.call(t, http.MethodPost, "/api/v1/orders", token, keyHeader("lost"), offsetOrder(ids(due), grantID)).
		want(t, http.StatusCreated).json(t, &o)
	if o.State != "created" && o.State != "posting" && o.State != "credited" {
		t.Fatalf("order after a lost debit answer: %s", o.State)
	}
	e.waitState(t, token, o.ID, "credited")
	if b := e.offsetStatus(t, token).BalanceFen; b != holderFen-40000 {
		t.Fatalf("balance %d after a debit whose answer was lost, want %d (debited once)", b, holderFen-40000)
	}

	// The core system refuses nothing but is down for the next debit: the
	// job debits again later, still once.
	// (Covered by TestAccountsDebitOnce against the sandbox directly.)
}

// TestE2EFamilyOffsetRefund: the core system never accepts the posting; after
// 72 hours the order is refunded by reversing the debit: the balance is
// back, the bill due again, the offset account back at zero.
func TestE2EFamilyOffsetRefund(t *testing.T) {
	t.Parallel()
	clock := &shiftClock{}
	e := startClockedApp(t, clock)
	token, grantID, due := e.motherGrant(t)
	e.raw(t, http.MethodPost, "/sandbox/core/control/faults", nil, map[string]int{"fail_next": 100000}).want(t, http.StatusOK)
	var o order
	e.call(t, http.MethodPost, "/api/v1/orders", token, keyHeader("refund"), offsetOrder(ids(due), grantID)).
		want(t, http.StatusCreated).json(t, &o)
	if o.State != "posting" {
		t.Fatalf("offset order is %s, want posting (debited, the core system refusing the posting)", o.State)
	}
	if b := e.offsetStatus(t, token).BalanceFen; b != holderFen-40000 {
		t.Fatalf("balance while posting %d", b)
	}
	clock.advanceTo(clock.Now().Add(73 * time.Hour))
	token, _ = e.login(t, holderPhone)
	e.waitState(t, token, o.ID, "refunded")
	if b := e.offsetStatus(t, token).BalanceFen; b != holderFen {
		t.Fatalf("balance %d after the refund, want %d (the debit reversed)", b, holderFen)
	}
	mother, _ := e.login(t, motherPhone)
	for _, b := range e.bills(t, mother) {
		if b.ID == due[0].ID && b.Status != "due" {
			t.Errorf("the bill is %s after the refund, want due", b.Status)
		}
	}
	if bal := e.auditBalance(t, "medical_account_offset"); bal != 0 {
		t.Errorf("medical_account_offset %d fen after the reversal, want 0", bal)
	}
}

// TestE2EFamilyOffsetCoreDown: the core system takes no debit while the
// order is open (every debit answers 503); the order stays created, and once
// it has expired its debit id is voided and it closes: the bill is due again,
// nothing was taken, and a debit arriving late under that id is refused.
// Paid again when the core system is back, the bill is credited once.
func TestE2EFamilyOffsetCoreDown(t *testing.T) {
	t.Parallel()
	clock := &shiftClock{}
	e := startClockedApp(t, clock)
	token, grantID, due := e.motherGrant(t)
	e.raw(t, http.MethodPost, "/sandbox/core/control/faults", nil, map[string]int{"fail_debits": 1_000_000}).want(t, http.StatusOK)
	var o order
	e.call(t, http.MethodPost, "/api/v1/orders", token, keyHeader("down"), offsetOrder(ids(due), grantID)).
		want(t, http.StatusCreated).json(t, &o)
	if o.State != "created" {
		t.Fatalf("order with its debit unanswered is %s, want created", o.State)
	}
	clock.advanceTo(clock.Now().Add(31 * time.Minute))
	token, _ = e.login(t, holderPhone)
	e.waitState(t, token, o.ID, "closed")
	if b := e.offsetStatus(t, token).BalanceFen; b != holderFen {
		t.Fatalf("balance %d after a debit never taken, want %d", b, holderFen)
	}
	var late struct {
		Debited  bool   `json:"debited"`
		FailCode string `json:"fail_code"`
	}
	e.raw(t, http.MethodPost, "/sandbox/core/control/faults", nil, map[string]int{}).want(t, http.StatusOK)
	e.raw(t, http.MethodPost, "/sandbox/core/v1/debits", nil, map[string]any{"debit_id": o.ID, "holder_id_number": holderIDNumber(),
		"amount_fen": 40000}).want(t, http.StatusOK).json(t, &late)
	if late.Debited || late.FailCode != "VOIDED" {
		t.Fatalf("a late debit under the closed order's id: %+v, want refused as VOIDED", late)
	}
	var again order
	e.call(t, http.MethodPost, "/api/v1/orders", token, keyHeader("up"), offsetOrder(ids(due), grantID)).
		want(t, http.StatusCreated).json(t, &again)
	e.waitState(t, token, again.ID, "credited")
	if b := e.offsetStatus(t, token).BalanceFen; b != holderFen-40000 {
		t.Fatalf("balance %d after the second order, want %d", b, holderFen-40000)
	}
}

// TestE2EFamilyOffsetReconcile: the day's reconciliation with the core
// system's statement of debits finds the credited offset in order, and
// names a debit the core system took for no order of ours.
func TestE2EFamilyOffsetReconcile(t *testing.T) {
	t.Parallel()
	e := startApp(t)
	token, grantID, due := e.motherGrant(t)
	var o order
	e.call(t, http.MethodPost, "/api/v1/orders", token, keyHeader("rec"), offsetOrder(ids(due), grantID)).
		want(t, http.StatusCreated).json(t, &o)
	e.waitState(t, token, o.ID, "credited")
	e.raw(t, http.MethodPost, "/sandbox/core/v1/debits", nil, map[string]any{"debit_id": "ord_STRANGER", "holder_id_number": holderIDNumber(),
		"amount_fen": 100}).want(t, http.StatusOK)
	today := time.Now().In(payment.Beijing()).Format(time.DateOnly)
	diffs, err := e.run.App.Payments.ReconcileOffsets(t.Context(), today)
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) != 1 || diffs[0].Kind != payment.DiffUnknownOrder || diffs[0].OutTradeNo != "ord_STRANGER" || diffs[0].Channel != "family_offset" {
		t.Fatalf("differences %+v, want only the stranger debit", diffs)
	}
	// `shebao reconcile --channel family_offset` does the same, and exits 1
	// for the difference left open.
	var out, errOut bytes.Buffer
	code := app.Main([]string{"reconcile", "--channel", "family_offset", "--date", today, "--data", e.DataDir, "--db", e.DB,
		"--sandbox-url", e.URL}, nil, &out, &errOut)
	if code != 1 || !strings.Contains(out.String(), "ord_STRANGER") || strings.Contains(out.String(), o.OutTradeNo) {
		t.Errorf("shebao reconcile --channel family_offset: exit %d, %s %s", code, out.String(), errOut.String())
	}
}

// TestE2EFamilyOffsetHeld: an offset above the review line needs the second
// factor like any payment; one the risk rules flag is held after the debit:
// refunded by an operator, the debit is reversed (the balance back, the bill
// due again); the next one, released, is credited.
func TestE2EFamilyOffsetHeld(t *testing.T) {
	t.Parallel()
	e := startClockedAppWith(t, &shiftClock{}, riskOptions(func(r *risk.Rules) { r.LargeFen, r.ConfirmFen = 10_000, 30_000 }))
	token, grantID, due := e.motherGrant(t)
	create := func(key string) resp {
		return e.call(t, http.MethodPost, "/api/v1/orders", token, keyHeader(key), offsetOrder(ids(due), grantID))
	}
	wantError(t, create("held-1"), http.StatusForbidden, "second_factor_required", "")
	e.call(t, http.MethodPost, "/api/v1/auth/sms-codes", "", nil, map[string]string{"phone": holderPhone}).want(t, http.StatusAccepted)
	e.call(t, http.MethodPut, "/api/v1/me/ecard-pin", token, nil, map[string]string{"pin": "246810", "code": e.smsCode(t, holderPhone)}).want(t, http.StatusNoContent)
	e.call(t, http.MethodPost, "/api/v1/me/confirmations", token, nil, map[string]string{"method": "ecard_password", "pin": "246810"}).want(t, http.StatusCreated)
	var o order
	create("held-1").want(t, http.StatusCreated).json(t, &o)
	if o.State != "held" {
		t.Fatalf("risky offset order is %s, want held", o.State)
	}
	if b := e.offsetStatus(t, token).BalanceFen; b != holderFen-40000 {
		t.Fatalf("balance %d while held, want %d (debited)", b, holderFen-40000)
	}
	pay := e.run.App.Payments
	if _, err := pay.RefundHold(t.Context(), o.ID, "op_reviewer", "not the person's own doing"); err != nil {
		t.Fatal(err)
	}
	e.waitState(t, token, o.ID, "refunded")
	if b := e.offsetStatus(t, token).BalanceFen; b != holderFen {
		t.Fatalf("balance %d after the hold was refunded, want %d (the debit reversed)", b, holderFen)
	}
	// Refunding again changes nothing.
	if _, err := pay.RefundHold(t.Context(), o.ID, "op_reviewer", "again"); err != nil {
		t.Fatal(err)
	}
	if b := e.offsetStatus(t, token).BalanceFen; b != holderFen {
		t.Fatalf("balance %d after a second refund, want %d", b, holderFen)
	}

	create("held-2").want(t, http.StatusCreated).json(t, &o)
	if o.State != "held" {
		t.Fatalf("second risky offset order is %s, want held", o.State)
	}
	if _, err := pay.ReleaseHold(t.Context(), o.ID, "op_reviewer", "checked with the person"); err != nil {
		t.Fatal(err)
	}
	e.waitState(t, token, o.ID, "credited")
	if b := e.offsetStatus(t, token).BalanceFen; b != holderFen-40000 {
		t.Fatalf("balance %d after the released order, want %d", b, holderFen-40000)
	}
}
