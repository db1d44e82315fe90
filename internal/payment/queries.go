package payment

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/store"
	"github.com/shebao-project/shebao/internal/voucher"
)

// Reads for the API and the pages. Each takes the caller's person id and
// returns only what that person may see.

// DueBills lists the person's bills that can be paid now.
func (s *Service) DueBills(ctx context.Context, personID string) ([]billing.Bill, error) {
	all, err := s.store.BillsForPerson(ctx, personID)
	if err != nil {
		return nil, fmt.Errorf("payment: bills: %w", err)
	}
	due := all[:0]
	for _, b := range all {
		if b.Status == billing.Due {
			due = append(due, b)
		}
	}
	return due, nil
}

// Bills lists all of the person's bills, paid and due, by period: the
// contribution history (缴费记录).
func (s *Service) Bills(ctx context.Context, personID string) ([]billing.Bill, error) {
	return s.store.BillsForPerson(ctx, personID)
}

// Orders lists the orders the person paid or was paid for, newest first.
func (s *Service) Orders(ctx context.Context, personID string, limit int) ([]Order, error) {
	return s.store.OrdersForPerson(ctx, personID, limit)
}

// Events lists an order's transitions; the caller must have checked access.
func (s *Service) Events(ctx context.Context, orderID string) ([]Event, error) {
	return s.store.OrderEvents(ctx, orderID)
}

// OrderVouchers returns an order's vouchers if the person may see the order.
func (s *Service) OrderVouchers(ctx context.Context, personID, orderID string) ([]voucher.Voucher, error) {
	if _, err := s.OrderFor(ctx, personID, orderID); err != nil {
		return nil, err
	}
	return s.store.VouchersForOrder(ctx, orderID)
}

// PersonVouchers is the person's wallet (票夹).
func (s *Service) PersonVouchers(ctx context.Context, personID string) ([]voucher.Voucher, error) {
	return s.store.VouchersForPerson(ctx, personID)
}

// VoucherFor returns one voucher if the person may see its order.
func (s *Service) VoucherFor(ctx context.Context, personID, voucherID string) (voucher.Voucher, error) {
	v, err := s.store.VoucherByID(ctx, voucherID)
	if err == nil {
		_, err = s.OrderFor(ctx, personID, v.OrderID)
	}
	if errors.Is(err, store.ErrNotFound) || isNotFound(err) {
		return voucher.Voucher{}, apperr.New(apperr.NotFound, "voucher_not_found", "未找到该凭证。", "No such voucher.")
	}
	return v, err
}

func isNotFound(err error) bool {
	e, ok := apperr.As(err)
	return ok && e.Kind == apperr.NotFound
}

// Verification is the public answer about a verification code.
type Verification struct {
	Found   bool
	Voucher voucher.Voucher
	Result  voucher.Result
}

// Verify checks the stored voucher with the given public code against the
// agency's key. Anyone may ask; only signed content is returned.
func (s *Service) Verify(ctx context.Context, code string) (Verification, error) {
	v, err := s.store.VoucherByCode(ctx, code)
	if errors.Is(err, store.ErrNotFound) {
		return Verification{}, nil
	} else if err != nil {
		return Verification{}, fmt.Errorf("payment: voucher by code: %w", err)
	}
	return Verification{Found: true, Voucher: v, Result: voucher.Verify(s.signer.Public(), &v, s.now())}, nil
}

// Signer exposes the agency signer, whose public key is published.
func (s *Service) Signer() *voucher.Signer { return s.signer }

// VerifyElements checks a fiscal e-receipt by its "three elements" (票据代码,
// 票据号码, 校验码), as the national fiscal e-bill checker does: the receipt
// must exist, its signed check code must match, and its signature hold.
func (s *Service) VerifyElements(ctx context.Context, billCode, billNumber, checkCode string) (Verification, error) {
	v, err := s.store.FiscalReceiptByBillNumber(ctx, billCode, billNumber)
	if errors.Is(err, store.ErrNotFound) {
		return Verification{}, nil
	} else if err != nil {
		return Verification{}, fmt.Errorf("payment: fiscal receipt by number: %w", err)
	}
	res := voucher.Verify(s.signer.Public(), &v, s.now())
	if res.Document == nil || res.Document.Fiscal == nil || !strings.EqualFold(res.Document.Fiscal.CheckCode, strings.TrimSpace(checkCode)) {
		if res.Valid || res.Reason == voucher.ReasonExpired {
			return Verification{}, nil // the check code does not match: as if not found
		}
	}
	return Verification{Found: true, Voucher: v, Result: res}, nil
}

// Order reads an order for the platform's own use (messages, the console);
// it does not authorise: callers facing a person use OrderFor.
func (s *Service) Order(ctx context.Context, id string) (Order, error) {
	o, err := s.store.OrderByID(ctx, id)
	if err != nil {
		return Order{}, fmt.Errorf("payment: order %s: %w", id, err)
	}
	return o, nil
}

// BillsStillDue counts o's bills that are still due and held by no other
// order: what a reminder about an unfinished payment is about.
func (s *Service) BillsStillDue(ctx context.Context, o Order) (int, error) {
	bs, err := s.store.BillsByIDs(ctx, o.BillIDs)
	if err != nil {
		return 0, fmt.Errorf("payment: bills of %s: %w", o.ID, err)
	}
	n := 0
	for _, b := range bs {
		if b.Status == billing.Due && (b.OrderID == "" || b.OrderID == o.ID) {
			n++
		}
	}
	return n, nil
}
