package sqlite

// The agency's side (issue #8): operators and their audit log, tickets and
// the FAQ, and the console's reads. Each domain gets an adapter so that
// none of these names joins DB's own method set.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/shebao-project/shebao/internal/console"
	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/operator"
	"github.com/shebao-project/shebao/internal/payment"
	"github.com/shebao-project/shebao/internal/store"
	"github.com/shebao-project/shebao/internal/ticket"
)

// OperatorStore adapts the DB to operator.Store.
func (d *DB) OperatorStore() operator.Store { return operatorStore{d} }

// TicketStore adapts the DB to ticket.Store.
func (d *DB) TicketStore() ticket.Store { return ticketStore{d} }

// ConsoleStore adapts the DB to console.Store.
func (d *DB) ConsoleStore() console.Store { return consoleStore{d} }

var (
	_ operator.Store = operatorStore{}
	_ ticket.Store   = ticketStore{}
	_ ticket.Tx      = ticketTx{}
	_ console.Store  = consoleStore{}
)

// zms stores a time that may be unset as 0; fromZMS reads it back.
func zms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromZMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return fromMS(v)
}

type scanner interface{ Scan(...any) error }

// Operators.

type operatorStore struct{ d *DB }

const operatorColumns = `id, name, display_name, role, password_hash, totp_sealed, totp_last_step, failed_logins,
	locked_until, disabled, created_at, created_by`

func scanOperator(row scanner) (operator.Operator, error) {
	var o operator.Operator
	var locked, created int64
	err := row.Scan(&o.ID, &o.Name, &o.DisplayName, &o.Role, &o.PasswordHash, &o.TOTPSealed, &o.TOTPLastStep,
		&o.FailedLogins, &locked, &o.Disabled, &created, &o.CreatedBy)
	o.LockedUntil, o.CreatedAt = fromZMS(locked), fromMS(created)
	return o, translate(err)
}

func (s operatorStore) CreateOperator(ctx context.Context, o operator.Operator) error {
	_, err := s.d.writer().db.ExecContext(ctx, `INSERT INTO operators (`+operatorColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
		o.ID, o.Name, o.DisplayName, o.Role, o.PasswordHash, o.TOTPSealed, o.TOTPLastStep, o.FailedLogins,
		zms(o.LockedUntil), o.Disabled, ms(o.CreatedAt), o.CreatedBy)
	return translate(err)
}

func (s operatorStore) OperatorByID(ctx context.Context, id string) (operator.Operator, error) {
	return scanOperator(s.d.reader().db.QueryRowContext(ctx, `SELECT `+operatorColumns+` FROM operators WHERE id = ?`, id))
}

func (s operatorStore) OperatorByName(ctx context.Context, name string) (operator.Operator, error) {
	return scanOperator(s.d.reader().db.QueryRowContext(ctx, `SELECT `+operatorColumns+` FROM operators WHERE name = ?`, name))
}

func (s operatorStore) Operators(ctx context.Context) ([]operator.Operator, error) {
	rows, err := s.d.reader().db.QueryContext(ctx, `SELECT `+operatorColumns+` FROM operators ORDER BY name`)
	return collect(rows, err, scanOperator)
}

// RecordLoginFailure: the count is not reset when a lock ends, so after a
// lock the next failure locks again, until a good login or an unlock.
func (s operatorStore) RecordLoginFailure(ctx context.Context, id string, max int, lockUntil time.Time) (int, error) {
	var n int
	err := s.d.writer().db.QueryRowContext(ctx, `UPDATE operators SET failed_logins = failed_logins + 1,
		locked_until = CASE WHEN failed_logins + 1 >= ? THEN ? ELSE locked_until END
		WHERE id = ? RETURNING failed_logins`, max, ms(lockUntil), id).Scan(&n)
	return n, translate(err)
}

func (s operatorStore) ClearLoginFailures(ctx context.Context, id string) error {
	_, err := s.d.writer().db.ExecContext(ctx, `UPDATE operators SET failed_logins = 0, locked_until = 0 WHERE id = ?`, id)
	return translate(err)
}

func (s operatorStore) UseTOTPStep(ctx context.Context, id string, step int64) (bool, error) {
	n, err := s.d.writer().rowsAffected(s.d.writer().db.ExecContext(ctx,
		`UPDATE operators SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?`, step, id, step))
	return n == 1, err
}

func (s operatorStore) SetOperatorDisabled(ctx context.Context, id string, disabled bool) error {
	_, err := s.d.writer().db.ExecContext(ctx, `UPDATE operators SET disabled = ? WHERE id = ?`, disabled, id)
	return translate(err)
}

