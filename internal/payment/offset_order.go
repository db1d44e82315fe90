package payment

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/auditlog"
	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/store"
)

// createOffsetOrder pays a relative's bills from the payer's medical
// personal account. Everything is checked before anything is written (the
// grant and its relationship, which bills may be offset, the channel limits,
// the second factor above the review line, the balance); the
// order is then stored with its bills locked and a job that settles the
// debit should this request not see its answer, and the debit is asked for
// at once. The person normally gets the order back already paid and on its
// way to the core system; when the core system's answer is lost, the order
// is "created" and the job finds out.
func (s *Service) createOffsetOrder(ctx context.Context, payer, insured *identity.Person, req CreateOrderRequest, ids []string, hash []byte) (*OrderWithPay, error) {
	terms, ok := s.offsetTerms(insured.Region)
	if !ok {
		return nil, s.errChannel(insured.Region)
	}
	if insured.Region != payer.Region {
		return nil, errOffsetOtherRegion
	}
	if req.GrantID == "" || insured.ID == payer.ID {
		return nil, errOffsetNeedsGrant
	}
	g, err := s.persons.ActiveGrant(ctx, req.GrantID, payer.ID, s.now())
	if err != nil {
		return nil, err
	}
	if !slices.Contains(terms.Relationships, g.Relationship) {
		return nil, errOffsetRelationship(terms.Relationships)
	}
	bills, err := s.payableBills(ctx, insured, ids)
	if err != nil {
		return nil, err
	}
	if err := inScope(bills, g.Insurances); err != nil {
		return nil, err
	}
	if err := offsettable(bills, terms); err != nil {
		return nil, err
	}
	if err := s.checkLimits(ctx, payer, OffsetChannel, bills); err != nil {
		return nil, err
	}
	if err := s.checkConfirmed(req, bills); err != nil {
		return nil, err
	}
	if err := s.checkBalance(ctx, payer, bills); err != nil {
		return nil, err
	}
	prev, superseded, err := s.supersede(ctx, payer.ID, req.IdempotencyKey, bills)
	if err != nil {
		return nil, err
	} else if prev != nil {
		return s.replay(ctx, payer, *prev, hash)
	}
	o, err := s.newOrder(payer, req, ids, bills, hash)
	if err != nil {
		return nil, err
	}
	o.Supersedes, o.PersonID, o.Region = superseded, insured.ID, insured.Region
	if err := s.insertOffsetOrder(ctx, o, g.Relationship); errors.Is(err, store.ErrConflict) {
		if prev, err2 := s.store.OrderByIdempotencyKey(ctx, payer.ID, req.IdempotencyKey); err2 == nil {
			return s.replay(ctx, payer, prev, hash)
		}
		return nil, errBillsBusy.Wrap(err)
	} else if err != nil {
		return nil, err
	}
	if err := s.debitOffset(ctx, o.ID); err != nil {
		var ae *apperr.Error
		if errors.As(err, &ae) {
			return nil, err // refused by the core system: the order failed, the bills are free
		}
		// Outcome unknown: the job settles it now, and the person follows
		// the order, which is created until then.
		s.log.WarnContext(ctx, "offset debit outcome unknown; the job settles it", "order", o.ID, "err", err)
		if err := s.store.InTx(ctx, func(tx Tx) error {
			return tx.EnqueueJob(ctx, jobs.Job{Kind: JobOffsetDebit, Ref: o.ID, RunAt: s.now()})
		}); err != nil {
			s.log.ErrorContext(ctx, "enqueue offset settlement", "order", o.ID, "err", err)
		}
		s.wake()
	}
	out, err := s.store.OrderByID(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	return &OrderWithPay{Order: out}, nil
}

// offsetResolveAfter is when the settling job first runs if the request
// that created the order dies before it sees the core system's answer.
const offsetResolveAfter = 30 * time.Second

// insertOffsetOrder stores the order, its locked bills, its first event, its
// audit entries and the job that settles its debit, in one transaction.
func (s *Service) insertOffsetOrder(ctx context.Context, o Order, relationship string) error {
	return s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.InsertOrder(ctx, o); err != nil {
			return err
		}
		if err := tx.LockBills(ctx, o.ID, o.BillIDs); err != nil {
			return err
		}
		if err := tx.InsertEvent(ctx, Event{OrderID: o.ID, To: Created, Reason: "order created: family offset from the payer's medical personal account", At: o.CreatedAt}); err != nil {
			return err
		}
		if err := auditlog.Append(ctx, tx, auditlog.Entry{At: o.CreatedAt, Actor: o.PayerID, Action: "grant.use",
			Target: o.ID, Detail: "pays for " + o.PersonID}); err != nil {
			return err
		}
		if err := auditlog.Append(ctx, tx, auditlog.Entry{At: o.CreatedAt, Actor: o.PayerID, Action: "offset.request",
			Target: o.ID, Detail: fmt.Sprintf("%s yuan from the medical personal account for %s (%s)", o.AmountFen.Yuan(), o.PersonID, relationship)}); err != nil {
			return err
		}
		return tx.EnqueueJob(ctx, jobs.Job{Kind: JobOffsetDebit, Ref: o.ID, RunAt: o.CreatedAt.Add(offsetResolveAfter)})
	})
}

