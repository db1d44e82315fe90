package payment_test

import (
	"maps"
	"slices"

	"github.com/shebao-project/shebao/internal/audit"
	"github.com/shebao-project/shebao/internal/billing"
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
// exactly one of credited, refunded or held for an operator; that nothing
// the provider did not take is credited; that the core system, the bills,
// the vouchers, the evidence log and the ledger agree; and that nothing is
// left running.
func (s *sim) check() {
	s.logf("check")
	s.audit()
	var orders []payment.Order
	for _, p := range s.persons {
		os, err := s.db.OrdersForPerson(s.ctx, p.ID, 10_000)
		if err != nil {
			s.violate("orders of %s: %v", p.ID, err)
			return
		}
		orders = append(orders, os...)
	}
	creditedBill, credited := s.checkOrders(orders)
	s.checkBills(creditedBill)
	s.checkSettled(credited)
	s.count(orders)
}

// checkOrders checks each order against the provider and the core system,
// that the provider's takings equal what we credited or hold, and that no
// bill is credited twice. It returns the credited order of each bill, and
// how many orders are credited.
func (s *sim) checkOrders(orders []payment.Order) (creditedBill map[string]string, credited int) {
	creditedBill = map[string]string{} // bill id → the credited order that paid it
	var paidFen, keptFen money.Fen
	for _, o := range orders {
		name := s.know(o).name
		s.checkOrder(name, o)
		if t := s.prov.byOTN[o.OutTradeNo]; t != nil && (t.state == payment.TradeSuccess || t.state == payment.TradeRefund) {
			paidFen += t.amount - t.refunded
		}
		if o.State == payment.Credited || o.State == payment.Held {
			keptFen += o.AmountFen
		}
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
	if paidFen != keptFen {
		s.violate("the provider kept %s yuan of payments, we credited or hold %s", paidFen.Yuan(), keptFen.Yuan())
	}
	for _, id := range s.core.accepted {
		if _, err := s.db.OrderByID(s.ctx, id); err != nil {
			s.violate("the core system has a posting for %s, which is no order of ours: %v", id, err)
		}
	}
	return creditedBill, credited
}

// checkSettled checks what must hold once everything has settled: the
// evidence log has each credited order, every day with trades was
// reconciled without an open difference, and no job is left but the next
// reconciliation.
func (s *sim) checkSettled(credited int) {
	if st, err := s.db.Evidence().EvidenceState(s.ctx); err != nil || st.Size != uint64(4*credited) {
		s.violate("evidence log has %d leaves (%v), want 4 for each of %d credited orders", st.Size, err, credited)
	}
	for _, d := range s.prov.tradeDays() {
		if !s.prov.billed[d] {
			s.violate("the trade bill of %s, a day with trades, was never reconciled", d)
		}
	}
	if diffs, err := s.db.OpenDiffs(s.ctx, 100); err != nil || len(diffs) > 0 {
		s.violate("open reconciliation differences %+v (%v)", diffs, err)
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
// event history.
func (s *sim) checkOrder(name string, o payment.Order) {
	t := s.prov.byOTN[o.OutTradeNo]
	paid := t != nil && (t.state == payment.TradeSuccess || t.state == payment.TradeRefund)
	switch {
	case !paid && !o.State.Unpaid():
		s.violate("%s is %s but the provider never took its payment", name, o.State)
	case !paid && o.State != payment.Closed && o.State != payment.Failed:
		s.violate("%s is still %s after the drain", name, o.State)
	case paid && o.State.Unpaid():
		s.violate("payment lost: the provider took %s for %s, which is %s", t.amount.Yuan(), name, o.State)
	case paid && (o.State == payment.Held && !o.HoldUntil.IsZero()):
		s.violate("%s is still held after its hold ended at %s", name, s.at(o.HoldUntil))
	case paid && o.State != payment.Credited && o.State != payment.Refunded && o.State != payment.Held:
		s.violate("%s is stuck in %s after the drain", name, o.State)
	case paid && (t.refunded > 0) != (o.State == payment.Refunded):
		s.violate("%s is %s but the provider refunded %s of it", name, o.State, t.refunded.Yuan())
	}
	evs, err := s.db.OrderEvents(s.ctx, o.ID)
	if err != nil {
		s.violate("events of %s: %v", name, err)
		return
	}
	count := map[payment.State]int{}
	for i, e := range evs {
		count[e.To]++
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
