package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/store"
)

// DisplayPrefs reads a person's display preferences; false when they never
// chose (the device's own cookies then decide).
func (d *DB) DisplayPrefs(ctx context.Context, personID string) (identity.DisplayPrefs, bool, error) {
	var p identity.DisplayPrefs
	err := d.reader().db.QueryRowContext(ctx, `SELECT care, voice, lang FROM display_prefs WHERE person_id = $1`, personID).
		Scan(&p.Care, &p.Voice, &p.Lang)
	if errors.Is(translate(err), store.ErrNotFound) {
		return identity.DisplayPrefs{}, false, nil
	}
	return p, err == nil, translate(err)
}

// SetDisplayPrefs stores a person's display preferences.
func (d *DB) SetDisplayPrefs(ctx context.Context, personID string, p identity.DisplayPrefs, at time.Time) error {
	_, err := d.writer().db.ExecContext(ctx, `INSERT INTO display_prefs (person_id, care, voice, lang, updated_at) VALUES ($1,$2,$3,$4,$5)
		ON CONFLICT (person_id) DO UPDATE SET care = excluded.care, voice = excluded.voice, lang = excluded.lang,
		updated_at = excluded.updated_at`, personID, p.Care, p.Voice, p.Lang, ms(at))
	return translate(err)
}
