package payment_test

import (
	"maps"
	"slices"
	"strings"

	"github.com/shebao-project/shebao/internal/audit"
	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/ledger"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/payment"
)

// audit runs the same audit as `shebao audit`: it must hold after every
// transaction, not only at the end.
func (s *sim) audit() {
	rep, err := audit.Run(s.ctx, s.db)
	if err != nil {
		s.violate("audit: %v", err)
		return
	}
	for _, p := range rep.Problems {
		s.violate("audit: %s", p)
	}
}

// check asserts, after the drain, that every payment the provider took is
// exactly one of credited, refunded, held for an operator (an amount other
// than the order's) or failed to refund and in the operators' queue; that
// nothing the provider did not take is credited; that proxy orders credit
// the insured person; that the core system, the bills, the vouchers, the
// evidence log and the ledger agree; and that nothing is left running.
func (s *sim) check() {
	s.logf("check")
	s.audit()
	var orders []payment.Order
	seen := map[string]bool{}
	for _, p := range s.persons {
		os, err := s.db.OrdersForPerson(s.ctx, p.ID, 10_000) // paid by or for p: a proxy order twice
		if err != nil {
			s.violate("orders of %s: %v", p.ID, err)
			return
		}
		for _, o := range os {
			if !seen[o.ID] {
				seen[o.ID] = true
				orders = append(orders, o)
			}
		}
	}
	slices.SortFunc(orders, func(a, b payment.Order) int { return strings.Compare(a.ID, b.ID) })
	facts := s.facts()
	creditedBill, credited := s.checkOrders(orders, facts)
	s.checkMoney(orders, facts)
	s.checkBills(creditedBill)
	s.checkProxy(orders)
	s.checkFailedRefunds(orders, facts)
	s.checkHeld(orders)
	s.checkSettled(credited)
	s.count(orders)
}

// facts are the audit's per-order facts (ledger postings by kind, refund
// status), by order id.
func (s *sim) facts() map[string]audit.OrderFacts {
	out := map[string]audit.OrderFacts{}
	if err := s.db.AuditOrders(s.ctx, func(f audit.OrderFacts) error { out[f.ID] = f; return nil }); err != nil {
		s.violate("audit facts: %v", err)
	}
	return out
}

// checkOrders checks each order against the provider and the core system,
// and that no bill is credited twice. It returns the credited order of
// each bill, and how many orders are credited.
func (s *sim) checkOrders(orders []payment.Order, facts map[string]audit.OrderFacts) (creditedBill map[string]string, credited int) {
	creditedBill = map[string]string{} // bill id → the credited order that paid it
	for _, o := range orders {
		name := s.know(o).name
		s.checkOrder(name, o, facts[o.ID])
		if _, posted := s.core.postings[o.ID]; posted != (o.State == payment.Credited) {
			s.violate("%s is %s but the core system has a posting for it: %v", name, o.State, posted)
		}
		if o.State != payment.Credited {
			continue
		}
		credited++
		for _, b := range o.BillIDs {
			if other, ok := creditedBill[b]; ok {
				s.violate("bill %s credited twice: by %s and %s", b, s.nameOrder(other), name)
			}
			creditedBill[b] = o.ID
		}
	}
	for _, id := range s.core.accepted {
		if _, err := s.db.OrderByID(s.ctx, id); err != nil {
			s.violate("the core system has a posting for %s, which is no order of ours: %v", id, err)
		}
	}
	return creditedBill, credited
}

