package console

import "github.com/shebao-project/shebao/internal/operator"

// Route is a guarded route and the permission it needs, for the role test.
type Route struct {
	Pattern string
	Perm    operator.Permission
}

// Routes lists every guarded route.
func Routes() []Route {
	h := &handler{}
	var out []Route
	for _, r := range h.routes() {
		out = append(out, Route{r.pattern, r.perm})
	}
	return out
}

// CSRFToken is the token forms of the session carry.
func CSRFToken(session string) string { return csrfToken(session) }
