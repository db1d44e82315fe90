package app

import (
	"crypto/rand"

	"github.com/shebao-project/shebao/internal/identity"
)

// eraser wires deletion requests (PIPL art. 47) to the engine. Request ids
// come from crypto/rand rather than the injected source: they are only
// names, and no test depends on their value.
func (a *App) eraser() *identity.Eraser {
	return identity.NewEraser(identity.EraserDeps{Store: a.db.Deletions(), Now: a.now, Random: rand.Reader, Log: a.log})
}