// checkMoney: what payers paid the provider is exactly what we credited,
// what went back to them, what we hold for an operator, and what a failed
// refund left in the operators' queue; and we recorded as received exactly
// what each payer paid.
func (s *sim) checkMoney(orders []payment.Order, facts map[string]audit.OrderFacts) {
	var paid, credited, refunded, held, failed money.Fen
	for _, o := range orders {
		t, f := s.prov.byOTN[o.OutTradeNo], facts[o.ID]
		if t == nil || !t.isPaid() {
			continue
		}
		paid += t.paid
		if got := f.Postings[ledger.Received]; got != t.paid {
			s.violate("%s: the payer paid %s, we recorded %s received", s.nameOrder(o.ID), t.paid.Yuan(), got.Yuan())
		}
		switch {
		case o.State == payment.Credited:
			credited += f.Postings[ledger.Credited]
		case o.State == payment.Refunded:
			refunded += s.prov.refundedToPayer(t)
		case o.State == payment.Held:
			held += f.Postings[ledger.Received]
		case o.State == payment.Refunding && f.RefundStatus == "failed":
			failed += f.Postings[ledger.RefundPending]
		}
	}
	if kept := credited + refunded + held + failed; kept != paid {
		s.violate("payers paid %s yuan; credited %s + refunded %s + held %s + failed refunds %s = %s",
			paid.Yuan(), credited.Yuan(), refunded.Yuan(), held.Yuan(), failed.Yuan(), kept.Yuan())
	}
}

// checkProxy: every order pays its insured person's own bills, posted to
// the core system under that person's ID number; an order paid by someone
// else was made under a grant from the insured to the payer, covering its
// insurance types.
func (s *sim) checkProxy(orders []payment.Order) {
	for _, o := range orders {
		name := s.nameOrder(o.ID)
		bills, err := s.db.BillsByIDs(s.ctx, o.BillIDs)
		if err != nil {
			s.violate("bills of %s: %v", name, err)
			continue
		}
		// The grant it was made under, if the payer heard back; else any
		// grant from the insured to the payer (there may be several, one
		// after another revoked).
		var gs []*simGrant
		for _, g := range s.grants {
			if g.proxy.ID == o.PayerID && g.grantor.ID == o.PersonID && (s.byID[o.ID].grant == "" || s.byID[o.ID].grant == g.id) {
				gs = append(gs, g)
			}
		}
		if o.PayerID != o.PersonID && len(gs) == 0 {
			s.violate("%s pays %s's bills for %s without a grant", name, short(o.PersonID), short(o.PayerID))
		}
		for _, b := range bills {
			if b.PersonID != o.PersonID {
				s.violate("%s for %s pays bill %s of %s", name, short(o.PersonID), b.ID, short(b.PersonID))
			}
			covers := func(g *simGrant) bool { return slices.Contains(g.scope, b.Insurance) }
			if o.PayerID != o.PersonID && len(gs) > 0 && !slices.ContainsFunc(gs, covers) {
				s.violate("%s pays bill %s outside the scope of %s's grant %s %v", name, b.ID, short(o.PersonID), gs[0].name, gs[0].scope)
			}
		}
		if p, ok := s.core.postings[o.ID]; ok {
			insured := s.person(o.PersonID)
			if insured == nil || p.idNumber != insured.IDNumber {
				s.violate("%s for %s is posted to the core system under another person's ID number", name, short(o.PersonID))
			}
			if o.PayerID != o.PersonID && o.State == payment.Credited {
				s.stats.proxy++
			}
		}
	}
}

func (s *sim) person(id string) *identity.Person {
	for _, p := range s.persons {
		if p.ID == id {
			return p
		}
	}
	return nil
}

// checkHeld: every order held after the drain is in the console's list
// of holds, for an operator.
func (s *sim) checkHeld(orders []payment.Order) {
	rows, err := s.db.ConsoleStore().HeldOrders(s.ctx, 10_000)
	if err != nil {
		s.violate("console holds: %v", err)
		return
	}
	listed := map[string]bool{}
	for _, r := range rows {
		listed[r.ID] = true
	}
	for _, o := range orders {
		if o.State == payment.Held && !listed[o.ID] {
			s.violate("%s is held but not in the operators' list of holds", s.nameOrder(o.ID))
		}
	}
}

// checkFailedRefunds: a refund the provider did not carry out is in the
// console's refund list as failed, ahead of the rest, for an operator.
func (s *sim) checkFailedRefunds(orders []payment.Order, facts map[string]audit.OrderFacts) {
	rows, err := s.db.ConsoleStore().Refunds(s.ctx, 10_000)
	if err != nil {
		s.violate("console refunds: %v", err)
		return
	}
	listed, others := map[string]bool{}, false
	for _, r := range rows {
		switch {
		case r.Status != "failed":
			others = true
		case others:
			s.violate("the failed refund of %s is listed below refunds that did not fail", s.nameOrder(r.OrderID))
		default:
			listed[r.OrderID] = true
		}
	}
	n := 0
	for _, o := range orders {
		if facts[o.ID].RefundStatus == "failed" {
			n++
			if !listed[o.ID] {
				s.violate("the failed refund of %s is not in the operators' list", s.nameOrder(o.ID))
			}
		}
	}
	if len(listed) != n {
		s.violate("the operators' list shows %d failed refunds, the orders have %d", len(listed), n)
	}
	s.stats.failedInQueue = n
}

