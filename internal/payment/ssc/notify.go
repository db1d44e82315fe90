package ssc

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/shebao-project/shebao/internal/payment"
)

// event is a notification body (doc.go, "Notifications").
type event struct {
	ID         string  `json:"id"`
	EventType  string  `json:"event_type"`
	CreateTime string  `json:"create_time"`
	Debit      *debit  `json:"debit"`
	Refund     *refund `json:"refund"`
}

// maxNotification bounds a notification body; real ones are under 1 KiB.
const maxNotification = 64 << 10

// readEvent verifies a notification request and decodes it. Every failure
// wraps payment.ErrBadNotification: the caller answers non-2xx and the bank
// retries, which is right for a transient clock skew and harmless for a
// forgery.
func (p *Provider) readEvent(r *http.Request) (*event, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxNotification+1))
	if err != nil {
		return nil, fmt.Errorf("%w: read body: %v", payment.ErrBadNotification, err)
	}
	if len(body) > maxNotification {
		return nil, fmt.Errorf("%w: body over %d bytes", payment.ErrBadNotification, maxNotification)
	}
	sg, err := readSigned(r.Header)
	if err == nil && sg.merchant != p.cfg.MerchantID {
		err = fmt.Errorf("%w: notification for merchant %q", errSignature, sg.merchant)
	}
	if err == nil {
		err = p.verifier.verify(sg, signingString(tagNotify, sg.merchant, sg.timestamp, sg.nonce, string(body)))
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", payment.ErrBadNotification, err)
	}
	var ev event
	if err := json.Unmarshal(body, &ev); err != nil || ev.ID == "" {
		return nil, fmt.Errorf("%w: malformed event", payment.ErrBadNotification)
	}
	return &ev, nil
}

// ParseNotification implements payment.Provider for DEBIT.* events. A
// DEBIT.FAILED event (frozen card, PIN locked) parses with TradeState
// PAYERROR; the order logic acts only on SUCCESS.
func (p *Provider) ParseNotification(_ context.Context, r *http.Request) (*payment.Notification, error) {
	ev, err := p.readEvent(r)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(ev.EventType, "DEBIT.") || ev.Debit == nil || ev.Debit.MerchantID != p.cfg.MerchantID {
		return nil, fmt.Errorf("%w: %s is not a debit event for this merchant", payment.ErrBadNotification, ev.EventType)
	}
	t, err := ev.Debit.txn()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", payment.ErrBadNotification, err)
	}
	return &payment.Notification{ID: ev.ID, EventType: ev.EventType, Txn: *t}, nil
}

// ParseRefundNotification implements payment.Provider for REFUND.* events.
func (p *Provider) ParseRefundNotification(_ context.Context, r *http.Request) (*payment.RefundStatus, string, error) {
	ev, err := p.readEvent(r)
	if err != nil {
		return nil, "", err
	}
	if !strings.HasPrefix(ev.EventType, "REFUND.") || ev.Refund == nil || ev.Refund.MerchantID != p.cfg.MerchantID {
		return nil, "", fmt.Errorf("%w: %s is not a refund event for this merchant", payment.ErrBadNotification, ev.EventType)
	}
	return ev.Refund.status(), ev.ID, nil
}
