package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/store"
	"github.com/shebao-project/shebao/internal/ticket"
)

type ticketStore struct{ d *DB }

type ticketTx struct{ x q }

func (s ticketStore) InTx(ctx context.Context, fn func(ticket.Tx) error) error {
	return s.d.InTx(ctx, func(tx *Tx) error { return fn(ticketTx{tx.q}) })
}

const ticketColumns = `id, person_id, category, subject, order_id, error_code, status, created_at, updated_at, due_at,
	first_response_at, escalated_at, closed_at, messages`

func scanTicket(row scanner) (ticket.Ticket, error) {
	var t ticket.Ticket
	var created, updated, due, first, escalated, closed int64
	err := row.Scan(&t.ID, &t.PersonID, &t.Category, &t.Subject, &t.OrderID, &t.ErrorCode, &t.Status,
		&created, &updated, &due, &first, &escalated, &closed, &t.Messages)
	t.CreatedAt, t.UpdatedAt, t.DueAt = fromMS(created), fromMS(updated), fromMS(due)
	t.FirstResponseAt, t.EscalatedAt, t.ClosedAt = fromZMS(first), fromZMS(escalated), fromZMS(closed)
	return t, translate(err)
}

func (s ticketStore) Ticket(ctx context.Context, id string) (ticket.Ticket, error) {
	return scanTicket(s.d.reader().db.QueryRowContext(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE id = $1`, id))
}

// Ticket reads a ticket the transaction is about to change (a reply reads
// the message count, then writes message count+1 and the new count). The
// row is locked until commit, so two replies to one ticket from two app
// servers take turns, as SQLite's single writer makes them, instead of both
// writing the same message number.
func (t ticketTx) Ticket(ctx context.Context, id string) (ticket.Ticket, error) {
	return scanTicket(t.x.db.QueryRowContext(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE id = $1 FOR NO KEY UPDATE`, id))
}

func (t ticketTx) InsertTicket(ctx context.Context, k ticket.Ticket) error {
	return t.x.insert(ctx, "ticket "+k.ID, `INSERT INTO tickets (`+ticketColumns+`)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14) ON CONFLICT DO NOTHING`,
		k.ID, k.PersonID, k.Category, k.Subject, k.OrderID, k.ErrorCode, k.Status, ms(k.CreatedAt), ms(k.UpdatedAt),
		ms(k.DueAt), zms(k.FirstResponseAt), zms(k.EscalatedAt), zms(k.ClosedAt), k.Messages)
}

func (t ticketTx) UpdateTicket(ctx context.Context, k ticket.Ticket) error {
	n, err := t.x.rowsAffected(t.x.db.ExecContext(ctx, `UPDATE tickets SET status = $1, updated_at = $2, due_at = $3,
		first_response_at = $4, escalated_at = $5, closed_at = $6, messages = $7 WHERE id = $8`,
		k.Status, ms(k.UpdatedAt), ms(k.DueAt), zms(k.FirstResponseAt), zms(k.EscalatedAt), zms(k.ClosedAt), k.Messages, k.ID))
	if err == nil && n != 1 {
		err = fmt.Errorf("%w: ticket %s", store.ErrNotFound, k.ID)
	}
	return err
}

func (t ticketTx) InsertTicketMessage(ctx context.Context, m ticket.Message) error {
	return t.x.insert(ctx, fmt.Sprintf("message %d of ticket %s", m.Seq, m.TicketID), `INSERT INTO ticket_messages (ticket_id, seq, author, operator, body, at)
		VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT DO NOTHING`, m.TicketID, m.Seq, m.Author, m.Operator, m.Body, ms(m.At))
}

func (t ticketTx) EnqueueJob(ctx context.Context, j jobs.Job) error { return t.x.EnqueueJob(ctx, j) }

func (s ticketStore) TicketMessages(ctx context.Context, id string) ([]ticket.Message, error) {
	rows, err := s.d.reader().db.QueryContext(ctx, `SELECT ticket_id, seq, author, operator, body, at FROM ticket_messages
		WHERE ticket_id = $1 ORDER BY seq`, id)
	return scanAll(rows, err, func(r scanner) (ticket.Message, error) {
		var m ticket.Message
		var at int64
		err := r.Scan(&m.TicketID, &m.Seq, &m.Author, &m.Operator, &m.Body, &at)
		m.At = fromMS(at)
		return m, err
	})
}

func (s ticketStore) TicketQueue(ctx context.Context, status ticket.Status, limit int) ([]ticket.Ticket, error) {
	order := "due_at"
	if status != ticket.Open {
		order = "updated_at DESC"
	}
	rows, err := s.d.reader().db.QueryContext(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE status = $1 ORDER BY `+order+` LIMIT $2`, status, limit)
	return scanAll(rows, err, scanTicket)
}

func (s ticketStore) TicketsForPerson(ctx context.Context, personID string, limit int) ([]ticket.Ticket, error) {
	rows, err := s.d.reader().db.QueryContext(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE person_id = $1
		ORDER BY created_at DESC LIMIT $2`, personID, limit)
	return scanAll(rows, err, scanTicket)
}

