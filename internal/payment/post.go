package payment

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/ledger"
	"github.com/shebao-project/shebao/internal/store"
)

// RunJob dispatches the payment service's durable jobs; register it with
// the job runner for JobPost, JobExpire and JobQuery.
// JobKinds are the job kinds RunJob handles: register each with the
// runner (the payer's notice jobs, JobNotice*, belong to the notice
// service).
func JobKinds() []string {
	return []string{JobPost, JobExpire, JobQuery, JobRefund, JobHoldExpire, JobReconcile, JobPostingCheck, JobCreditCollect, JobRepayQuery, JobRepayRefund, JobCardExcessRefund}
}

func (s *Service) RunJob(ctx context.Context, j jobs.Job) error {
	switch j.Kind {
	case JobPost:
		return s.post(ctx, j.Ref)
	case JobExpire:
		return s.expire(ctx, j.Ref)
	case JobQuery:
		return s.query(ctx, j.Ref)
	case JobRefund:
		return s.refund(ctx, j.Ref)
	case JobHoldExpire:
		return s.holdExpire(ctx, j.Ref)
	case JobReconcile:
		return s.reconcileJob(ctx, j.Ref)
	case JobPostingCheck:
		return s.postingCheck(ctx, j.Ref)
	case JobCreditCollect:
		return s.collectCredit(ctx, j.Ref)
	case JobRepayQuery:
		return s.repayQuery(ctx, j.Ref)
	case JobRepayRefund:
		return s.repayRefund(ctx, j.Ref)
	case JobCardExcessRefund:
		return s.cardExcessRefund(ctx, j.Ref)
	}
	return fmt.Errorf("payment: unknown job kind %q", j.Kind)
}

// post sends a paid order to the core system and, once it is accepted,
// credits the order and issues its vouchers in one transaction. A failure
// before that transaction leaves the order in posting for the job to retry;
// the core system de-duplicates by posting id, so a retry after a lost
// answer does not post twice.
func (s *Service) post(ctx context.Context, id string) error {
	o, err := s.store.OrderByID(ctx, id)
	if err != nil {
		return fmt.Errorf("payment: post %s: %w", id, err)
	}
	switch o.State {
	case Paid:
		if err := s.change(ctx, id, func(tx Tx, cur *Order) error {
			if cur.State != Paid {
				return nil
			}
			return s.transition(ctx, tx, cur, Posting, "posting to core system")
		}); err != nil {
			return err
		}
	case Posting:
	default:
		return nil // credited already, or held for an operator
	}
	// Read once for both the posting and the vouchers: what they use of a
	// paid order (its people, bills, amounts, transaction) no longer changes.
	pf, err := s.readPaidFacts(ctx, o)
	if err != nil {
		return err
	}
	ref, err := s.core.Post(ctx, corePostingOf(o, pf))
	if err != nil {
		if s.now().Sub(o.PaidAt) >= postingDeadline {
			return s.giveUpPosting(ctx, id, err)
		}
		return fmt.Errorf("payment: core posting of %s: %w", id, err)
	}
	return s.creditWith(ctx, o, pf, ref)
}

// giveUpPosting ends 72 hours of failed posting (seed §4: then the money
// goes back by the original route). But an earlier attempt may have been
// accepted with its answer lost: refunding then would leave the
// contribution credited in the core system and the money returned too. So
// the core system is asked first: accepted means credit; known not to have
// it means refund; no answer means an operator decides, with the money
// held.
func (s *Service) giveUpPosting(ctx context.Context, id string, postErr error) error {
	ref, err := s.core.Lookup(ctx, id)
	switch {
	case err == nil:
		s.log.WarnContext(ctx, "posting accepted earlier, its answer lost; crediting", "order", id, "ref", ref)
		return s.credit(ctx, id, ref)
	case errors.Is(err, ErrPostingNotFound):
		s.log.ErrorContext(ctx, "posting gave up; refunding", "order", id, "err", postErr)
		return s.change(ctx, id, func(tx Tx, cur *Order) error {
			if cur.State != Posting {
				return nil
			}
			return s.startRefundTx(ctx, tx, cur, "not accepted by the core system within 72 hours")
		})
	}
	s.log.ErrorContext(ctx, "posting gave up and the core system cannot say whether it has it; holding", "order", id, "err", err)
	return s.change(ctx, id, func(tx Tx, cur *Order) error {
		if cur.State != Posting {
			return nil
		}
		cur.HoldReason = holdCoreUnknown + ": check whether it has posting " + id + ", then release (it has) or refund (it has not)"
		cur.HoldUntil = time.Time{}
		if err := s.transition(ctx, tx, cur, Held, cur.HoldReason); err != nil {
			return err
		}
		return tx.EnqueueJob(ctx, jobs.Job{Kind: JobPostingCheck, Ref: id, RunAt: s.now().Add(postingCheckEvery)})
	})
}

// holdCoreUnknown starts the reason of a hold for a posting whose fate the
// core system could not tell; postingCheck settles such holds by itself
// once it can, unless an operator decided first.
const holdCoreUnknown = "core system unreachable for 72 hours"

// postingCheckEvery is how often such a hold asks the core system again.
const postingCheckEvery = time.Hour