// offsettable refuses bills the region does not let the offset pay, naming
// the first and saying to pay it another way.
func offsettable(bills []billing.Bill, terms OffsetTerms) error {
	for i, b := range bills {
		if slices.Contains(terms.Insurances, b.Insurance) {
			continue
		}
		e := apperr.New(apperr.Invalid, "offset_insurance_not_allowed",
			fmt.Sprintf("家庭共济只能抵扣城乡居民医保（险种 %s）；所选的 %s 账单（险种 %s）不能用个人账户抵扣，请取消勾选后用微信支付等其他方式另行缴纳。",
				strings.Join(terms.Insurances, "、"), b.Period, b.Insurance),
			fmt.Sprintf("The family offset pays resident medical insurance only (insurance %s); the %s bill (insurance %s) cannot be paid from the personal account. Untick it and pay it by WeChat Pay or another channel.",
				strings.Join(terms.Insurances, "、"), b.Period, b.Insurance)).WithField(fmt.Sprintf("bill_ids[%d]", i))
		e.Allowed = terms.Insurances
		return e
	}
	return nil
}

// checkBalance asks the core system for the payer's balance and refuses an
// order it cannot cover, saying how much there is and which of the bills
// would fit.
func (s *Service) checkBalance(ctx context.Context, payer *identity.Person, bills []billing.Bill) error {
	bal, err := s.off.accounts.Balance(ctx, payer.IDNumber)
	if errors.Is(err, ErrNoMedicalAccount) {
		return errNoMedicalAccount
	} else if err != nil {
		return errAccountsDown.Wrap(err)
	}
	var total money.Fen
	for _, b := range bills {
		total += b.AmountFen
	}
	if total <= bal {
		return nil
	}
	return errOffsetBalance(bal, total, bills)
}

// OffsetRefusal is what an insufficient balance answers with: the balance,
// the amount asked, and the bills that the balance would cover on their own
// (pay those by offset and the rest by another channel).
type OffsetRefusal struct {
	BalanceFen  money.Fen `json:"balance_fen"`
	AmountFen   money.Fen `json:"amount_fen"`
	FitsBillIDs []string  `json:"fits_bill_ids"`
}

func errOffsetBalance(balance, amount money.Fen, bills []billing.Bill) error {
	ref := OffsetRefusal{BalanceFen: balance, AmountFen: amount, FitsBillIDs: []string{}}
	left := balance
	for _, b := range bills {
		if b.AmountFen <= left {
			ref.FitsBillIDs = append(ref.FitsBillIDs, b.ID)
			left -= b.AmountFen
		}
	}
	zh := fmt.Sprintf("您的职工医保个人账户余额为 %s，不足以抵扣本次应缴 %s（差 %s）。", balance.Display(), amount.Display(), (amount - balance).Display())
	en := fmt.Sprintf("Your employee medical personal account holds %s, less than the %s due (%s short). ", balance.Display(), amount.Display(), (amount - balance).Display())
	if len(ref.FitsBillIDs) > 0 {
		zh += fmt.Sprintf("可先用个人账户抵扣其中 %d 笔，其余改用微信支付等其他方式缴纳。", len(ref.FitsBillIDs))
		en += fmt.Sprintf("Offset the %d bill(s) the balance covers and pay the rest by WeChat Pay or another channel.", len(ref.FitsBillIDs))
	} else {
		zh += "请改用微信支付等其他方式缴纳。"
		en += "Pay by WeChat Pay or another channel instead."
	}
	e := apperr.New(apperr.Refused, "offset_balance_insufficient", zh, en).WithField("channel")
	e.Allowed = ref
	return e
}

var (
	errOffsetNeedsGrant = apperr.New(apperr.Invalid, "family_grant_required",
		"家庭共济用于为配偶、父母、子女缴纳城乡居民医保：请先在“代缴授权”中取得家属的授权，再从家属的账单进入缴费；本人的账单请选择其他支付方式。",
		"The family offset pays a spouse's, parent's or child's resident medical insurance: get the family member's grant under Proxy grants first and pay from their bills; pay your own bills by another channel.").WithField("grant_id")
	errOffsetOtherRegion = apperr.New(apperr.Invalid, "offset_other_region",
		"家庭共济只能为同一参保地的家人缴费：您与该家人不在同一统筹地区，请选择其他支付方式。",
		"The family offset pays only for family members insured in your own region; this family member is insured elsewhere. Choose another channel.").WithField("channel")
	errNoMedicalAccount = apperr.New(apperr.Refused, "medical_account_not_found",
		"核心系统中没有您的职工医保个人账户，不能使用家庭共济；请选择其他支付方式，或到医保经办机构核实。",
		"The core system has no employee medical personal account for you, so the family offset cannot be used; choose another channel, or check with the medical insurance agency.").WithField("channel")
	errAccountsDown = apperr.New(apperr.Unavailable, "medical_account_unavailable",
		"暂时无法查询医保个人账户，请稍后再试，或选择其他支付方式；您的账户未被扣款。",
		"The medical personal account cannot be reached right now. Try again later or choose another channel; nothing was taken from your account.")
)

func errOffsetRelationship(allowed []string) error {
	e := apperr.New(apperr.Forbidden, "offset_relationship_not_allowed",
		"家庭共济只能为配偶、父母、子女缴费；您与该参保人的授权关系不在此列，请选择其他支付方式。",
		"The family offset may pay only for a spouse, parent or child; your grant with this person records another relationship. Choose another channel.").WithField("grant_id")
	e.Allowed = allowed
	return e
}