// beijingDay is the Beijing calendar day (UTC+8, no daylight saving since
// 1991) of a millisecond column, as YYYY-MM-DD. Integer arithmetic, like
// SQLite's strftime over col/1000 + 28800, so neither the session's time
// zone nor DateStyle can change the answer.
func beijingDay(col string) string {
	return `to_char(date '1970-01-01' + ((` + col + ` + 28800000) / 86400000)::int, 'YYYY-MM-DD')`
}

func (s ticketStore) TicketStats(ctx context.Context, from, to, now time.Time, target time.Duration) (ticket.Stats, error) {
	var st ticket.Stats
	var avg sql.NullFloat64
	r := s.d.reader().db
	err := r.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM tickets WHERE created_at >= $1 AND created_at < $2),
		(SELECT count(*) FROM tickets WHERE status = 'open'),
		(SELECT count(*) FROM tickets WHERE status = 'open' AND due_at <= $3),
		(SELECT count(*) FROM tickets WHERE escalated_at >= $1 AND escalated_at < $2),
		count(*), avg(first_response_at - created_at)::float8,
		count(*) FILTER (WHERE first_response_at - created_at <= $4)
		FROM tickets WHERE first_response_at >= $1 AND first_response_at < $2 AND first_response_at > 0`,
		ms(from), ms(to), ms(now), target.Milliseconds()).
		Scan(&st.Opened, &st.OpenNow, &st.OverdueNow, &st.Escalated, &st.Responded, &avg, &st.WithinTarget)
	if err != nil {
		return st, translate(err)
	}
	st.AvgFirstResponse = time.Duration(avg.Float64 * float64(time.Millisecond))
	rows, err := r.QueryContext(ctx, `SELECT `+beijingDay("created_at")+` AS day, count(*) FROM tickets
		WHERE created_at >= $1 AND created_at < $2 GROUP BY day ORDER BY day`, ms(from), ms(to))
	st.PerDay, err = scanAll(rows, err, func(r scanner) (ticket.DayCount, error) {
		var d ticket.DayCount
		err := r.Scan(&d.Date, &d.Opened)
		return d, err
	})
	return st, err
}

func (s ticketStore) FAQEntries(ctx context.Context, activeOnly bool) ([]ticket.Entry, error) {
	rows, err := s.d.reader().db.QueryContext(ctx, `SELECT id, category, question, answer, keywords, active, updated_at, updated_by
		FROM faq_entries WHERE active OR NOT $1::boolean ORDER BY id`, activeOnly)
	return scanAll(rows, err, func(r scanner) (ticket.Entry, error) {
		var e ticket.Entry
		var at int64
		err := r.Scan(&e.ID, &e.Category, &e.Question, &e.Answer, &e.Keywords, &e.Active, &at, &e.UpdatedBy)
		e.UpdatedAt = fromMS(at)
		return e, err
	})
}

func (s ticketStore) PutFAQ(ctx context.Context, e ticket.Entry) (int64, error) {
	w := s.d.writer()
	if e.ID == 0 {
		err := w.db.QueryRowContext(ctx, `INSERT INTO faq_entries (category, question, answer, keywords, active, updated_at, updated_by)
			VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id`, e.Category, e.Question, e.Answer, e.Keywords, e.Active, ms(e.UpdatedAt), e.UpdatedBy).Scan(&e.ID)
		return e.ID, translate(err)
	}
	n, err := w.rowsAffected(w.db.ExecContext(ctx, `UPDATE faq_entries SET category = $1, question = $2, answer = $3, keywords = $4,
		active = $5, updated_at = $6, updated_by = $7 WHERE id = $8`, e.Category, e.Question, e.Answer, e.Keywords, e.Active, ms(e.UpdatedAt), e.UpdatedBy, e.ID))
	if err == nil && n != 1 {
		err = fmt.Errorf("%w: faq entry %d", store.ErrNotFound, e.ID)
	}
	return e.ID, err
}

func (s ticketStore) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.d.reader().db.QueryRowContext(ctx, `SELECT value FROM console_settings WHERE key = $1`, key).Scan(&v)
	return v, translate(err)
}

func (s ticketStore) PutSetting(ctx context.Context, key, value, by string, at time.Time) error {
	_, err := s.d.writer().db.ExecContext(ctx, `INSERT INTO console_settings (key, value, updated_at, updated_by) VALUES ($1,$2,$3,$4)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		key, value, ms(at), by)
	return translate(err)
}
