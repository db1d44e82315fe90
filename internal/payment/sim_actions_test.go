package payment_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/payment"
)

// Actions the scheduler chooses among, with their weights.
type simAction int

const (
	actCreate simAction = iota
	actPay
	actDeliver
	actAdvance
	actJobs
	actClose
	actOperator
	actReconcile
	actFault
	actBillRun
	actGrant
)

var simWeights = []int{actCreate: 12, actPay: 14, actDeliver: 18, actAdvance: 16, actJobs: 18, actClose: 4, actOperator: 4, actReconcile: 3, actFault: 3, actBillRun: 2, actGrant: 1}

// next picks the next action; nested (cutting into a call in flight) it
// picks among what another actor could do meanwhile, time passing included.
func (s *sim) next(nested bool) simAction {
	total := 0
	for a, w := range simWeights {
		if !nested || !simTopLevel(simAction(a)) {
			total += w
		}
	}
	r := s.rng.IntN(total)
	for a, w := range simWeights {
		if nested && simTopLevel(simAction(a)) {
			continue
		}
		if r < w {
			return simAction(a)
		}
		r -= w
	}
	panic("unreachable")
}

// simTopLevel are the actions that do not cut into a call in flight.
func simTopLevel(a simAction) bool {
	return a == actReconcile || a == actFault || a == actBillRun || a == actGrant
}

func (s *sim) do(a simAction) {
	if s.depth == 0 {
		defer s.restart()
	}
	switch a {
	case actCreate:
		s.create()
	case actPay:
		if len(s.handles) == 0 {
			s.logf("pay: no payer has a pay sheet open")
			return
		}
		s.pay(s.handles[s.rng.IntN(len(s.handles))])
	case actDeliver:
		s.deliver()
	case actAdvance:
		if s.depth > 0 { // the call in flight is slow: time passes, other workers run
			s.move(time.Duration(30+s.rng.IntN(300)) * time.Second)
			s.jobs()
			return
		}
		s.advance()
	case actJobs:
		s.jobs()
	case actClose:
		s.closeOrder()
	case actOperator:
		s.operator()
	case actReconcile:
		s.reconcile()
	case actFault:
		s.fault()
	case actBillRun:
		s.billRun()
	case actGrant:
		s.changeGrants()
	}
}

// simCrash is the panic that stands for the process dying: it unwinds
// through the service (which keeps no state but the database) to the top
// of the step, and the process "restarts". What the provider, the core
// system and the payers did meanwhile stays done; jobs claimed stay leased
// until the lease runs out; a notification not answered is sent again.
type simCrash struct{ where string }

// crash kills the process at a crash point, as the seed decides. Never in
// a transaction: the database's own atomicity is not what is tested.
func (s *sim) crash(where string) {
	if s.inTx == 0 && s.roll(s.faults.crash) {
		s.logf("the process dies %s", where)
		s.stats.crashes++
		panic(simCrash{where})
	}
}

func (s *sim) restart() {
	r := recover()
	if r == nil {
		return
	}
	if _, ok := r.(simCrash); !ok {
		panic(r)
	}
	s.depth, s.inTx = 0, 0
	s.logf("the process restarts")
}

// interleave lets another actor move while a provider or core call is in
// flight (the calls the service makes outside its transactions): a payment
// overtaking our close, a notification racing our query, a second order
// superseding one whose prepay is under way, a job lease running out
// during a slow posting. Half the time an actor holding the very order's
// pay sheet pays or walks away.
func (s *sim) interleave(where, otn string) {
	if s.depth > 0 || s.inTx > 0 || s.draining || !s.roll(s.faults.interleave) {
		return
	}
	s.depth++
	defer func() { s.depth-- }()
	s.stats.interleavings++
	s.logf("while the service waits on the %s:", where)
	if otn != "" && slices.Contains(s.handles, otn) && s.rng.IntN(2) == 0 {
		s.pay(otn)
		return
	}
	s.do(s.next(true))
}

