package wechatpay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// notifyTimeout is WeChat's patience with a notify_url: the merchant must
// answer within 5 seconds or the attempt counts as failed.
const notifyTimeout = 5 * time.Second

// Run delivers notifications and settles refunds until ctx is done, then
// waits for attempts in flight to stop. Call it once per Server. Deliveries
// run concurrently, each in its own goroutine, so a slow merchant endpoint
// for one order does not hold up another.
func (s *Server) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	t := time.NewTicker(s.poll)
	defer t.Stop()
	for {
		s.tick(ctx, &wg)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wake:
		}
	}
}

// tick starts every delivery that is due by the sandbox clock.
func (s *Server) tick(ctx context.Context, wg *sync.WaitGroup) {
	now := s.now()
	s.mu.Lock()
	s.settleRefundsLocked(now, true)
	var due []*delivery
	for _, d := range s.deliveries {
		if !d.delivered && !d.exhausted && !d.inFlight && !now.Before(d.nextAt) {
			d.inFlight = true
			due = append(due, d)
		}
	}
	reorder := s.faults.Reorder
	s.mu.Unlock()
	if len(due) == 0 {
		return
	}
	if reorder {
		slices.Reverse(due) // newest first, one at a time, so the order is observable
		wg.Go(func() {
			for _, d := range due {
				s.attempt(ctx, d)
			}
		})
		return
	}
	for _, d := range due {
		wg.Go(func() { s.attempt(ctx, d) })
	}
}

// attempt makes one delivery attempt and schedules the next on failure:
// after the k-th failed attempt the wait is schedule[k-1]; once the schedule
// is used up the delivery is given up, as WeChat gives up after 24h4m.
func (s *Server) attempt(ctx context.Context, d *delivery) {
	s.mu.Lock()
	dropped := s.faults.DropNotifications > 0
	if dropped {
		s.faults.DropNotifications--
	}
	s.mu.Unlock()

	var status int
	var err error
	if dropped {
		err = errors.New("lost in transit (drop_notifications fault)")
	} else {
		status, err = s.post(ctx, d.ev)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	d.inFlight = false
	if err != nil && ctx.Err() != nil {
		return // shutting down: the attempt did not happen
	}
	d.attempts++
	d.lastStatus, d.lastError = status, ""
	if err != nil {
		d.lastError = err.Error()
	}
	if err == nil && status >= 200 && status < 300 {
		d.delivered = true
		s.log.Info("wechatpay sandbox: notification delivered", "id", d.ev.id, "event", d.ev.eventType, "attempts", d.attempts)
		return
	}
	if d.attempts <= len(s.schedule) {
		d.nextAt = s.now().Add(s.schedule[d.attempts-1])
	} else {
		d.exhausted = true
	}
	s.log.Warn("wechatpay sandbox: notification not acknowledged", "id", d.ev.id, "status", status,
		"err", d.lastError, "attempts", d.attempts, "given_up", d.exhausted)
}

// post sends one signed copy of ev. WeChat counts only the HTTP status: any
// 2xx acknowledges, whatever the body says.
func (s *Server) post(ctx context.Context, ev *event) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, notifyTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ev.url, bytes.NewReader(ev.body))
	if err != nil {
		return 0, fmt.Errorf("build notification: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Mozilla/4.0 (shebao WeChat Pay sandbox)")
	if err := s.signHeaders(req.Header, ev.body); err != nil {
		return 0, err
	}
	req.Header.Set("Wechatpay-Signature-Type", authSchema)
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("deliver notification: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}
