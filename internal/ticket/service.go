package ticket

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shebao-project/shebao/internal/apperr"
	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/store"
)

// Job kinds the ticket service runs (register RunJob for both).
const (
	JobEscalate = "ticket.escalate" // Ref: ticket id; runs when its answer falls due
	JobNotify   = "ticket.notify"   // Ref: ticket id + ":" + event
)

const (
	minText = 5
	maxText = 2000
)

// ErrNotFound is what a person gets for a ticket that is not theirs too.
var ErrNotFound = apperr.New(apperr.NotFound, "ticket_not_found", "未找到该工单。", "No such ticket.")

// OpenParams are a citizen's new ticket.
type OpenParams struct {
	PersonID  string
	Category  string
	Text      string
	OrderID   string // checked by the caller to be the person's
	ErrorCode string
}

// FirstResponseTarget is the target in force: the console setting if an
// administrator set one, the configured default otherwise.
func (s *Service) FirstResponseTarget(ctx context.Context) time.Duration {
	v, err := s.store.Setting(ctx, SettingFirstResponse)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.log.WarnContext(ctx, "ticket target setting", "err", err)
		}
		return s.target
	}
	if m, err := strconv.Atoi(v); err == nil && m > 0 {
		return time.Duration(m) * time.Minute
	}
	return s.target
}

// SetFirstResponseTarget stores the target; it applies to tickets opened or
// reopened from now on.
func (s *Service) SetFirstResponseTarget(ctx context.Context, d time.Duration, by string) error {
	if d < time.Minute || d > 7*24*time.Hour {
		return apperr.New(apperr.Invalid, "target_invalid", "首次响应时限应在1分钟到7天之间。",
			"The first-response target must be between 1 minute and 7 days.").WithField("minutes")
	}
	return s.store.PutSetting(ctx, SettingFirstResponse, strconv.Itoa(int(d/time.Minute)), by, s.now())
}

func checkText(text string) (string, error) {
	text = strings.TrimSpace(text)
	if n := utf8.RuneCountInString(text); n < minText || n > maxText {
		return "", apperr.New(apperr.Invalid, "ticket_text_length",
			fmt.Sprintf("请用%d至%d个字描述问题。", minText, maxText),
			fmt.Sprintf("Describe the problem in %d to %d characters.", minText, maxText)).WithField("text")
	}
	return text, nil
}

// subject is the first line of text, at most 40 characters.
func subject(text string) string {
	line, _, _ := strings.Cut(text, "\n")
	r := []rune(strings.TrimSpace(line))
	if len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return string(r)
}

// Open files a ticket: the ticket, its first message, the escalation timer
// and the operators' notification commit together.
func (s *Service) Open(ctx context.Context, p OpenParams) (Ticket, error) {
	if !validCategory(p.Category) {
		return Ticket{}, apperr.New(apperr.Invalid, "ticket_category", "请选择问题类型。", "Choose what the problem is about.").WithField("category")
	}
	text, err := checkText(p.Text)
	if err != nil {
		return Ticket{}, err
	}
	id, err := s.newID()
	if err != nil {
		return Ticket{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	t := Ticket{ID: id, PersonID: p.PersonID, Category: p.Category, Subject: subject(text), OrderID: p.OrderID,
		ErrorCode: p.ErrorCode, Status: Open, CreatedAt: now, UpdatedAt: now, DueAt: now.Add(s.FirstResponseTarget(ctx)), Messages: 1}
	err = s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.InsertTicket(ctx, t); err != nil {
			return err
		}
		if err := tx.InsertTicketMessage(ctx, Message{TicketID: id, Seq: 1, Author: Citizen, Body: text, At: now}); err != nil {
			return err
		}
		if err := tx.EnqueueJob(ctx, jobs.Job{Kind: JobEscalate, Ref: id, RunAt: t.DueAt, CreatedAt: now}); err != nil {
			return err
		}
		return notify(ctx, tx, id, "opened", now)
	})
	if err != nil {
		return Ticket{}, fmt.Errorf("ticket: open: %w", err)
	}
	s.wake()
	return t, nil
}

func notify(ctx context.Context, tx Tx, id, event string, now time.Time) error {
	return tx.EnqueueJob(ctx, jobs.Job{Kind: JobNotify, Ref: id + ":" + event, RunAt: now, CreatedAt: now})
}

// ForPerson lists a person's tickets, newest first.
func (s *Service) ForPerson(ctx context.Context, personID string) ([]Ticket, error) {
	return s.store.TicketsForPerson(ctx, personID, 50)
}

// ThreadFor returns a ticket and its messages if it is the person's.
func (s *Service) ThreadFor(ctx context.Context, personID, id string) (Ticket, []Message, error) {
	t, ms, err := s.Thread(ctx, id)
	if err == nil && t.PersonID != personID {
		return Ticket{}, nil, ErrNotFound
	}
	return t, ms, err
}

// Thread returns a ticket and its messages, for operators.
func (s *Service) Thread(ctx context.Context, id string) (Ticket, []Message, error) {
	t, err := s.store.Ticket(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Ticket{}, nil, ErrNotFound
	} else if err != nil {
		return Ticket{}, nil, fmt.Errorf("ticket: %s: %w", id, err)
	}
	ms, err := s.store.TicketMessages(ctx, id)
	return t, ms, err
}

// Queue lists tickets in a status, the earliest due first.
func (s *Service) Queue(ctx context.Context, status Status, limit int) ([]Ticket, error) {
	return s.store.TicketQueue(ctx, status, limit)
}

// Stats are the help desk figures over [from, to).
func (s *Service) Stats(ctx context.Context, from, to time.Time) (Stats, error) {
	return s.store.TicketStats(ctx, from, to, s.now(), s.FirstResponseTarget(ctx))
}

func (s *Service) newID() (string, error) {
	b := make([]byte, 8)
	if _, err := io.ReadFull(s.random, b); err != nil {
		return "", fmt.Errorf("ticket: random id: %w", err)
	}
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789" // no look-alikes: ids are read out over the phone
	out := []byte("T" + s.now().In(beijing).Format("060102"))
	for _, c := range b {
		out = append(out, alphabet[int(c)%len(alphabet)])
	}
	return string(out), nil
}

// beijing is China Standard Time, fixed, as payment uses it.
var beijing = time.FixedZone("CST", 8*3600)