func (s operatorStore) CreateOperatorSession(ctx context.Context, x operator.Session) error {
	_, err := s.d.writer().db.ExecContext(ctx, `INSERT INTO operator_sessions (token_hash, operator_id, created_at, last_seen, expires_at)
		VALUES (?,?,?,?,?)`, x.TokenHash, x.OperatorID, ms(x.CreatedAt), ms(x.LastSeen), ms(x.ExpiresAt))
	return translate(err)
}

func (s operatorStore) OperatorSession(ctx context.Context, h []byte) (operator.Session, error) {
	var x operator.Session
	var created, seen, expires int64
	err := s.d.reader().db.QueryRowContext(ctx, `SELECT token_hash, operator_id, created_at, last_seen, expires_at
		FROM operator_sessions WHERE token_hash = ?`, h).Scan(&x.TokenHash, &x.OperatorID, &created, &seen, &expires)
	x.CreatedAt, x.LastSeen, x.ExpiresAt = fromMS(created), fromMS(seen), fromMS(expires)
	return x, translate(err)
}

func (s operatorStore) TouchOperatorSession(ctx context.Context, h []byte, at time.Time) error {
	_, err := s.d.writer().db.ExecContext(ctx, `UPDATE operator_sessions SET last_seen = ? WHERE token_hash = ?`, ms(at), h)
	return translate(err)
}

func (s operatorStore) DeleteOperatorSession(ctx context.Context, h []byte) error {
	_, err := s.d.writer().db.ExecContext(ctx, `DELETE FROM operator_sessions WHERE token_hash = ?`, h)
	return translate(err)
}

func (s operatorStore) DeleteOperatorSessions(ctx context.Context, id string) error {
	_, err := s.d.writer().db.ExecContext(ctx, `DELETE FROM operator_sessions WHERE operator_id = ?`, id)
	return translate(err)
}

// AppendAudit reads the last entry and inserts the next in one write
// transaction: the single writer serialises appenders, so seq has no gaps
// and every entry chains to the one before.
func (s operatorStore) AppendAudit(ctx context.Context, e operator.Entry, seal func(*operator.Entry)) (operator.Entry, error) {
	err := s.d.InTx(ctx, func(tx *Tx) error {
		err := tx.db.QueryRowContext(ctx, `SELECT seq, hash FROM operator_audit ORDER BY seq DESC LIMIT 1`).Scan(&e.Seq, &e.PrevHash)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		e.Seq++
		seal(&e)
		_, err = tx.db.ExecContext(ctx, `INSERT INTO operator_audit (seq, at, operator, action, target, reason, detail, prev_hash, hash)
			VALUES (?,?,?,?,?,?,?,?,?)`, e.Seq, ms(e.At), e.Operator, e.Action, e.Target, e.Reason, e.Detail, e.PrevHash, e.Hash)
		return err
	})
	return e, err
}

const auditColumns = `seq, at, operator, action, target, reason, detail, prev_hash, hash`

func scanAudit(row scanner) (operator.Entry, error) {
	var e operator.Entry
	var at int64
	err := row.Scan(&e.Seq, &at, &e.Operator, &e.Action, &e.Target, &e.Reason, &e.Detail, &e.PrevHash, &e.Hash)
	e.At = fromMS(at)
	return e, translate(err)
}

func (s operatorStore) AuditEntries(ctx context.Context, after int64, limit int) ([]operator.Entry, error) {
	rows, err := s.d.reader().db.QueryContext(ctx, `SELECT `+auditColumns+` FROM operator_audit WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	return collect(rows, err, scanAudit)
}

func (s operatorStore) RecentAudit(ctx context.Context, before int64, limit int) ([]operator.Entry, error) {
	if before <= 0 {
		before = 1 << 62
	}
	rows, err := s.d.reader().db.QueryContext(ctx, `SELECT `+auditColumns+` FROM operator_audit WHERE seq < ? ORDER BY seq DESC LIMIT ?`, before, limit)
	return collect(rows, err, scanAudit)
}

// collect scans every row with scan.
func collect[T any](rows *sql.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, translate(rows.Err())
}

// Tickets.

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

func getTicket(ctx context.Context, x q, id string) (ticket.Ticket, error) {
	return scanTicket(x.db.QueryRowContext(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE id = ?`, id))
}

func (s ticketStore) Ticket(ctx context.Context, id string) (ticket.Ticket, error) {
	return getTicket(ctx, s.d.reader(), id)
}