// checkSettled checks what must hold once everything has settled: the
// evidence log has each credited order, every day with trades was
// reconciled without an open difference (but for a payment of another
// amount than its order's, which waits for an operator), and no job is
// left but the next reconciliation.
func (s *sim) checkSettled(credited int) {
	if st, err := s.db.Evidence().EvidenceState(s.ctx); err != nil || st.Size != uint64(4*credited) {
		s.violate("evidence log has %d leaves (%v), want 4 for each of %d credited orders", st.Size, err, credited)
	}
	for _, d := range s.prov.tradeDays() {
		if !s.prov.billed[d] {
			s.violate("the trade bill of %s, a day with trades, was never reconciled", d)
		}
	}
	diffs, err := s.db.OpenDiffs(s.ctx, 1000)
	if err != nil {
		s.violate("open reconciliation differences: %v", err)
	}
	for _, d := range diffs {
		if t := s.prov.byOTN[d.OutTradeNo]; d.Kind != payment.DiffAmount || t == nil || t.paid == t.amount {
			s.violate("open reconciliation difference %s on %s for %s: %s", d.Kind, d.Date, s.nameOTN(d.OutTradeNo), d.Detail)
		}
	}
	pending, err := s.db.PendingJobs(s.ctx)
	if err != nil {
		s.violate("pending jobs: %v", err)
	}
	for _, k := range slices.Sorted(maps.Keys(pending)) {
		if k != payment.JobReconcile {
			s.violate("%d %s jobs still pending after the drain", pending[k], k)
		}
	}
}

// count adds the seed's outcome to its statistics.
func (s *sim) count(orders []payment.Order) {
	s.stats.orders, s.stats.known = len(orders), len(s.known)
	for _, o := range orders {
		evs, _ := s.db.OrderEvents(s.ctx, o.ID)
		held := false
		for _, e := range evs {
			held = held || e.To == payment.Held
			if strings.Contains(e.Reason, "hold expired") {
				s.stats.expired++
			}
			if strings.Contains(e.Reason, "within 72 hours") {
				s.stats.gaveUp++
			}
			if strings.HasPrefix(e.Reason, "core system unreachable for 72 hours") {
				s.stats.coreUnknown++
			}
		}
		if held {
			s.stats.everHeld++
		}
		switch o.State {
		case payment.Credited:
			s.stats.credited++
		case payment.Refunded:
			s.stats.refunded++
		case payment.Held:
			s.stats.held++
		}
	}
	for _, t := range s.prov.trades {
		if t.state == payment.TradeSuccess || t.state == payment.TradeRefund {
			s.stats.paid++
		}
	}
	s.logf("checked %d orders: %d credited, %d core postings, %d provider trades", len(orders), s.stats.credited, len(s.core.accepted), len(s.prov.trades))
}

