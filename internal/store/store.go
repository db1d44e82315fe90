// Package store holds what every storage engine shares: the sentinel errors
// each driver translates its own errors into, once, so that domain code never
// looks at a SQLite or PostgreSQL error. The storage interfaces themselves are
// declared by the domain packages that use them; store/sqlite (and later
// store/postgres) implement them.
package store

import "errors"

var (
	// ErrNotFound: no row matched.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict: a unique or state constraint refused the write; the caller
	// usually reads back what is there (idempotency) or reports a conflict.
	ErrConflict = errors.New("store: conflict")
)