func (t ticketTx) Ticket(ctx context.Context, id string) (ticket.Ticket, error) {
	return getTicket(ctx, t.x, id)
}

func (t ticketTx) InsertTicket(ctx context.Context, k ticket.Ticket) error {
	_, err := t.x.db.ExecContext(ctx, `INSERT INTO tickets (`+ticketColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		k.ID, k.PersonID, k.Category, k.Subject, k.OrderID, k.ErrorCode, k.Status, ms(k.CreatedAt), ms(k.UpdatedAt),
		ms(k.DueAt), zms(k.FirstResponseAt), zms(k.EscalatedAt), zms(k.ClosedAt), k.Messages)
	return translate(err)
}

func (t ticketTx) UpdateTicket(ctx context.Context, k ticket.Ticket) error {
	n, err := t.x.rowsAffected(t.x.db.ExecContext(ctx, `UPDATE tickets SET status = ?, updated_at = ?, due_at = ?,
		first_response_at = ?, escalated_at = ?, closed_at = ?, messages = ? WHERE id = ?`,
		k.Status, ms(k.UpdatedAt), ms(k.DueAt), zms(k.FirstResponseAt), zms(k.EscalatedAt), zms(k.ClosedAt), k.Messages, k.ID))
	if err == nil && n != 1 {
		err = fmt.Errorf("%w: ticket %s", store.ErrNotFound, k.ID)
	}
	return err
}

func (t ticketTx) InsertTicketMessage(ctx context.Context, m ticket.Message) error {
	_, err := t.x.db.ExecContext(ctx, `INSERT INTO ticket_messages (ticket_id, seq, author, operator, body, at) VALUES (?,?,?,?,?,?)`,
		m.TicketID, m.Seq, m.Author, m.Operator, m.Body, ms(m.At))
	return translate(err)
}

func (t ticketTx) EnqueueJob(ctx context.Context, j jobs.Job) error { return t.x.EnqueueJob(ctx, j) }

func (s ticketStore) TicketMessages(ctx context.Context, id string) ([]ticket.Message, error) {
	rows, err := s.d.reader().db.QueryContext(ctx, `SELECT ticket_id, seq, author, operator, body, at FROM ticket_messages
		WHERE ticket_id = ? ORDER BY seq`, id)
	return collect(rows, err, func(r scanner) (ticket.Message, error) {
		var m ticket.Message
		var at int64
		err := r.Scan(&m.TicketID, &m.Seq, &m.Author, &m.Operator, &m.Body, &at)
		m.At = fromMS(at)
		return m, translate(err)
	})
}

func (s ticketStore) TicketQueue(ctx context.Context, status ticket.Status, limit int) ([]ticket.Ticket, error) {
	order := "due_at"
	if status != ticket.Open {
		order = "updated_at DESC"
	}
	rows, err := s.d.reader().db.QueryContext(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE status = ? ORDER BY `+order+` LIMIT ?`, status, limit)
	return collect(rows, err, scanTicket)
}

func (s ticketStore) TicketsForPerson(ctx context.Context, personID string, limit int) ([]ticket.Ticket, error) {
	rows, err := s.d.reader().db.QueryContext(ctx, `SELECT `+ticketColumns+` FROM tickets WHERE person_id = ?
		ORDER BY created_at DESC LIMIT ?`, personID, limit)
	return collect(rows, err, scanTicket)
}

// beijingDay is the Beijing calendar day of a millisecond column.
func beijingDay(col string) string {
	return `strftime('%Y-%m-%d', ` + col + ` / 1000 + 28800, 'unixepoch')`
}

func (s ticketStore) TicketStats(ctx context.Context, from, to, now time.Time, target time.Duration) (ticket.Stats, error) {
	var st ticket.Stats
	var avg sql.NullFloat64
	r := s.d.reader().db
	err := r.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM tickets WHERE created_at >= ?1 AND created_at < ?2),
		(SELECT count(*) FROM tickets WHERE status = 'open'),
		(SELECT count(*) FROM tickets WHERE status = 'open' AND due_at <= ?3),
		(SELECT count(*) FROM tickets WHERE escalated_at >= ?1 AND escalated_at < ?2),
		count(*), avg(first_response_at - created_at), coalesce(sum(first_response_at - created_at <= ?4), 0)
		FROM tickets WHERE first_response_at >= ?1 AND first_response_at < ?2 AND first_response_at > 0`,
		ms(from), ms(to), ms(now), target.Milliseconds()).
		Scan(&st.Opened, &st.OpenNow, &st.OverdueNow, &st.Escalated, &st.Responded, &avg, &st.WithinTarget)
	if err != nil {
		return st, translate(err)
	}
	st.AvgFirstResponse = time.Duration(avg.Float64 * float64(time.Millisecond))
	rows, err := r.QueryContext(ctx, `SELECT `+beijingDay("created_at")+` AS day, count(*) FROM tickets
		WHERE created_at >= ? AND created_at < ? GROUP BY day ORDER BY day`, ms(from), ms(to))
	st.PerDay, err = collect(rows, err, func(r scanner) (ticket.DayCount, error) {
		var d ticket.DayCount
		return d, translate(r.Scan(&d.Date, &d.Opened))
	})
	return st, err
}

