package app

import (
	"context"
	"time"

	"github.com/shebao-project/shebao/internal/identity"
	"github.com/shebao-project/shebao/internal/web"
)

// webPrefs adapts the store's display preferences to web.PrefStore.
type webPrefs struct {
	db  engine
	now func() time.Time
}

func (p webPrefs) Preferences(ctx context.Context, personID string) (web.Prefs, bool, error) {
	d, ok, err := p.db.DisplayPrefs(ctx, personID)
	return web.Prefs{Care: d.Care, Voice: d.Voice, Lang: d.Lang}, ok, err
}

func (p webPrefs) SetPreferences(ctx context.Context, personID string, w web.Prefs) error {
	return p.db.SetDisplayPrefs(ctx, personID, identity.DisplayPrefs{Care: w.Care, Voice: w.Voice, Lang: w.Lang}, p.now())
}