// postingCheck asks the core system again about a held posting: it has it
// → credit (the posting is idempotent, so posting again returns its
// reference); it has not → refund, as after 72 hours of refusals; still no
// answer → ask again later. An operator's decision in between wins.
func (s *Service) postingCheck(ctx context.Context, id string) error {
	o, err := s.store.OrderByID(ctx, id)
	if err != nil {
		return fmt.Errorf("payment: posting check %s: %w", id, err)
	}
	if o.State != Held || !strings.HasPrefix(o.HoldReason, holdCoreUnknown) {
		return nil
	}
	_, err = s.core.Lookup(ctx, id)
	switch {
	case err == nil:
		_, err = s.ReleaseHold(ctx, id, "system", "the core system has the posting")
		return err
	case errors.Is(err, ErrPostingNotFound):
		_, err = s.RefundHold(ctx, id, "system", "the core system confirms it has no posting")
		return err
	}
	return jobs.RetryAt{At: s.now().Add(postingCheckEvery)}
}

// paidFacts is what posting a paid order and issuing its vouchers read
// besides the order: the insured person, the payer and the bills.
type paidFacts struct {
	insured, payer *identity.Person
	bills          []billing.Bill
}

func (s *Service) readPaidFacts(ctx context.Context, o Order) (paidFacts, error) {
	insured, err := s.persons.Person(ctx, o.PersonID)
	if err != nil {
		return paidFacts{}, err
	}
	payer := insured
	if o.PayerID != o.PersonID {
		if payer, err = s.persons.Person(ctx, o.PayerID); err != nil {
			return paidFacts{}, err
		}
	}
	bills, err := s.orderBills(ctx, o)
	if err != nil {
		return paidFacts{}, err
	}
	return paidFacts{insured: insured, payer: payer, bills: bills}, nil
}

func corePostingOf(o Order, pf paidFacts) CorePosting {
	p := CorePosting{
		PostingID: o.ID, Region: o.Region, IDNumber: pf.insured.IDNumber, Name: pf.insured.Name,
		TransactionID: o.TransactionID, PaidAt: o.PaidAt, TotalFen: o.AmountFen,
	}
	for _, b := range pf.bills {
		p.Lines = append(p.Lines, PostingLine{Insurance: b.Insurance, Period: b.Period, BaseFen: b.BaseFen, AmountFen: b.AmountFen})
	}
	return p
}

func (s *Service) orderBills(ctx context.Context, o Order) ([]billing.Bill, error) {
	bills, err := s.store.BillsByIDs(ctx, o.BillIDs)
	if err != nil {
		return nil, fmt.Errorf("payment: bills of %s: %w", o.ID, err)
	}
	if len(bills) != len(o.BillIDs) {
		return nil, fmt.Errorf("payment: order %s has %d bills, found %d", o.ID, len(o.BillIDs), len(bills))
	}
	return bills, nil
}

// credit credits an order the core system accepted as ref and issues its
// vouchers.
func (s *Service) credit(ctx context.Context, id, ref string) error {
	o, err := s.store.OrderByID(ctx, id)
	if err != nil {
		return err
	}
	pf, err := s.readPaidFacts(ctx, o)
	if err != nil {
		return err
	}
	return s.creditWith(ctx, o, pf, ref)
}

// creditWith is credit given the order, as read at any time since it was
// paid, and its facts: the transaction acts only if the stored order is
// still posting.
func (s *Service) creditWith(ctx context.Context, o Order, pf paidFacts, ref string) error {
	issued := s.buildVouchers(o, pf, ref)
	return s.changeShared(ctx, o.ID, func(tx Tx, cur *Order) error {
		if cur.State != Posting {
			return nil
		}
		cur.CoreRef = ref
		cur.CreditedAt = s.now()
		if err := s.transition(ctx, tx, cur, Credited, "posted to core system as "+ref); err != nil {
			return err
		}
		if err := tx.MarkBillsPaid(ctx, cur.ID); err != nil {
			return err
		}
		if err := tx.RecordPosting(ctx, ledger.Credit(cur.ID, issued.lines()), s.now()); err != nil {
			return fmt.Errorf("payment: ledger credit %s: %w", cur.ID, err)
		}
		vs, err := s.storeVouchers(ctx, tx, issued)
		if err != nil {
			return err
		}
		return s.logEvidence(ctx, tx, cur, issued, vs)
	})
}

// postingDeadline is how long a paid order's posting is retried before its
// money is refunded (seed §4).
const postingDeadline = 72 * time.Hour

// expire closes an order nobody paid in time.
func (s *Service) expire(ctx context.Context, id string) error {
	o, err := s.store.OrderByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if o.State != Created && o.State != AwaitingPayment {
		return nil
	}
	err = s.closeUnpaid(ctx, id, reasonExpired)
	if errors.Is(err, errBillsBusy) {
		return nil // it turned out to be paid; the payment path took over
	}
	return err
}

// query polls the provider for an order still awaiting payment.
func (s *Service) query(ctx context.Context, id string) error {
	o, err := s.store.OrderByID(ctx, id)
	if err != nil {
		return err
	}
	if o.State != AwaitingPayment {
		return nil
	}
	if err := s.reconcile(ctx, o); err != nil {
		return err
	}
	next := s.now().Add(queryDelay)
	if next.Before(o.ExpiresAt) {
		return jobs.RetryAt{At: next}
	}
	return nil
}
