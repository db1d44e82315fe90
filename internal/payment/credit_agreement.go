package payment

import (
	"context"
	"errors"
	"fmt"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/auditlog"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/money"
	"github.com/shebao-project/shebao/internal/store"
)

// creditDeps are credit pay's collaborators; all nil when it is not wired.
type creditDeps struct {
	store     CreditStore
	rules     CreditRules
	collector Collector
}

// creditTerms returns the region's credit terms now, if it offers credit
// pay and the service can run it.
func (s *Service) creditTerms(region string) (CreditTerms, bool) {
	c := s.cp
	if c.store == nil || c.rules == nil || c.collector == nil || !s.rules.ChannelAllowed(region, CreditChannel, s.now()) {
		return CreditTerms{}, false
	}
	return c.rules.CreditTerms(region, s.now())
}

var errCreditNotOffered = apperr.New(apperr.Invalid, "credit_not_offered",
	"您所在地区未开通社保信用付，请选择页面列出的其他支付方式。",
	"Credit pay is not offered in your region; choose one of the other channels listed.").WithField("channel")

// CreditStatus is what a person sees of credit pay: the terms, their
// agreement (nil if none), what they owe and what is left of the limit.
type CreditStatus struct {
	Terms     CreditTerms
	Agreement *CreditAgreement
	Credits   []Credit
	OwedFen   money.Fen
	// AvailableFen is the limit less what is owed; zero while suspended.
	AvailableFen money.Fen
	// CardReturns are card debits that repaid nothing (the credit was
	// repaid another way first) and go back to the card, newest first.
	CardReturns []CardExcess
}

// CreditStatusFor returns the person's credit pay status.
func (s *Service) CreditStatusFor(ctx context.Context, p *identity.Person) (*CreditStatus, error) {
	terms, ok := s.creditTerms(p.Region)
	if !ok {
		return nil, errCreditNotOffered
	}
	st := &CreditStatus{Terms: terms}
	// The agreement and the credits are two reads; a collection that
	// suspends the agreement changes both in one transaction. Reading the
	// agreement again after the credits and retrying if it moved gives a
	// consistent pair (no overdue credit beside an agreement still active).
	for try := 0; ; try++ {
		a, err := s.creditAgreementOrNil(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		if st.Credits, err = s.cp.store.CreditsForPerson(ctx, p.ID); err != nil {
			return nil, fmt.Errorf("payment: credits: %w", err)
		}
		again, err := s.creditAgreementOrNil(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		st.Agreement = again
		if sameAgreement(a, again) || try == 4 {
			break
		}
	}
	for _, c := range st.Credits {
		if c.Owed() {
			st.OwedFen += c.AmountFen
		}
	}
	if st.Agreement != nil && st.Agreement.Status == AgreementActive {
		st.AvailableFen = max(st.Agreement.LimitFen-st.OwedFen, 0)
	}
	var err error
	if st.CardReturns, err = s.cp.store.CardExcessesForPerson(ctx, p.ID); err != nil {
		return nil, fmt.Errorf("payment: card debits owed back: %w", err)
	}
	return st, nil
}

func (s *Service) creditAgreementOrNil(ctx context.Context, personID string) (*CreditAgreement, error) {
	a, err := s.cp.store.CreditAgreement(ctx, personID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("payment: credit agreement: %w", err)
	}
	return &a, nil
}

func sameAgreement(a, b *CreditAgreement) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Status == b.Status && a.UpdatedAt.Equal(b.UpdatedAt)
}

// mandateRef names the person's debit mandate at the bank. It is derived
// from the person id, so signing again after a lost answer reuses the
// mandate the bank may already hold instead of making a second one.
func mandateRef(personID string) string { return "CRM_" + personID }

// SignCreditAgreement records the person's agreement to credit pay at the
// region's limit, after registering the debit mandate with the card bank.
// The caller has checked a strong (step-up) session. Signing again while
// active changes nothing; a suspended agreement stays suspended until the
// overdue credit is repaid.
func (s *Service) SignCreditAgreement(ctx context.Context, p *identity.Person) (*CreditStatus, error) {
	terms, ok := s.creditTerms(p.Region)
	if !ok {
		return nil, errCreditNotOffered
	}
	if a, err := s.cp.store.CreditAgreement(ctx, p.ID); err == nil {
		if a.Status == AgreementSuspended {
			return nil, errCreditSuspended
		}
		return s.CreditStatusFor(ctx, p)
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("payment: credit agreement: %w", err)
	}
	ref := mandateRef(p.ID)
	if err := s.cp.collector.Mandate(ctx, MandateRequest{Ref: ref, HolderRef: p.ID, MaxFen: terms.LimitFen}); err != nil {
		return nil, providerDown(err)
	}
	now := s.now()
	a := CreditAgreement{PersonID: p.ID, Region: p.Region, LimitFen: terms.LimitFen, MandateRef: ref,
		Status: AgreementActive, SignedAt: now, UpdatedAt: now}
	err := s.cp.store.InCreditTx(ctx, func(tx CreditTx) error {
		if _, err := tx.LockCreditAgreement(ctx, p.ID); err == nil {
			return nil // a concurrent request signed first
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err := tx.PutCreditAgreement(ctx, a); err != nil {
			return err
		}
		return auditlog.Append(ctx, tx, auditlog.Entry{At: now, Actor: p.ID, Action: "credit.agreement.sign",
			Target: ref, Detail: "limit " + terms.LimitFen.Yuan() + " yuan"})
	})
	if err != nil {
		return nil, fmt.Errorf("payment: sign credit agreement: %w", err)
	}
	return s.CreditStatusFor(ctx, p)
}

var errCreditSuspended = apperr.New(apperr.Refused, "credit_suspended",
	"您的社保信用付因逾期未还款已暂停：请先在“信用付”页面用微信支付还清欠款，或选择其他支付方式。",
	"Your credit pay is suspended because a repayment is overdue: repay it with WeChat Pay on the credit pay page first, or choose another channel.").WithField("channel")

var errNoAgreement = apperr.New(apperr.Refused, "credit_agreement_required",
	"使用社保信用付前，请先在“信用付”页面阅读并签署信用付协议。",
	"Sign the credit pay agreement on the credit pay page before paying with credit.").WithField("channel")

var errCreditProxy = apperr.New(apperr.Invalid, "credit_not_for_proxy",
	"社保信用付只能用于缴纳本人的社保费，代他人缴费请选择其他支付方式。",
	"Credit pay is for your own contributions only; to pay for someone else choose another channel.").WithField("channel")