// create is a payer ordering: for their own bills, or a third of the time
// for a relative's under one of their grants (revoked ones too: refused).
func (s *sim) create() {
	p := s.persons[s.rng.IntN(len(s.persons))]
	insured, grant, how := p, "", ""
	if g := s.grantOf(p); g != nil && s.rng.IntN(3) == 0 {
		insured, grant, how = g.grantor, g.id, " for "+short(g.grantor.ID)+" under "+g.name
	}
	ids := s.chooseBills(s.bills[insured.ID])
	s.keys++
	key := fmt.Sprintf("k%d", s.keys)
	if last := s.lastReq[p.ID]; last != nil && s.roll(0.2) { // a retried request, or the same key misused
		key = last[0]
		if s.rng.IntN(2) == 0 {
			grant, ids = last[1], last[2:]
		}
	}
	s.lastReq[p.ID] = append([]string{key, grant}, ids...)
	s.logf("%s orders %s%s with key %s", short(p.ID), shortBills(ids), how, key)
	_, before := s.db.OrderByIdempotencyKey(s.ctx, p.ID, key)
	res, err := s.svc.CreateOrder(s.ctx, p, payment.CreateOrderRequest{BillIDs: ids, Channel: "wechatpay", IdempotencyKey: key, GrantID: grant})
	if err != nil {
		s.logf("  → %s", errText(err))
		return
	}
	if g := s.grantByID(grant); g != nil && g.revoked && before != nil {
		s.violate("%s ordered for %s under %s, revoked before", short(p.ID), short(g.grantor.ID), g.name)
	}
	so := s.know(res.Order)
	so.grant = grant
	s.logf("  → %s %s, pay sheet %v", so.name, res.Order.State, res.Pay != nil)
	if res.Pay != nil && !slices.Contains(s.handles, so.otn) {
		s.handles = append(s.handles, so.otn)
	}
}

func short(personID string) string { return strings.TrimPrefix(personID, "per_test") }

func (s *sim) grantByID(id string) *simGrant {
	for _, g := range s.grants {
		if id != "" && g.id == id {
			return g
		}
	}
	return nil
}

// grantOf is one of the grants p may pay under (or has, revoked), if any.
func (s *sim) grantOf(p *identity.Person) *simGrant {
	var gs []*simGrant
	for _, g := range s.grants {
		if g.proxy.ID == p.ID {
			gs = append(gs, g)
		}
	}
	if len(gs) == 0 {
		return nil
	}
	return gs[s.rng.IntN(len(gs))]
}

// grant is one person asking to pay for another and the insured approving:
// for every insurance type, or for pension only.
func (s *sim) grant() {
	i := s.rng.IntN(len(s.persons))
	j := (i + 1 + s.rng.IntN(len(s.persons)-1)) % len(s.persons)
	grantor, proxy := s.persons[i], s.persons[j]
	scope := [][]string{{"110", "310"}, {"110"}}[s.rng.IntN(2)]
	g, err := s.ids.RequestGrant(s.ctx, proxy, identity.GrantRequest{Relationship: "child", DocumentType: identity.ResidentID,
		DocumentNumber: grantor.IDNumber, Insurances: scope, Until: "2027-12"})
	if err == nil {
		g, err = s.ids.ApproveGrant(s.ctx, grantor, g.ID)
	}
	if err != nil {
		s.logf("%s asks to pay for %s: %s", short(proxy.ID), short(grantor.ID), errText(err))
		return
	}
	sg := &simGrant{name: fmt.Sprintf("g%d", len(s.grants)+1), id: g.ID, grantor: grantor, proxy: proxy, scope: scope}
	s.grants = append(s.grants, sg)
	s.logf("%s may pay %v for %s under %s", short(proxy.ID), scope, short(grantor.ID), sg.name)
}

// changeGrants gives a new grant or revokes one (either side may): orders
// made under it before stay valid.
func (s *sim) changeGrants() {
	var active []*simGrant
	for _, g := range s.grants {
		if !g.revoked {
			active = append(active, g)
		}
	}
	if len(active) == 0 || s.rng.IntN(2) == 0 {
		s.grant()
		return
	}
	g := active[s.rng.IntN(len(active))]
	by := []*identity.Person{g.grantor, g.proxy}[s.rng.IntN(2)]
	_, err := s.ids.RevokeGrant(s.ctx, by, g.id)
	g.revoked = err == nil
	s.logf("%s revokes %s: %s", short(by.ID), g.name, errText(err))
}

// otherAmount is what a payer is charged instead of amount when the seed
// makes them differ: a fen less or more, half, or a round sum more.
func (s *sim) otherAmount(amount money.Fen) money.Fen {
	switch s.rng.IntN(4) {
	case 0:
		return amount - 1
	case 1:
		return amount + 1
	case 2:
		return amount / 2
	}
	return amount + 10_000
}

