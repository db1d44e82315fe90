package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/voucher"
)

// Deletions adapts the DB to identity.DeletionStore.
func (d *DB) Deletions() identity.DeletionStore { return deletionStore{d} }

type deletionStore struct{ *DB }

func (s deletionStore) InDeletionTx(ctx context.Context, fn func(identity.DeletionTx) error) error {
	return s.DB.InTx(ctx, func(tx *Tx) error { return fn(tx) })
}

func (s deletionStore) LatestDeletion(ctx context.Context, personID string) (identity.DeletionRequest, error) {
	r := identity.DeletionRequest{PersonID: personID}
	var at int64
	var outcome string
	err := s.reader().db.QueryRowContext(ctx, `SELECT id, requested_at, outcome FROM deletion_requests
		WHERE person_id = $1 ORDER BY requested_at DESC, id DESC LIMIT 1`, personID).Scan(&r.ID, &at, &outcome)
	if err != nil {
		return r, translate(err)
	}
	r.RequestedAt = fromMS(at)
	if err := json.Unmarshal([]byte(outcome), &r.Outcome); err != nil {
		return r, fmt.Errorf("postgres: deletion request %s: %w", r.ID, err)
	}
	return r, nil
}

func (x Tx) BlockingOrders(ctx context.Context, personID string, states []string) ([]identity.OrderRef, error) {
	args := []any{personID}
	marks := make([]string, 0, len(states))
	for _, s := range states {
		args = append(args, s)
		marks = append(marks, fmt.Sprintf("$%d", len(args)))
	}
	rows, err := x.db.QueryContext(ctx, `SELECT id, state FROM orders WHERE (person_id = $1 OR payer_id = $1)
		AND state IN (`+strings.Join(marks, ",")+`) ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []identity.OrderRef
	for rows.Next() {
		var o identity.OrderRef
		if err := rows.Scan(&o.ID, &o.State); err != nil {
			return nil, translate(err)
		}
		out = append(out, o)
	}
	return out, translate(rows.Err())
}

// erasures are the statements of EraseOptionalData, each with the count it
// feeds; every one takes the person's id as its only argument.
func erasures(e *identity.Erased) []struct {
	n    *int64
	stmt string
} {
	return []struct {
		n    *int64
		stmt string
	}{
		{&e.NoticeConsents, `DELETE FROM notice_consents WHERE person_id = $1`},
		{&e.NoticePreferences, `DELETE FROM notice_prefs WHERE person_id = $1`},
		{&e.DisplayPreferences, `DELETE FROM display_prefs WHERE person_id = $1`},
		{&e.ECardPIN, `DELETE FROM ecard_pins WHERE person_id = $1`},
		{&e.FaceSessions, `DELETE FROM face_sessions WHERE person_id = $1`},
		{&e.Sessions, `DELETE FROM sessions WHERE person_id = $1`},
		{&e.SMSCodes, `DELETE FROM sms_codes WHERE phone_index = (SELECT phone_index FROM persons WHERE id = $1)`},
		{&e.NoticeRecords, `DELETE FROM notices_sent WHERE person_id = $1`},
		// Closed tickets keep their skeleton (who, when, category, status)
		// for the service statistics; the texts the person or an operator
		// wrote go. Open tickets are still being handled and stay whole.
		{&e.TicketMessages, `UPDATE ticket_messages SET body = '' WHERE body <> ''
			AND ticket_id IN (SELECT id FROM tickets WHERE person_id = $1 AND status = 'closed')`},
		{nil, `UPDATE tickets SET subject = '' WHERE person_id = $1 AND status = 'closed'`},
	}
}

func (x Tx) EraseOptionalData(ctx context.Context, personID string) (identity.Erased, error) {
	var e identity.Erased
	err := x.db.QueryRowContext(ctx, `SELECT (openid <> '')::int + (mp_openid <> '')::int FROM persons WHERE id = $1`, personID).Scan(&e.WeChatBindings)
	if err != nil {
		return e, translate(err)
	}
	if _, err := x.db.ExecContext(ctx, `UPDATE persons SET openid = '', mp_openid = '' WHERE id = $1`, personID); err != nil {
		return e, translate(err)
	}
	for _, s := range erasures(&e) {
		n, err := x.rowsAffected(x.db.ExecContext(ctx, s.stmt, personID))
		if err != nil {
			return e, err
		}
		if s.n != nil {
			*s.n = n
		}
	}
	return e, nil
}

func (x Tx) LatestVoucherIssued(ctx context.Context, personID string) (map[voucher.Kind]time.Time, error) {
	rows, err := x.db.QueryContext(ctx, `SELECT v.kind, MAX(v.issued_at) FROM vouchers v JOIN orders o ON o.id = v.order_id
		WHERE o.person_id = $1 OR o.payer_id = $1 GROUP BY v.kind`, personID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := map[voucher.Kind]time.Time{}
	for rows.Next() {
		var kind string
		var at int64
		if err := rows.Scan(&kind, &at); err != nil {
			return nil, translate(err)
		}
		out[voucher.Kind(kind)] = fromMS(at)
	}
	return out, translate(rows.Err())
}

func (x Tx) InsertDeletionRequest(ctx context.Context, r identity.DeletionRequest) error {
	outcome, err := json.Marshal(r.Outcome)
	if err != nil {
		return err
	}
	_, err = x.db.ExecContext(ctx, `INSERT INTO deletion_requests (id, person_id, requested_at, outcome) VALUES ($1,$2,$3,$4)`,
		r.ID, r.PersonID, ms(r.RequestedAt), string(outcome))
	return translate(err)
}

var _ identity.DeletionTx = (*Tx)(nil)
