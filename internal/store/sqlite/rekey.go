package sqlite

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/shebao-project/shebao/internal/rekey"
)

// sealedColumns are every column holding a sealed value; the names are
// fixed here, never taken from input.
var sealedColumns = []struct{ table, column string }{
	{"persons", "name_sealed"}, {"persons", "id_sealed"}, {"persons", "phone_sealed"},
	{"operators", "totp_sealed"},
}

// SealedPersons implements rekey.Store: a page of persons' sealed columns.
func (d *DB) SealedPersons(ctx context.Context, p rekey.Page) ([]rekey.PersonSeal, error) {
	rows, err := d.r.QueryContext(ctx, `SELECT id, name_sealed, id_sealed, phone_sealed, id_index, phone_index
		FROM persons WHERE id > ? ORDER BY id LIMIT ?`, p.After, p.Limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []rekey.PersonSeal
	for rows.Next() {
		var s rekey.PersonSeal
		if err := rows.Scan(&s.ID, &s.Name, &s.IDNumber, &s.Phone, &s.IDIndex, &s.PhoneIndex); err != nil {
			return nil, translate(err)
		}
		out = append(out, s)
	}
	return out, translate(rows.Err())
}

// ResealPersons implements rekey.Store: each row is rewritten only if it
// still holds every value the change was computed from.
func (d *DB) ResealPersons(ctx context.Context, changes []rekey.PersonChange) (int, error) {
	n := 0
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		n = 0
		for _, c := range changes {
			o, w := c.Old, c.New
			res, err := tx.ExecContext(ctx, `UPDATE persons SET name_sealed = ?, id_sealed = ?, phone_sealed = ?,
				id_index = ?, phone_index = ?
				WHERE id = ? AND name_sealed = ? AND id_sealed = ? AND phone_sealed = ? AND id_index = ? AND phone_index = ?`,
				w.Name, w.IDNumber, w.Phone, w.IDIndex, w.PhoneIndex, o.ID, o.Name, o.IDNumber, o.Phone, o.IDIndex, o.PhoneIndex)
			if err := count(&n, res, err); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// SealedOperators implements rekey.Store: a page of operators' sealed TOTP
// secrets.
func (d *DB) SealedOperators(ctx context.Context, p rekey.Page) ([]rekey.OperatorSeal, error) {
	rows, err := d.r.QueryContext(ctx, `SELECT id, totp_sealed FROM operators WHERE id > ? ORDER BY id LIMIT ?`, p.After, p.Limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []rekey.OperatorSeal
	for rows.Next() {
		var s rekey.OperatorSeal
		if err := rows.Scan(&s.ID, &s.TOTP); err != nil {
			return nil, translate(err)
		}
		out = append(out, s)
	}
	return out, translate(rows.Err())
}

// ResealOperators implements rekey.Store, with the same optimistic check.
func (d *DB) ResealOperators(ctx context.Context, changes []rekey.OperatorChange) (int, error) {
	n := 0
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		n = 0
		for _, c := range changes {
			res, err := tx.ExecContext(ctx, `UPDATE operators SET totp_sealed = ? WHERE id = ? AND totp_sealed = ?`,
				c.New.TOTP, c.Old.ID, c.Old.TOTP)
			if err := count(&n, res, err); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

func count(n *int, res sql.Result, err error) error {
	if err != nil {
		return err
	}
	k, err := res.RowsAffected()
	*n += int(k)
	return err
}

// SealedKeyCounts implements rekey.Store. A value's key id is its first
// byte; SQLite hands it back as hex, an empty value as key 0.
func (d *DB) SealedKeyCounts(ctx context.Context) ([]rekey.KeyCount, error) {
	var out []rekey.KeyCount
	for _, c := range sealedColumns {
		rows, err := d.r.QueryContext(ctx, `SELECT hex(substr(`+c.column+`, 1, 1)), count(*) FROM `+c.table+` GROUP BY 1 ORDER BY 1`)
		if err != nil {
			return nil, translate(err)
		}
		for rows.Next() {
			var h string
			kc := rekey.KeyCount{Column: c.table + "." + c.column}
			if err := rows.Scan(&h, &kc.Values); err != nil {
				rows.Close()
				return nil, translate(err)
			}
			id, _ := strconv.ParseInt(h, 16, 64) // "" (empty value) stays 0
			kc.KeyID = int(id)
			out = append(out, kc)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, translate(err)
		}
	}
	return out, nil
}