func (s ticketStore) FAQEntries(ctx context.Context, activeOnly bool) ([]ticket.Entry, error) {
	rows, err := s.d.reader().db.QueryContext(ctx, `SELECT id, category, question, answer, keywords, active, updated_at, updated_by
		FROM faq_entries WHERE active = 1 OR ? = 0 ORDER BY id`, activeOnly)
	return collect(rows, err, func(r scanner) (ticket.Entry, error) {
		var e ticket.Entry
		var at int64
		err := r.Scan(&e.ID, &e.Category, &e.Question, &e.Answer, &e.Keywords, &e.Active, &at, &e.UpdatedBy)
		e.UpdatedAt = fromMS(at)
		return e, translate(err)
	})
}

func (s ticketStore) PutFAQ(ctx context.Context, e ticket.Entry) (int64, error) {
	w := s.d.writer()
	if e.ID == 0 {
		err := w.db.QueryRowContext(ctx, `INSERT INTO faq_entries (category, question, answer, keywords, active, updated_at, updated_by)
			VALUES (?,?,?,?,?,?,?) RETURNING id`, e.Category, e.Question, e.Answer, e.Keywords, e.Active, ms(e.UpdatedAt), e.UpdatedBy).Scan(&e.ID)
		return e.ID, translate(err)
	}
	n, err := w.rowsAffected(w.db.ExecContext(ctx, `UPDATE faq_entries SET category = ?, question = ?, answer = ?, keywords = ?,
		active = ?, updated_at = ?, updated_by = ? WHERE id = ?`, e.Category, e.Question, e.Answer, e.Keywords, e.Active, ms(e.UpdatedAt), e.UpdatedBy, e.ID))
	if err == nil && n != 1 {
		err = fmt.Errorf("%w: faq entry %d", store.ErrNotFound, e.ID)
	}
	return e.ID, err
}

func (s ticketStore) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.d.reader().db.QueryRowContext(ctx, `SELECT value FROM console_settings WHERE key = ?`, key).Scan(&v)
	return v, translate(err)
}