// chooseBills picks what a payer selects: a month, sometimes two, each with
// its pension and mostly its medical bill (bills are pension, medical per
// month); one time in ten any selection, which the binding rule may refuse.
func (s *sim) chooseBills(all []string) []string {
	var ids []string
	if s.rng.IntN(10) == 0 {
		for _, b := range all {
			if s.rng.IntN(2) == 0 {
				ids = append(ids, b)
			}
		}
	} else {
		months := []int{s.rng.IntN(len(all) / 2)}
		if s.rng.IntN(3) == 0 {
			months = append(months, s.rng.IntN(len(all)/2))
		}
		for _, m := range slices.Compact(months) {
			ids = append(ids, all[2*m])
			if s.rng.IntN(5) != 0 {
				ids = append(ids, all[2*m+1])
			}
		}
	}
	if len(ids) == 0 {
		ids = []string{all[s.rng.IntN(len(all))]}
	}
	return ids
}

// pay is the payer in front of the pay sheet of otn: pay, or walk away.
func (s *sim) pay(otn string) {
	s.handles = slices.DeleteFunc(s.handles, func(h string) bool { return h == otn })
	name := s.nameOTN(otn)
	if !s.roll(s.faults.pay) {
		s.logf("payer walks away from %s", name)
		return
	}
	s.logf("payer pays %s: %s", name, s.prov.pay(otn))
}

