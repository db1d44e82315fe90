package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/identity"
)

// EnrolledAfter implements billing.RunStore: a page of persons by id with
// their active enrolments, read from the persons' primary key onwards.
func (d *DB) EnrolledAfter(ctx context.Context, after string, limit int) ([]billing.Enrolled, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT p.id, p.region, p.person_type, e.insurance, e.base
		FROM (SELECT id, region, person_type FROM persons WHERE id > $1 ORDER BY id LIMIT $2) p
		LEFT JOIN enrolments e ON e.person_id = p.id AND e.status = 'active'
		ORDER BY p.id, e.insurance`, after, limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []billing.Enrolled
	for rows.Next() {
		var id, region, typ string
		var ins, base sql.NullString
		if err := rows.Scan(&id, &region, &typ, &ins, &base); err != nil {
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

// billRowsPerInsert keeps a multi-row INSERT under PostgreSQL's 65,535
// bind parameters (12 per bill) and its round trips few.
const billRowsPerInsert = 1000

// InsertBills implements billing.RunStore: one transaction, multi-row
// INSERTs that skip any person, insurance and period already billed.
func (d *DB) InsertBills(ctx context.Context, bills []billing.Bill) (int, error) {
	var inserted int
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		inserted = 0 // the transaction may be retried
		for lo := 0; lo < len(bills); lo += billRowsPerInsert {
			chunk := bills[lo:min(lo+billRowsPerInsert, len(bills))]
			var sb strings.Builder
			sb.WriteString(`INSERT INTO bills (` + billColumns + `) VALUES `)
			args := make([]any, 0, 12*len(chunk))
			for i, b := range chunk {
				if i > 0 {
					sb.WriteByte(',')
				}
				sb.WriteByte('(')
				for j := 1; j <= 12; j++ {
					if j == 12 {
						sb.WriteString("NULL,NULL,")
					}
					sb.WriteString("$" + strconv.Itoa(12*i+j))
					if j < 12 {
						sb.WriteByte(',')
					}
				}
				sb.WriteByte(')')
				args = append(args, b.ID, b.PersonID, b.Insurance, b.Period, b.Kind, b.BaseFen, b.Rate, b.AmountFen,
					b.PersonalAccountFen, b.Policy, b.Status, ms(b.CreatedAt))
			}
			sb.WriteString(` ON CONFLICT (person_id, insurance, period) DO NOTHING`)
			r, err := tx.ExecContext(ctx, sb.String(), args...)
			if err != nil {
				return fmt.Errorf("postgres: insert bills: %w", err)
			}
			n, err := r.RowsAffected()
			if err != nil {
				return err
			}
			inserted += int(n)
		}
		return nil
	})
	return inserted, err
}
