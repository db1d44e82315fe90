package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/shebao-project/shebao/internal/billing"
	"github.com/shebao-project/shebao/internal/identity"
)

// EnrolledAfter implements billing.RunStore: a page of persons by id with
// their active enrolments, read from the persons' primary key onwards.
func (d *DB) EnrolledAfter(ctx context.Context, after string, limit int) ([]billing.Enrolled, error) {
	rows, err := d.reader().db.QueryContext(ctx, `SELECT p.id, p.region, p.person_type, e.insurance, e.base
		FROM (SELECT id, region, person_type FROM persons WHERE id > ? ORDER BY id LIMIT ?) p
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

// billRowsPerInsert keeps a multi-row INSERT well under SQLite's limit of
// 32,766 bound variables (12 per bill).
const billRowsPerInsert = 500

// insertBillsQuery inserts n bills, skipping any person, insurance and
// period already billed.
func insertBillsQuery(n int) string {
	return `INSERT INTO bills (` + billColumns + `) VALUES ` + repeatRow(`(?,?,?,?,?,?,?,?,?,?,?,NULL,NULL,?)`, n) +
		` ON CONFLICT (person_id, insurance, period) DO NOTHING`
}

// fullBillInsert is the statement for a whole chunk. Parsing its 6,000
// placeholders was a sixth of the run's CPU, so it goes through the
// writer's statement cache and is parsed once per connection; the last,
// shorter chunk of a page varies in length and is parsed each time.
var fullBillInsert = insertBillsQuery(billRowsPerInsert)

// InsertBills implements billing.RunStore: one transaction, multi-row
// INSERTs that skip any person, insurance and period already billed.
func (d *DB) InsertBills(ctx context.Context, bills []billing.Bill) (int, error) {
	inserted := 0
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		x := cached{c: d.ws, tx: tx}
		for lo := 0; lo < len(bills); lo += billRowsPerInsert {
			chunk := bills[lo:min(lo+billRowsPerInsert, len(bills))]
			args := make([]any, 0, 12*len(chunk))
			for _, b := range chunk {
				args = append(args, b.ID, b.PersonID, b.Insurance, b.Period, b.Kind, b.BaseFen, b.Rate, b.AmountFen,
					b.PersonalAccountFen, b.Policy, b.Status, ms(b.CreatedAt))
			}
			var r sql.Result
			var err error
			if len(chunk) == billRowsPerInsert {
				r, err = x.ExecContext(ctx, fullBillInsert, args...)
			} else {
				r, err = tx.ExecContext(ctx, insertBillsQuery(len(chunk)), args...)
			}
			if err != nil {
				return fmt.Errorf("sqlite: insert bills: %w", err)
			}
			n, err := r.RowsAffected()
			if err != nil {
				return err
			}
			inserted += int(n)
		}
		return nil
	})
	d.ws.preparePending(ctx)
	return inserted, err
}

func repeatRow(row string, n int) string {
	b := make([]byte, 0, n*(len(row)+1))
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, row...)
	}
	return string(b)
}