// deliver sends one queued notification, chosen by the seed, perhaps in
// several copies at once; one that fails, or whose answer is lost, is
// queued again as WeChat Pay retries it (for about a day).
func (s *sim) deliver() {
	q := s.prov.queue
	if len(q) == 0 {
		s.logf("deliver: nothing queued")
		return
	}
	i := s.rng.IntN(len(q))
	n := q[i]
	s.prov.queue = slices.Delete(q, i, i+1)
	what := n.ID + " " + n.Event + " " + s.nameOTN(firstNonEmpty(n.Txn.OutTradeNo, s.refundOTN(n.Refund.OutRefundNo)))
	switch {
	case s.clock.Now().Sub(n.Born) > 24*time.Hour:
		s.logf("deliver %s: provider gave up retrying", what)
		return
	case !s.draining && s.roll(s.faults.drop):
		s.logf("deliver %s: lost for good", what)
		s.stats.lostNotices++
		return
	}
	copies := 1
	if !s.draining && s.roll(s.faults.dup) {
		copies = 2 + s.rng.IntN(2)
	}
	n.Attempts++
	s.prov.queue = append(s.prov.queue, n) // unanswered (the process may die), it is sent again
	failed := false
	for c := range copies {
		var err error
		if n.Event == "TRANSACTION.SUCCESS" {
			err = s.svc.HandleNotification(s.ctx, "wechatpay", n.request())
		} else {
			err = s.svc.HandleRefundNotification(s.ctx, "wechatpay", n.request())
		}
		s.logf("deliver %s (copy %d of %d): %s", what, c+1, copies, errText(err))
		failed = failed || err != nil
	}
	if (failed || !s.draining && s.roll(s.faults.dup)) && n.Attempts < 15 {
		s.logf("  the provider will send %s again", n.ID)
		return
	}
	s.prov.queue = slices.DeleteFunc(s.prov.queue, func(m *simNotice) bool { return m == n })
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (s *sim) refundOTN(orn string) string {
	if rf := s.prov.byORN[orn]; rf != nil {
		return rf.otn
	}
	return orn
}

func (s *sim) advance() {
	var d time.Duration
	switch r := s.rng.IntN(100); {
	case r < 55:
		d = time.Duration(1+s.rng.IntN(120)) * time.Second
	case r < 88:
		d = time.Duration(1+s.rng.IntN(40)) * time.Minute
	case r < 98:
		d = time.Duration(1+s.rng.IntN(6*60)) * time.Minute
	default:
		d = time.Duration(20*60+s.rng.IntN(10*60)) * time.Minute
	}
	s.move(d)
}

func (s *sim) move(d time.Duration) {
	s.clock.Advance(d)
	s.logf("clock +%s", d)
	s.prov.tick()
}

// jobs wakes a job runner: half the time the real one (jobs.Runner.RunDue,
// due order), half the time a worker that takes the due jobs in a seeded
// order and may die before recording an outcome (the lease then runs out
// and the job runs again). While draining, a wake that finds nothing is
// not logged.
func (s *sim) jobs() int {
	if s.rng.IntN(2) == 0 {
		mark := len(s.log)
		s.logf("job runner wakes")
		n := s.runner.RunDue(s.ctx)
		if n == 0 && s.draining {
			s.log = s.log[:mark]
		}
		return n
	}
	js, err := s.runner.Claim(s.ctx, 32)
	if err != nil {
		s.violate("claim jobs: %v", err)
		return 0
	}
	if len(js) > 0 || !s.draining {
		s.logf("worker wakes: %d jobs due", len(js))
	}
	s.rng.Shuffle(len(js), func(i, j int) { js[i], js[j] = js[j], js[i] })
	for _, j := range js {
		err := s.runJob(s.ctx, j)
		s.crash(fmt.Sprintf("before recording job %d's outcome", j.ID))
		if err := s.runner.Record(s.ctx, j, err); err != nil {
			s.violate("record job %d: %v", j.ID, err)
		}
	}
	return len(js)
}

// runJob is the handler both runners use: the payment service's jobs, and
// the payer notices, which belong to the notice service and are only logged.
func (s *sim) runJob(ctx context.Context, j jobs.Job) error {
	ref := j.Ref
	if !strings.Contains(ref, "@") {
		ref = s.nameOrder(ref)
	}
	if strings.HasPrefix(j.Kind, "notice.") {
		s.logf("  job %d %s %s: sent", j.ID, j.Kind, ref)
		return nil
	}
	s.logf("  job %d %s %s (attempt %d)", j.ID, j.Kind, ref, j.Attempts)
	err := s.svc.RunJob(ctx, j)
	var retry jobs.RetryAt
	if errors.As(err, &retry) {
		s.logf("  job %d: again at %s", j.ID, s.at(retry.At))
	} else {
		s.logf("  job %d: %s", j.ID, errText(err))
	}
	return err
}

// closeOrder is a payer cancelling one of the last few orders.
func (s *sim) closeOrder() {
	if len(s.orders) == 0 {
		s.logf("close: no order yet")
		return
	}
	so := s.orders[len(s.orders)-1-s.rng.IntN(min(5, len(s.orders)))]
	s.logf("payer closes %s", so.name)
	o, err := s.svc.CloseOrder(s.ctx, so.payerID, so.id)
	if err != nil {
		s.logf("  → %s", errText(err))
		return
	}
	s.logf("  → %s", o.State)
}

// operator decides a hold: mostly a held order's, sometimes any order's
// (which must be refused or be a no-op); or, when the console lists a
// refund that failed, looks into it.
func (s *sim) operator() {
	if s.rng.IntN(2) == 0 && s.failedRefund() {
		return
	}
	var held []*simOrder
	for _, so := range s.orders {
		if s.state(so.id) == payment.Held {
			held = append(held, so)
		}
	}
	var so *simOrder
	switch {
	case len(held) > 0 && !s.roll(0.2):
		so = held[s.rng.IntN(len(held))]
	case len(s.orders) > 0:
		so = s.orders[s.rng.IntN(len(s.orders))]
	default:
		s.logf("operator: no order yet")
		return
	}
	var o payment.Order
	var err error
	if s.rng.IntN(2) == 0 {
		s.logf("operator releases the hold on %s (%s)", so.name, s.state(so.id))
		o, err = s.svc.ReleaseHold(s.ctx, so.id, "op1", "checked with the payer")
	} else {
		s.logf("operator refunds the hold on %s (%s)", so.name, s.state(so.id))
		o, err = s.svc.RefundHold(s.ctx, so.id, "op1", "payer does not recognise it")
	}
	if err != nil {
		s.logf("  → %s", errText(err))
		return
	}
	s.logf("  → %s", o.State)
}

// failedRefund is an operator working the console's refund list, failed
// refunds first: an ABNORMAL one (the payer's card could not take it) is
// rerouted at the merchant platform; a CLOSED one, or one the provider
// refused for 72 hours, is retried under a new out_refund_no.
func (s *sim) failedRefund() bool {
	rows, err := s.db.ConsoleStore().Refunds(s.ctx, 1000)
	if err != nil {
		s.violate("console refunds: %v", err)
		return false
	}
	for _, r := range rows {
		if r.Status != "failed" {
			return false // failed ones come first
		}
		rf := s.prov.byORN[r.OutRefundNo]
		if rf == nil || rf.state == payment.RefundClosed {
			res, err := s.svc.RetryRefund(s.ctx, r.OrderID, "op1", "closed or refused")
			s.logf("operator retries the failed refund %s of %s: %+v %v", r.OutRefundNo, s.nameOrder(r.OrderID), res, err)
			if err == nil {
				s.stats.retried++
			}
			return true
		}
		if rf.state != payment.RefundAbnormal {
			continue
		}
		s.logf("operator reroutes the abnormal refund %s of %s at the merchant platform", rf.orn, s.nameOrder(r.OrderID))
		s.prov.reroute(rf)
		s.stats.rerouted++
		return true
	}
	return false
}

// reconcile compares one of the last few days' trade bills (today's is not
// ready: the provider says so).
func (s *sim) reconcile() {
	date := s.clock.Now().In(payment.Beijing()).AddDate(0, 0, -s.rng.IntN(4)).Format("2006-01-02")
	diffs, err := s.svc.Reconcile(s.ctx, "wechatpay", date)
	s.logf("reconcile %s: %d differences, %s", date, len(diffs), errText(err))
	for _, d := range diffs {
		s.logf("  %s %s resolved=%v: %s", d.Kind, s.nameOTN(d.OutTradeNo), d.Resolved, d.Action)
	}
}

// issueBills gives every person the next month's pension and medical bills.
func (s *sim) issueBills() string {
	per := time.Date(2026, time.Month(5+s.months), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
	s.months++
	for _, p := range s.persons {
		s.bills[p.ID] = append(s.bills[p.ID], s.h.bill(s.t, p.ID, "110", per, pensionFen), s.h.bill(s.t, p.ID, "310", per, medicalFen))
	}
	return per
}

// billRun is the monthly bill run: new bills to pay (at most a year's).
func (s *sim) billRun() {
	if s.months == 12 {
		s.logf("bill run: nothing new")
		return
	}
	s.logf("bill run: bills for %s", s.issueBills())
}

// fault starts or ends an outage: the core system down, a provider
// incident, the merchant's balance too short for refunds, or, rarely, the
// core system down for three days or, up, refusing every posting for
// three days.
func (s *sim) fault() {
	switch r := s.rng.IntN(23); {
	case r < 10:
		s.core.down = !s.core.down
		s.logf("core system down: %v", s.core.down)
	case r >= 19 && r < 22:
		s.prov.refusing = !s.prov.refusing
		s.logf("provider refuses refunds (balance short): %v", s.prov.refusing)
	case r < 19:
		if s.faults.providerErr == s.base.providerErr {
			s.faults.providerErr = 0.6
		} else {
			s.faults.providerErr = s.base.providerErr
		}
		s.logf("provider error rate now %.2f", s.faults.providerErr)
	default:
		down := &s.core.down
		if s.rng.IntN(2) == 0 {
			down = &s.core.refusing
		}
		*down = true
		s.logf("core system down for 73 hours (refusing postings but answering lookups: %v)", s.core.refusing)
		for range 73 {
			s.move(time.Hour)
			s.safely(s.deliverSome)
			s.safely(func() { s.runDue() })
		}
		*down = false
		s.logf("core system back")
	}
}

// safely runs fn, restarting the process if it dies in it.
func (s *sim) safely(fn func()) {
	defer s.restart()
	fn()
}

// deliverSome delivers the queued notifications once each.
func (s *sim) deliverSome() {
	for range len(s.prov.queue) {
		s.deliver()
	}
}

// runDue runs jobs until none is due now.
func (s *sim) runDue() int {
	total := 0
	for i := 0; ; i++ {
		n := s.jobs()
		total += n
		if n == 0 {
			return total
		}
		if i == 200 {
			s.violate("jobs keep coming due at %s", s.at(s.clock.Now()))
			return total
		}
	}
}

// drain ends the faults and lets everything settle: payers walk away,
// notifications arrive, jobs run, and the clock moves 80 hours (past the
// 72-hour posting deadline and any hold), faster while nothing happens;
// longer, up to 160 hours, while jobs other than reconciliation are
// pending (a refund refused for good is retried for 72 hours). Halfway an
// operator works the failed refunds.
func (s *sim) drain() {
	s.step++
	s.draining = true
	s.faults = simFaults{}
	s.core.down = false
	s.prov.refusing = false
	s.handles = nil
	s.logf("drain: faults off")
	start := s.clock.Now()
	end, worked := start.Add(80*time.Hour), false
	wait := time.Minute
	for {
		busy := len(s.prov.queue)
		for len(s.prov.queue) > 0 {
			s.deliver()
		}
		busy += s.runDue()
		if !worked && s.clock.Now().Sub(start) > 40*time.Hour {
			worked = true
			for s.rng.IntN(3) != 0 && s.failedRefund() {
			}
		}
		if !s.clock.Now().Before(end) && (s.settled() || s.clock.Now().Sub(start) > 160*time.Hour) {
			break
		}
		if busy > 0 {
			wait = time.Minute
		} else {
			wait = min(2*wait, 2*time.Hour)
		}
		s.clock.Advance(wait) // not logged: every line shows the time
		s.prov.tick()
	}
}

// settled: no job is pending but the next reconciliation.
func (s *sim) settled() bool {
	pending, err := s.db.PendingJobs(s.ctx)
	if err != nil {
		s.violate("pending jobs: %v", err)
		return true
	}
	for k := range pending {
		if k != payment.JobReconcile {
			return false
		}
	}
	return true
}
