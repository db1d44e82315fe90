package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/policyadmin"
	"github.com/shebao-project/shebao/internal/store"
)

// PolicyPacks adapts the DB to policyadmin.Store.
func (d *DB) PolicyPacks() policyadmin.Store { return policyPackStore{d} }

var _ policyadmin.Store = policyPackStore{}

type policyPackStore struct{ d *DB }

const packColumns = `id, region, effective_from, yaml, sha256, sm3, status, published_by, published_at, reason,
	rolled_back_by, rolled_back_at, rollback_reason`

// packsVersion is policyadmin.Store's Version: the highest id plus the
// number of rolled-back packs.
const packsVersion = `SELECT coalesce(max(id), 0) + count(*) FILTER (WHERE status = 'rolled_back') FROM policy_packs`

func scanPack(r scanner) (policyadmin.Pack, error) {
	var p policyadmin.Pack
	var at int64
	var back sql.NullInt64
	err := r.Scan(&p.ID, &p.Region, &p.EffectiveFrom, &p.YAML, &p.SHA256, &p.SM3, &p.Status, &p.PublishedBy, &at,
		&p.Reason, &p.RolledBackBy, &back, &p.RollbackReason)
	p.PublishedAt, p.RolledBackAt = fromMS(at), fromNullMS(back)
	return p, translate(err)
}

func (s policyPackStore) Packs(ctx context.Context) ([]policyadmin.Pack, error) {
	rows, err := s.d.reader().db.QueryContext(ctx, `SELECT `+packColumns+` FROM policy_packs ORDER BY id`)
	return collect(rows, err, scanPack)
}

func (s policyPackStore) Pack(ctx context.Context, id int64) (policyadmin.Pack, error) {
	return scanPack(s.d.reader().db.QueryRowContext(ctx, `SELECT `+packColumns+` FROM policy_packs WHERE id = ?`, id))
}

func (s policyPackStore) Version(ctx context.Context) (int64, error) {
	var v int64
	err := s.d.reader().db.QueryRowContext(ctx, packsVersion).Scan(&v)
	return v, translate(err)
}

// expectVersion is the compare half of Insert's and RollBack's
// compare-and-set; the single writer's BEGIN IMMEDIATE makes it atomic
// with the write that follows.
func expectVersion(ctx context.Context, tx *sql.Tx, expect int64) error {
	var v int64
	if err := tx.QueryRowContext(ctx, packsVersion).Scan(&v); err != nil {
		return err
	}
	if v != expect {
		return fmt.Errorf("%w: policy packs are at version %d, not %d", store.ErrConflict, v, expect)
	}
	return nil
}

func (s policyPackStore) Insert(ctx context.Context, p policyadmin.Pack, expect int64) (policyadmin.Pack, error) {
	err := s.d.inTx(ctx, func(tx *sql.Tx) error {
		if err := expectVersion(ctx, tx, expect); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO policy_packs (region, effective_from, yaml, sha256, sm3, status,
			published_by, published_at, reason) VALUES (?, ?, ?, ?, ?, 'published', ?, ?, ?) RETURNING id`,
			p.Region, p.EffectiveFrom, p.YAML, p.SHA256, p.SM3, p.PublishedBy, ms(p.PublishedAt), p.Reason).Scan(&p.ID)
	})
	if err != nil {
		return policyadmin.Pack{}, fmt.Errorf("sqlite: insert policy pack %s@%s: %w", p.Region, p.EffectiveFrom, err)
	}
	p.Status, p.RolledBackBy, p.RollbackReason = policyadmin.StatusPublished, "", ""
	return p, nil
}

func (s policyPackStore) RollBack(ctx context.Context, r policyadmin.RollBack, expect int64) error {
	err := s.d.inTx(ctx, func(tx *sql.Tx) error {
		var status string
		if err := tx.QueryRowContext(ctx, `SELECT status FROM policy_packs WHERE id = ?`, r.ID).Scan(&status); err != nil {
			return err
		}
		if status != policyadmin.StatusPublished {
			return fmt.Errorf("%w: policy pack %d is %s", store.ErrConflict, r.ID, status)
		}
		if err := expectVersion(ctx, tx, expect); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE policy_packs SET status = 'rolled_back', rolled_back_by = ?,
			rolled_back_at = ?, rollback_reason = ? WHERE id = ?`, r.By, ms(r.At), r.Reason, r.ID)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: roll back policy pack %d: %w", r.ID, err)
	}
	return nil
}

// EnrolledInRegion reads a page of one region's persons by the index
// persons_region, with their active enrolments by insurance.
func (s policyPackStore) EnrolledInRegion(ctx context.Context, region, after string, limit int) ([]billing.Enrolled, error) {
	rows, err := s.d.reader().db.QueryContext(ctx, `SELECT p.id, p.person_type, e.insurance, e.base
		FROM (SELECT id, person_type FROM persons WHERE region = ? AND id > ? ORDER BY id LIMIT ?) p
		LEFT JOIN enrolments e ON e.person_id = p.id AND e.status = 'active'
		ORDER BY p.id, e.insurance`, region, after, limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []billing.Enrolled
	for rows.Next() {
		var id, typ string
		var ins, base sql.NullString
		if err := rows.Scan(&id, &typ, &ins, &base); err != nil {
			return nil, translate(err)
		}
		if len(out) == 0 || out[len(out)-1].PersonID != id {
			out = append(out, billing.Enrolled{PersonID: id, Region: region, Type: identity.PersonType(typ)})
		}
		if ins.Valid {
			last := &out[len(out)-1]
			last.Items = append(last.Items, billing.Item{Insurance: ins.String, Base: base.String})
		}
	}
	return out, translate(rows.Err())
}