// checkOrder compares one order with the provider's truth and checks its
// event history. After the drain an order is final (closed, failed,
// credited, refunded) or waits for an operator for a reason the seed
// made: a payment of another amount held, or a refund the provider did
// not carry out.
func (s *sim) checkOrder(name string, o payment.Order, f audit.OrderFacts) {
	t := s.prov.byOTN[o.OutTradeNo]
	paid := t != nil && t.isPaid()
	mismatch := paid && t.paid != t.amount
	var back money.Fen
	if paid {
		back = s.prov.refundedToPayer(t)
	}
	switch {
	case !paid && !o.State.Unpaid():
		s.violate("%s is %s but the provider never took its payment", name, o.State)
	case !paid && o.State != payment.Closed && o.State != payment.Failed:
		s.violate("%s is still %s after the drain", name, o.State)
	case paid && o.State.Unpaid():
		s.violate("payment lost: the provider took %s for %s, which is %s", t.paid.Yuan(), name, o.State)
	case paid && (o.State == payment.Held && !o.HoldUntil.IsZero()):
		s.violate("%s is still held after its hold ended at %s", name, s.at(o.HoldUntil))
	case o.State == payment.Held && !mismatch:
		s.violate("%s is still held after the drain, though its amount is right (%s)", name, o.HoldReason)
	case o.State == payment.Refunding && f.RefundStatus != "failed":
		s.violate("%s is stuck refunding after the drain, its refund %s", name, f.RefundStatus)
	case paid && o.State != payment.Credited && o.State != payment.Refunded && o.State != payment.Held && o.State != payment.Refunding:
		s.violate("%s is stuck in %s after the drain", name, o.State)
	case paid && (back > 0) != (o.State == payment.Refunded):
		s.violate("%s is %s but the provider refunded %s of it to the payer", name, o.State, back.Yuan())
	case o.State == payment.Refunded && back != t.paid:
		s.violate("%s is refunded: %s went back, the payer paid %s", name, back.Yuan(), t.paid.Yuan())
	case o.State == payment.Refunding && s.refundCarriedOut(t):
		s.violate("%s's refund is failed here but the provider carried it out", name)
	}
	if mismatch && (o.State == payment.Credited || o.State == payment.Posting || s.core.postings[o.ID].ref != "") {
		s.violate("%s credited though the payer paid %s for an order of %s", name, t.paid.Yuan(), t.amount.Yuan())
	}
	evs, err := s.db.OrderEvents(s.ctx, o.ID)
	if err != nil {
		s.violate("events of %s: %v", name, err)
		return
	}
	count := map[payment.State]int{}
	for i, e := range evs {
		if e.From != e.To { // an event within a state (a refund retried) is no transition
			count[e.To]++
		}
		if i > 0 && e.From != evs[i-1].To {
			s.violate("%s event %d goes from %s but the one before ended in %s", name, i, e.From, evs[i-1].To)
		}
	}
	if len(evs) == 0 || evs[len(evs)-1].To != o.State {
		s.violate("%s is %s but its events end elsewhere: %d events", name, o.State, len(evs))
	}
	if count[payment.Paid] > 1 || count[payment.Credited] > 1 || count[payment.Refunding] > 1 {
		s.violate("%s paid %d times, credited %d times, refunded %d times", name, count[payment.Paid], count[payment.Credited], count[payment.Refunding])
	}
	if mismatch && count[payment.Posting] > 0 {
		s.violate("%s went to posting though the payer paid %s for an order of %s", name, t.paid.Yuan(), t.amount.Yuan())
	}
}

// refundCarriedOut: the provider has a refund of t that succeeded or is
// still on its way to success.
func (s *sim) refundCarriedOut(t *simTrade) bool {
	rf := s.prov.byORN[t.orn]
	return rf != nil && (rf.state == payment.RefundSuccess || rf.state == payment.RefundProcessing)
}

// checkBills: a bill is paid exactly when a credited order paid it, and no
// bill is still held by an order that no longer needs it.
func (s *sim) checkBills(creditedBill map[string]string) {
	for _, p := range s.persons {
		bs, err := s.db.BillsForPerson(s.ctx, p.ID)
		if err != nil {
			s.violate("bills of %s: %v", p.ID, err)
			return
		}
		for _, b := range bs {
			by, ok := creditedBill[b.ID]
			switch {
			case ok && (b.Status != billing.Paid || b.PaidOrderID != by):
				s.violate("bill %s is %s (paid by %q) but %s credited it", b.ID, b.Status, b.PaidOrderID, s.nameOrder(by))
			case !ok && b.Status == billing.Paid:
				s.violate("bill %s is paid by %s, which is not credited", b.ID, s.nameOrder(b.PaidOrderID))
			case !ok && b.OrderID != "" && s.state(b.OrderID) != payment.Held:
				s.violate("bill %s is still held by %s, which is %s", b.ID, s.nameOrder(b.OrderID), s.state(b.OrderID))
			}
		}
	}
}
