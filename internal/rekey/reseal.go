package rekey

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/shebao-project/shebao/internal/operator"
	"github.com/shebao-project/shebao/internal/pii"
)

// Options tune a reseal run.
type Options struct {
	Batch int // rows read and written per transaction; 500 if zero
	// MaxBatches stops the run after this many batches that wrote
	// something (0: no limit), so a large store can be moved over several
	// maintenance windows; running again carries on.
	MaxBatches int
	// Progress, if set, hears after every written batch how many rows of
	// which table it moved. Counts only: sealed values are never reported.
	Progress func(table string, rows int)
}

// Result is what a run did.
type Result struct {
	KeyID    int // the key values were moved to
	Resealed int // rows rewritten
	// Skipped rows were changed by someone else between read and write;
	// the next pass reads them again.
	Skipped int
	// Unopenable lists rows (table and id, never values) that no key in the
	// ring opens: a missing key file or a tampered column. They are left as
	// they are and keep the old key from being retired.
	Unopenable []string
	// Complete is set when a whole pass found nothing left to move.
	Complete bool
}

// maxPasses bounds the passes over the store. A pass repeats only for rows
// written or changed while the previous one ran, which stops once every
// server seals with the new key.
const maxPasses = 5

// ErrStopped reports a run that stopped at Options.MaxBatches.
var ErrStopped = errors.New("rekey: stopped after the batches asked for; run again to carry on")

// Reseal moves every sealed value and blind index onto the ring's current
// key (see the package comment). It is safe to run while servers run, and
// to run again after being stopped or killed: rows already on the current
// key are read but not written.
func Reseal(ctx context.Context, st Store, s *pii.Sealer, o Options) (Result, error) {
	if o.Batch <= 0 {
		o.Batch = 500
	}
	r := &run{st: st, s: s, o: o}
	for pass := 1; pass <= maxPasses; pass++ {
		r.key = s.Current()
		r.res.KeyID = r.key.ID()
		r.changed, r.res.Unopenable = 0, nil
		if err := r.persons(ctx); err != nil {
			return r.res, err
		}
		if err := r.operators(ctx); err != nil {
			return r.res, err
		}
		if r.changed == 0 {
			r.res.Complete = true
			return r.res, nil
		}
	}
	return r.res, nil
}

type run struct {
	st      Store
	s       *pii.Sealer
	o       Options
	key     *pii.Key
	res     Result
	changed int // rows this pass wrote or tried to
	batches int
}

// wrote accounts for one written batch and says whether to go on.
func (r *run) wrote(table string, tried, applied int) error {
	r.res.Resealed += applied
	r.res.Skipped += tried - applied
	r.changed += tried
	r.batches++
	if r.o.Progress != nil {
		r.o.Progress(table, applied)
	}
	if r.o.MaxBatches > 0 && r.batches >= r.o.MaxBatches {
		return ErrStopped
	}
	return nil
}

func (r *run) persons(ctx context.Context) error {
	for p := (Page{Limit: r.o.Batch}); ; {
		rows, err := r.st.SealedPersons(ctx, p)
		if err != nil {
			return fmt.Errorf("rekey: read persons: %w", err)
		}
		var changes []PersonChange
		for _, row := range rows {
			if next, ok := r.person(row); ok {
				changes = append(changes, PersonChange{Old: row, New: next})
			}
		}
		if len(changes) > 0 {
			applied, err := r.st.ResealPersons(ctx, changes)
			if err != nil {
				return fmt.Errorf("rekey: write persons after %q: %w", p.After, err)
			}
			if err := r.wrote("persons", len(changes), applied); err != nil {
				return err
			}
		}
		if len(rows) < p.Limit {
			return nil
		}
		p.After = rows[len(rows)-1].ID
	}
}

// person returns the row moved to r.key, or false if it is there already
// (values sealed and indexes computed under r.key) or cannot be opened.
func (r *run) person(p PersonSeal) (PersonSeal, bool) {
	name, err1 := r.s.Open(pii.FieldName, p.Name)
	id, err2 := r.s.Open(pii.FieldIDNumber, p.IDNumber)
	phone, err3 := r.s.Open(pii.FieldPhone, p.Phone)
	if err := errors.Join(err1, err2, err3); err != nil {
		r.res.Unopenable = append(r.res.Unopenable, unopenable{"persons", p.ID, err}.String())
		return p, false
	}
	next := PersonSeal{ID: p.ID, IDIndex: r.key.Index(pii.FieldIDNumber, id), PhoneIndex: r.key.Index(pii.FieldPhone, phone)}
	k := r.key.ID()
	if pii.KeyID(p.Name) == k && pii.KeyID(p.IDNumber) == k && pii.KeyID(p.Phone) == k &&
		bytes.Equal(next.IDIndex, p.IDIndex) && bytes.Equal(next.PhoneIndex, p.PhoneIndex) {
		return p, false
	}
	next.Name, err1 = r.key.Seal(pii.FieldName, name)
	next.IDNumber, err2 = r.key.Seal(pii.FieldIDNumber, id)
	next.Phone, err3 = r.key.Seal(pii.FieldPhone, phone)
	if err := errors.Join(err1, err2, err3); err != nil {
		r.res.Unopenable = append(r.res.Unopenable, unopenable{"persons", p.ID, err}.String())
		return p, false
	}
	return next, true
}

func (r *run) operators(ctx context.Context) error {
	for p := (Page{Limit: r.o.Batch}); ; {
		rows, err := r.st.SealedOperators(ctx, p)
		if err != nil {
			return fmt.Errorf("rekey: read operators: %w", err)
		}
		var changes []OperatorChange
		for _, row := range rows {
			if pii.KeyID(row.TOTP) == r.key.ID() {
				continue
			}
			secret, err := r.s.Open(operator.FieldTOTP, row.TOTP)
			if err == nil {
				var next OperatorSeal
				next.ID = row.ID
				if next.TOTP, err = r.key.Seal(operator.FieldTOTP, secret); err == nil {
					changes = append(changes, OperatorChange{Old: row, New: next})
					continue
				}
			}
			r.res.Unopenable = append(r.res.Unopenable, unopenable{"operators", row.ID, err}.String())
		}
		if len(changes) > 0 {
			applied, err := r.st.ResealOperators(ctx, changes)
			if err != nil {
				return fmt.Errorf("rekey: write operators after %q: %w", p.After, err)
			}
			if err := r.wrote("operators", len(changes), applied); err != nil {
				return err
			}
		}
		if len(rows) < p.Limit {
			return nil
		}
		p.After = rows[len(rows)-1].ID
	}
}