func (s ticketStore) PutSetting(ctx context.Context, key, value, by string, at time.Time) error {
	_, err := s.d.writer().db.ExecContext(ctx, `INSERT INTO console_settings (key, value, updated_at, updated_by) VALUES (?,?,?,?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		key, value, ms(at), by)
	return translate(err)
}

// The console's reads.

type consoleStore struct{ d *DB }

// consoleOrderColumns are an order with both persons' masked identifiers.
const consoleOrderColumns = `o.id, o.out_trade_no, o.person_id, o.payer_id, o.region, o.channel, o.state, o.amount_fen,
	o.hold_reason, o.hold_until, o.created_at, coalesce(o.paid_at, 0),
	p.name_masked, p.id_masked, p.phone_masked, y.name_masked, y.id_masked, y.phone_masked`

const consoleOrderJoin = ` FROM orders o JOIN persons p ON p.id = o.person_id JOIN persons y ON y.id = o.payer_id`

func scanOrderRow(row scanner, extra ...any) (console.OrderRow, error) {
	var o console.OrderRow
	var hold, created, paid int64
	dest := append([]any{&o.ID, &o.OutTradeNo, &o.PersonID, &o.PayerID, &o.Region, &o.Channel, &o.State, &o.AmountFen,
		&o.HoldReason, &hold, &created, &paid, &o.Person.Name, &o.Person.IDNumber, &o.Person.Phone,
		&o.Payer.Name, &o.Payer.IDNumber, &o.Payer.Phone}, extra...)
	err := row.Scan(dest...)
	o.HoldUntil, o.CreatedAt, o.PaidAt = fromZMS(hold), fromMS(created), fromZMS(paid)
	return o, translate(err)
}

func (s consoleStore) PersonMasked(ctx context.Context, id string) (console.Masked, error) {
	var m console.Masked
	err := s.d.reader().db.QueryRowContext(ctx, `SELECT name_masked, id_masked, phone_masked FROM persons WHERE id = ?`, id).
		Scan(&m.Name, &m.IDNumber, &m.Phone)
	return m, translate(err)
}

func (s consoleStore) HeldOrders(ctx context.Context, limit int) ([]console.OrderRow, error) {
	rows, err := s.d.reader().db.QueryContext(ctx, `SELECT `+consoleOrderColumns+consoleOrderJoin+`
		WHERE o.state = 'held' ORDER BY o.hold_until LIMIT ?`, limit)
	return collect(rows, err, func(r scanner) (console.OrderRow, error) { return scanOrderRow(r) })
}

func (s consoleStore) FindOrder(ctx context.Context, key string) (console.OrderRow, error) {
	return scanOrderRow(s.d.reader().db.QueryRowContext(ctx, `SELECT `+consoleOrderColumns+consoleOrderJoin+`
		WHERE o.id = ?1 OR o.out_trade_no = ?1`, key))
}

func (s consoleStore) RefundForOrder(ctx context.Context, orderID string) (payment.Refund, error) {
	return s.d.RefundForOrder(ctx, orderID)
}

func (s consoleStore) RefundAttempts(ctx context.Context, orderID string) ([]payment.RefundAttempt, error) {
	return s.d.RefundAttempts(ctx, orderID)
}

// Refunds lists failed refunds first (the money did not go back: an
// operator must act), then those under way, then the rest, newest first.
func (s consoleStore) Refunds(ctx context.Context, limit int) ([]console.RefundRow, error) {
	rows, err := s.d.reader().db.QueryContext(ctx, `SELECT r.out_refund_no, r.order_id, r.amount_fen, r.reason, r.status,
		r.refund_id, r.created_at, r.updated_at, r.attempt, r.provider_status, o.out_trade_no, y.name_masked, y.id_masked, y.phone_masked
		FROM refunds r JOIN orders o ON o.id = r.order_id JOIN persons y ON y.id = o.payer_id
		ORDER BY CASE r.status WHEN 'failed' THEN 0 WHEN 'requested' THEN 1 WHEN 'processing' THEN 2 ELSE 3 END, r.created_at DESC
		LIMIT ?`, limit)
	return collect(rows, err, func(r scanner) (console.RefundRow, error) {
		var x console.RefundRow
		var created, updated int64
		err := r.Scan(&x.OutRefundNo, &x.OrderID, &x.AmountFen, &x.Reason, &x.Status, &x.RefundID, &created, &updated,
			&x.Attempt, &x.ProviderStatus, &x.OutTradeNo, &x.Payer.Name, &x.Payer.IDNumber, &x.Payer.Phone)
		x.CreatedAt, x.UpdatedAt = fromMS(created), fromMS(updated)
		return x, translate(err)
	})
}

func (s consoleStore) OpenDiffs(ctx context.Context, limit int) ([]payment.Diff, error) {
	return s.d.OpenDiffs(ctx, limit)
}

func (s consoleStore) ResolveDiff(ctx context.Context, k console.DiffKey, action, by string, at time.Time) error {
	w := s.d.writer()
	n, err := w.rowsAffected(w.db.ExecContext(ctx, `UPDATE recon_diffs SET resolved = 1, action = ?, resolved_by = ?, resolved_at = ?
		WHERE channel = ? AND bill_date = ? AND out_trade_no = ? AND kind = ? AND resolved = 0`,
		action, by, ms(at), k.Channel, k.Date, k.OutTradeNo, k.Kind))
	if err == nil && n != 1 {
		err = fmt.Errorf("%w: open difference %v", store.ErrNotFound, k)
	}
	return err
}

// FailingPostings reads River's jobs: a posting that failed or was put off
// (a snooze counts in its metadata) and is not finished.
func (s consoleStore) FailingPostings(ctx context.Context, limit int) ([]console.RetryRow, error) {
	rows, err := s.d.reader().db.QueryContext(ctx, `SELECT `+consoleOrderColumns+`, j.id,
			j.attempt + coalesce(json_extract(j.metadata, '$.snoozes'), 0),
			coalesce(json_extract(j.errors, '$[#-1].error'), ''), j.scheduled_at, j.created_at
		FROM river_job j JOIN orders o ON o.id = json_extract(j.args, '$.ref')
		JOIN persons p ON p.id = o.person_id JOIN persons y ON y.id = o.payer_id
		WHERE j.kind = ? AND j.state IN ('available', 'scheduled', 'retryable', 'running')
		AND (j.attempt > 1 OR json_array_length(j.errors) > 0 OR coalesce(json_extract(j.metadata, '$.snoozes'), 0) > 0)
		ORDER BY j.created_at LIMIT ?`, payment.JobPost, limit)
	return collect(rows, err, func(r scanner) (console.RetryRow, error) {
		var x console.RetryRow
		var next, since string
		o, err := scanOrderRow(r, &x.JobID, &x.Attempts, &x.LastError, &next, &since)
		if err != nil {
			return x, err
		}
		x.Order = o
		if x.NextRun, err = riverTime(next); err == nil {
			x.Since, err = riverTime(since)
		}
		return x, err
	})
}

// RunPostingNow makes a waiting posting job due at at; a job running,
// finished or of another kind is not touched.
func (s consoleStore) RunPostingNow(ctx context.Context, jobID int64, at time.Time) error {
	w := s.d.writer()
	n, err := w.rowsAffected(w.db.ExecContext(ctx, `UPDATE river_job SET scheduled_at = ?, state = 'available'
		WHERE id = ? AND kind = ? AND state IN ('available', 'scheduled', 'retryable')`,
		riverTimeText(at), jobID, payment.JobPost))
	if err == nil && n != 1 {
		err = fmt.Errorf("%w: waiting posting job %d", store.ErrNotFound, jobID)
	}
	return err
}

// Collections sums credited contributions by the Beijing day they were
// paid, region, channel and insurance type; an order refunded after being
// credited no longer counts.
func (s consoleStore) Collections(ctx context.Context, from, to time.Time) ([]console.CollectionRow, error) {
	rows, err := s.d.reader().db.QueryContext(ctx, `SELECT `+beijingDay("o.paid_at")+` AS day, o.region, o.channel, b.insurance,
		count(DISTINCT o.id), sum(b.amount_fen)
		FROM orders o JOIN bills b ON b.paid_order_id = o.id
		WHERE o.paid_at >= ? AND o.paid_at < ? AND o.state = 'credited'
		GROUP BY day, o.region, o.channel, b.insurance ORDER BY day, o.region, o.channel, b.insurance`, ms(from), ms(to))
	return collect(rows, err, func(r scanner) (console.CollectionRow, error) {
		var c console.CollectionRow
		return c, translate(r.Scan(&c.Date, &c.Region, &c.Channel, &c.Insurance, &c.Orders, &c.AmountFen))
	})
}

func (s consoleStore) PaymentAttempts(ctx context.Context, from, to time.Time) (console.Attempts, error) {
	var a console.Attempts
	err := s.d.reader().db.QueryRowContext(ctx, `SELECT count(*), count(paid_at) FROM orders WHERE created_at >= ? AND created_at < ?`,
		ms(from), ms(to)).Scan(&a.Created, &a.Paid)
	if err != nil {
		return a, translate(err)
	}
	err = s.d.reader().db.QueryRowContext(ctx, `SELECT count(*) FROM orders WHERE created_at >= ? AND created_at < ?
		AND paid_at IS NOT NULL AND payer_id <> person_id`, ms(from), ms(to)).Scan(&a.Proxy)
	if err != nil {
		return a, translate(err)
	}
	err = s.d.reader().db.QueryRowContext(ctx, `SELECT count(DISTINCT o.payer_id), count(DISTINCT CASE WHEN p.care THEN o.payer_id END)
		FROM orders o LEFT JOIN display_prefs p ON p.person_id = o.payer_id
		WHERE o.created_at >= ? AND o.created_at < ? AND o.paid_at IS NOT NULL`, ms(from), ms(to)).Scan(&a.Payers, &a.CarePayers)
	if err != nil {
		return a, translate(err)
	}
	rows, err := s.d.reader().db.QueryContext(ctx, `SELECT channel, count(*), CAST(avg(paid_at - created_at) / 1000 AS INTEGER) FROM orders
		WHERE created_at >= ? AND created_at < ? AND paid_at IS NOT NULL GROUP BY channel ORDER BY channel`, ms(from), ms(to))
	a.Handling, err = collect(rows, err, func(r scanner) (console.ChannelHandling, error) {
		var h console.ChannelHandling
		return h, translate(r.Scan(&h.Channel, &h.Orders, &h.AvgSeconds))
	})
	return a, err
}
