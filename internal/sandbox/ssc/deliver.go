package ssc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// notifyTimeout is the bank's patience with a notify URL: an answer after
// 5 seconds counts as a failed attempt.
const notifyTimeout = 5 * time.Second

// Run settles refunds and delivers notifications until ctx is done, then
// waits for attempts in flight. Call it once per Server. Each delivery runs
// in its own goroutine, so a slow endpoint for one order holds up no other.
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

// tick settles due refunds and starts every delivery due by the bank's clock.
func (s *Server) tick(ctx context.Context, wg *sync.WaitGroup) {
	now := s.now()
	s.mu.Lock()
	s.settleRefundsLocked(now)
	var due []*delivery
	for _, d := range s.deliveries {
		if !d.delivered && !d.exhausted && !d.inFlight && !now.Before(d.nextAt) {
			d.inFlight = true
			due = append(due, d)
		}
	}
	s.mu.Unlock()
	for _, d := range due {
		wg.Go(func() { s.attempt(ctx, d) })
	}
}

// attempt makes one delivery attempt and schedules the next on failure:
// after the k-th failed attempt the wait is schedule[k-1]; once the schedule
// is used up the delivery is given up and the agency must query.
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
		s.log.Info("ssc sandbox: notification delivered", "id", d.ev.id, "event", d.ev.eventType, "attempts", d.attempts)
		return
	}
	if d.attempts <= len(s.schedule) {
		d.nextAt = s.now().Add(s.schedule[d.attempts-1])
	} else {
		d.exhausted = true
	}
	s.log.Warn("ssc sandbox: notification not acknowledged", "id", d.ev.id, "status", status,
		"err", d.lastError, "attempts", d.attempts, "given_up", d.exhausted)
}

// post sends one freshly signed copy of ev; any 2xx acknowledges.
func (s *Server) post(ctx context.Context, ev *event) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, notifyTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ev.url, bytes.NewReader(ev.body))
	if err != nil {
		return 0, fmt.Errorf("build notification: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "shebao-ssc-sandbox/1")
	if err := s.signNotification(req.Header, ev.body); err != nil {
		return 0, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("deliver notification: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}
