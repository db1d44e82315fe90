package payment

import (
	"context"
	"fmt"
)

// maxAttempts bounds the attempts listed for one contribution: enough for
// any real history (each attempt is a person trying again), and a fixed
// cost per request.
const maxAttempts = 50

// Attempts is the business order an order belongs to: every attempt to pay
// the same contributions (orders that included any of its bills), oldest
// first. Each attempt has its own out_trade_no, never reused; a new attempt
// is made only after the previous unpaid one is closed at the provider and
// queried (supersede), so at most one of them can be paid.
func (s *Service) Attempts(ctx context.Context, payerID, orderID string) ([]Order, error) {
	o, err := s.OrderFor(ctx, payerID, orderID)
	if err != nil {
		return nil, err
	}
	return s.AttemptsOf(ctx, o)
}

// AttemptsOf is Attempts for an order the caller has already read with
// OrderFor, which checked that it is the payer's: GET /api/v1/orders/{id},
// which apps poll, then reads the order once, not twice.
func (s *Service) AttemptsOf(ctx context.Context, o Order) ([]Order, error) {
	all, err := s.store.OrderAttempts(ctx, o.ID, maxAttempts)
	if err != nil {
		return nil, fmt.Errorf("payment: attempts of %s: %w", o.ID, err)
	}
	// Another payer's attempts at the same bills (a family member paying
	// by proxy) are theirs to see, not this payer's.
	out := all[:0]
	for _, a := range all {
		if a.PayerID == o.PayerID {
			out = append(out, a)
		}
	}
	return out, nil
}
