package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/shebao-project/shebao/internal/jobs"
	"github.com/shebao-project/shebao/internal/notice"
)

// Notices adapts the DB to notice.Store.
func (d *DB) Notices() notice.Store { return noticeStore{d} }

var _ notice.Store = noticeStore{}

type noticeStore struct{ d *DB }

// AddConsents: a change for another template than the stored one starts
// the count again (WeChat ties a consent to its template), as does a ban.
// The upsert locks the row, so concurrent dialogs of one person add up.
func (s noticeStore) AddConsents(ctx context.Context, personID string, at time.Time, changes []notice.ConsentChange) error {
	return s.d.InTx(ctx, func(tx *Tx) error {
		for _, c := range changes {
			_, err := tx.db.ExecContext(ctx, `INSERT INTO notice_consents AS n (person_id, kind, template_id, remaining, updated_at)
				VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (person_id, kind) DO UPDATE SET
					remaining = CASE WHEN $6::boolean OR n.template_id <> excluded.template_id THEN excluded.remaining
						ELSE n.remaining + excluded.remaining END,
					template_id = excluded.template_id, updated_at = excluded.updated_at`,
				personID, c.Kind, c.TemplateID, c.Accepted, ms(at), c.Banned)
			if err != nil {
				return err
			}
		}
		return nil
	})
}

func (s noticeStore) Subscriptions(ctx context.Context, personID string) ([]notice.Subscription, error) {
	rows, err := s.d.reader().db.QueryContext(ctx, `SELECT kind, template_id, remaining, updated_at FROM notice_consents
		WHERE person_id = $1 ORDER BY kind`, personID)
	return scanAll(rows, err, func(r scanner) (notice.Subscription, error) {
		var x notice.Subscription
		var at int64
		err := r.Scan(&x.Kind, &x.TemplateID, &x.Remaining, &at)
		x.UpdatedAt = fromMS(at)
		return x, err
	})
}

// UseConsent: under READ COMMITTED a second concurrent UPDATE waits for the
// first and re-checks remaining > 0 on the row it left.
func (s noticeStore) UseConsent(ctx context.Context, personID, kind string) (bool, error) {
	w := s.d.writer()
	n, err := w.rowsAffected(w.db.ExecContext(ctx, `UPDATE notice_consents SET remaining = remaining - 1
		WHERE person_id = $1 AND kind = $2 AND remaining > 0`, personID, kind))
	return n == 1, err
}

func (s noticeStore) ReturnConsent(ctx context.Context, personID, kind string) error {
	_, err := s.d.writer().db.ExecContext(ctx, `UPDATE notice_consents SET remaining = remaining + 1
		WHERE person_id = $1 AND kind = $2`, personID, kind)
	return translate(err)
}

func (s noticeStore) ClearConsent(ctx context.Context, personID, kind string) error {
	_, err := s.d.writer().db.ExecContext(ctx, `UPDATE notice_consents SET remaining = 0 WHERE person_id = $1 AND kind = $2`, personID, kind)
	return translate(err)
}

func (s noticeStore) NoticeSent(ctx context.Context, kind, ref string) (bool, error) {
	var sent bool
	err := s.d.reader().db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM notices_sent WHERE kind = $1 AND ref = $2)`, kind, ref).Scan(&sent)
	return sent, translate(err)
}

func (s noticeStore) RecordNotice(ctx context.Context, n notice.Sent) error {
	return s.d.writer().insert(ctx, "notice "+n.Kind+" "+n.Ref, `INSERT INTO notices_sent (kind, ref, person_id, channel, sent_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, n.Kind, n.Ref, n.PersonID, n.Channel, ms(n.SentAt))
}

// dueWhere selects the bills a reminder is about; status = 'due' as a
// literal lets the planner use the partial index bills_due_period.
const dueWhere = `period = $1 AND status = 'due' AND order_id IS NULL`

func scanDue(r scanner) (notice.DueSummary, error) {
	var d notice.DueSummary
	return d, translate(r.Scan(&d.PersonID, &d.Bills, &d.TotalFen))
}

func (s noticeStore) PersonsWithDueBills(ctx context.Context, period, after string, limit int) ([]notice.DueSummary, error) {
	rows, err := s.d.reader().db.QueryContext(ctx, `SELECT person_id, count(*), sum(amount_fen)::bigint FROM bills
		WHERE `+dueWhere+` AND person_id > $2 GROUP BY person_id ORDER BY person_id LIMIT $3`, period, after, limit)
	return scanAll(rows, err, scanDue)
}

func (s noticeStore) DueSummary(ctx context.Context, personID, period string) (notice.DueSummary, error) {
	return scanDue(s.d.reader().db.QueryRowContext(ctx, `SELECT $2::text, count(*), coalesce(sum(amount_fen), 0)::bigint FROM bills
		WHERE `+dueWhere+` AND person_id = $2`, period, personID))
}

// EnqueueReminders inserts a page of reminder jobs once each, in one
// transaction and one batch: River's unique index keeps a key that exists
// (or that a concurrent sweep inserts) from being inserted again.
func (s noticeStore) EnqueueReminders(ctx context.Context, period string, js []jobs.Job) error {
	err := s.d.InTx(ctx, func(tx *Tx) error { return tx.jobs.InsertMany(ctx, tx.sqlTx(), js, true) })
	if err != nil {
		return fmt.Errorf("postgres: enqueue reminders for %s: %w", period, err)
	}
	return nil
}

// arrearsWhere selects due monthly bills of periods before a month (断缴):
// annual premiums ("2027") have another length.
const arrearsWhere = `period < $1 AND length(period) = 7 AND status = 'due' AND order_id IS NULL`

func (s noticeStore) PersonsWithArrears(ctx context.Context, before, after string, limit int) ([]notice.DueSummary, error) {
	rows, err := s.d.reader().db.QueryContext(ctx, `SELECT person_id, count(*), sum(amount_fen)::bigint FROM bills
		WHERE `+arrearsWhere+` AND person_id > $2 GROUP BY person_id ORDER BY person_id LIMIT $3`, before, after, limit)
	return scanAll(rows, err, scanDue)
}

func (s noticeStore) ArrearsSummary(ctx context.Context, personID, before string) (notice.DueSummary, error) {
	return scanDue(s.d.reader().db.QueryRowContext(ctx, `SELECT $2::text, count(*), coalesce(sum(amount_fen), 0)::bigint FROM bills
		WHERE person_id = $2 AND `+arrearsWhere, before, personID))
}

// RemindersOff is also true after the person asked for their data to be
// deleted (table deletion_requests, PIPL art. 47: processing restricted),
// until they choose again: a choice made after the request is a new consent.
func (s noticeStore) RemindersOff(ctx context.Context, personID string) (bool, error) {
	var off bool
	err := s.d.reader().db.QueryRowContext(ctx, `SELECT COALESCE((SELECT reminders_off FROM notice_prefs WHERE person_id = $1), false)
		OR EXISTS (SELECT 1 FROM deletion_requests WHERE person_id = $1
			AND requested_at >= COALESCE((SELECT updated_at FROM notice_prefs WHERE person_id = $1), 0))`, personID).Scan(&off)
	return off, translate(err)
}

func (s noticeStore) SetRemindersOff(ctx context.Context, personID string, off bool, at time.Time) error {
	_, err := s.d.writer().db.ExecContext(ctx, `INSERT INTO notice_prefs (person_id, reminders_off, updated_at) VALUES ($1,$2,$3)
		ON CONFLICT (person_id) DO UPDATE SET reminders_off = excluded.reminders_off, updated_at = excluded.updated_at`,
		personID, off, ms(at))
	return translate(err)
}
