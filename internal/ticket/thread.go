package ticket

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/store"
)

// change runs fn on the stored ticket inside one transaction.
func (s *Service) change(ctx context.Context, id string, fn func(Tx, *Ticket, time.Time) error) (Ticket, error) {
	var out Ticket
	err := s.store.InTx(ctx, func(tx Tx) error {
		t, err := tx.Ticket(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		now := s.now().UTC().Truncate(time.Millisecond)
		if err := fn(tx, &t, now); err != nil {
			return err
		}
		t.UpdatedAt = now
		out = t
		return tx.UpdateTicket(ctx, t)
	})
	if err == nil {
		s.wake()
	}
	return out, err
}

func addMessage(ctx context.Context, tx Tx, t *Ticket, a Author, operator, body string, at time.Time) error {
	t.Messages++
	return tx.InsertTicketMessage(ctx, Message{TicketID: t.ID, Seq: t.Messages, Author: a, Operator: operator, Body: body, At: at})
}

// CitizenReply adds the person's message. A reply to an answered or closed
// ticket opens it again, with a new due time and timer.
func (s *Service) CitizenReply(ctx context.Context, personID, id, text string) (Ticket, error) {
	text, err := checkText(text)
	if err != nil {
		return Ticket{}, err
	}
	target := s.FirstResponseTarget(ctx)
	return s.change(ctx, id, func(tx Tx, t *Ticket, now time.Time) error {
		if t.PersonID != personID {
			return ErrNotFound
		}
		if err := addMessage(ctx, tx, t, Citizen, "", text, now); err != nil {
			return err
		}
		if t.Status == Open {
			return nil // still waiting: the first due time stands
		}
		t.Status, t.DueAt, t.ClosedAt = Open, now.Add(target), time.Time{}
		if err := tx.EnqueueJob(ctx, jobs.Job{Kind: JobEscalate, Ref: t.ID, RunAt: t.DueAt, CreatedAt: now}); err != nil {
			return err
		}
		return notify(ctx, tx, t.ID, "followup."+strconv.Itoa(t.Messages), now)
	})
}

// OperatorReply adds an operator's answer; the first one stops the
// first-response clock. The citizen is notified.
func (s *Service) OperatorReply(ctx context.Context, operator, id, text string) (Ticket, error) {
	text, err := checkText(text)
	if err != nil {
		return Ticket{}, err
	}
	return s.change(ctx, id, func(tx Tx, t *Ticket, now time.Time) error {
		if err := addMessage(ctx, tx, t, Staff, operator, text, now); err != nil {
			return err
		}
		if t.FirstResponseAt.IsZero() {
			t.FirstResponseAt = now
		}
		if t.Status != Closed {
			t.Status = Answered
		}
		return notify(ctx, tx, t.ID, "reply."+strconv.Itoa(t.Messages), now)
	})
}

var errClosed = apperr.New(apperr.Conflict, "ticket_closed", "该工单已关闭。", "This ticket is closed.")

// Close ends a ticket, from either side; note goes into the thread.
func (s *Service) Close(ctx context.Context, a Author, who, id, note string) (Ticket, error) {
	return s.change(ctx, id, func(tx Tx, t *Ticket, now time.Time) error {
		if a == Citizen && t.PersonID != who {
			return ErrNotFound
		}
		if t.Status == Closed {
			return errClosed
		}
		body := "工单已关闭。"
		if note = strings.TrimSpace(note); note != "" {
			body += note
		}
		op := ""
		if a == Staff {
			op = who
		}
		if err := addMessage(ctx, tx, t, a, op, body, now); err != nil {
			return err
		}
		t.Status, t.ClosedAt = Closed, now
		if a == Staff {
			return notify(ctx, tx, t.ID, "closed."+strconv.Itoa(t.Messages), now)
		}
		return nil
	})
}

// RunJob runs JobEscalate and JobNotify.
func (s *Service) RunJob(ctx context.Context, j jobs.Job) error {
	switch j.Kind {
	case JobEscalate:
		return s.escalate(ctx, j.Ref)
	case JobNotify:
		return s.deliver(ctx, j.Ref)
	}
	return fmt.Errorf("ticket: no handler for job %s", j.Kind)
}

// escalate marks a ticket whose answer is overdue and tells the supervisors,
// once per wait; a ticket answered in time needs nothing.
func (s *Service) escalate(ctx context.Context, id string) error {
	t, err := s.store.Ticket(ctx, id)
	if err != nil || t.Status != Open || t.escalatedThisWait() {
		return err
	}
	if now := s.now(); now.Before(t.DueAt) {
		return jobs.RetryAt{At: t.DueAt} // reopened with a later due time
	}
	_, err = s.change(ctx, id, func(tx Tx, t *Ticket, now time.Time) error {
		if t.Status != Open || t.escalatedThisWait() || now.Before(t.DueAt) {
			return nil
		}
		t.EscalatedAt = now
		late := now.Sub(t.DueAt).Round(time.Minute)
		body := fmt.Sprintf("已超过答复时限%s，已升级至值班主管。", late)
		if err := addMessage(ctx, tx, t, System, "", body, now); err != nil {
			return err
		}
		return notify(ctx, tx, t.ID, "escalated", now)
	})
	return err
}

// deliver sends the notification an event calls for.
func (s *Service) deliver(ctx context.Context, ref string) error {
	id, event, ok := strings.Cut(ref, ":")
	if !ok {
		return fmt.Errorf("ticket: notify ref %q", ref)
	}
	t, err := s.store.Ticket(ctx, id)
	if err != nil {
		return err
	}
	kind, _, _ := strings.Cut(event, ".")
	n := Notice{Ticket: t}
	switch kind {
	case "opened", "followup":
		n.Kind, n.To = NoticeNew, Operators
	case "reply", "closed":
		n.Kind, n.To = NoticeAnswered, TheCitizen
	case "escalated":
		n.Kind, n.To = NoticeEscalated, Supervisors
	default:
		return fmt.Errorf("ticket: notify event %q", event)
	}
	return s.notifier.Notify(ctx, n)
}
