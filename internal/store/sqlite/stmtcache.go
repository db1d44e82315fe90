package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
)

// stmtCache keeps one prepared statement per SQL text and pool. Parsing SQL
// was a tenth of the CPU of a payment in the load test profile: the same few
// dozen statements run for every order, so each is prepared once per
// connection (database/sql re-prepares a *sql.Stmt on each connection it
// meets and keeps it) instead of once per call.
type stmtCache struct {
	pool    *sql.DB
	mu      sync.RWMutex
	byQ     map[string]*sql.Stmt
	pending map[string]bool // seen inside a transaction, to prepare once the connection is free
	waiting atomic.Bool     // pending is not empty: lets the common case skip the lock
}

func newStmtCache(pool *sql.DB) *stmtCache {
	return &stmtCache{pool: pool, byQ: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

// lookup returns the cached statement, if any.
func (c *stmtCache) lookup(query string) *sql.Stmt {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.byQ[query]
}

// want notes a statement met inside a transaction. It cannot be prepared on
// the pool then: the writer pool has one connection, and the transaction
// holds it.
func (c *stmtCache) want(query string) {
	c.mu.Lock()
	if c.byQ[query] == nil {
		c.pending[query] = true
		c.waiting.Store(true)
	}
	c.mu.Unlock()
}

// preparePending prepares the statements met in transactions; the caller
// holds no connection of the pool.
func (c *stmtCache) preparePending(ctx context.Context) {
	if !c.waiting.Load() {
		return
	}
	c.mu.Lock()
	c.waiting.Store(false)
	var qs []string
	for q := range c.pending {
		qs = append(qs, q)
	}
	clear(c.pending)
	c.mu.Unlock()
	for _, q := range qs {
		_, _ = c.get(ctx, q) // a failure here only means the next call prepares again
	}
}

func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	if st := c.lookup(query); st != nil {
		return st, nil
	}
	// Prepare without holding the lock: preparing waits for a connection,
	// and a transaction holding the writer's only connection may need the
	// lock to look up its own statements.
	st, err := c.pool.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.byQ[query]; ok {
		st.Close() // another caller won the race
		return prev, nil
	}
	c.byQ[query] = st
	delete(c.pending, query)
	return st, nil
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.byQ {
		st.Close()
	}
	c.byQ = nil
}

// cached runs queries through prepared statements of a pool, or, with tx
// set, through the same statements bound to the transaction.
type cached struct {
	c  *stmtCache
	tx *sql.Tx
}

// stmt returns the prepared statement for query, bound to the transaction
// if there is one; nil inside a transaction when it is not prepared yet
// (the caller then runs the query unprepared, this once).
func (x cached) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if x.tx == nil {
		return x.c.get(ctx, query)
	}
	st := x.c.lookup(query)
	if st == nil {
		x.c.want(query)
		return nil, nil
	}
	return x.tx.StmtContext(ctx, st), nil
}

func (x cached) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := x.stmt(ctx, query)
	switch {
	case err != nil:
		return nil, err
	case st == nil:
		return x.tx.ExecContext(ctx, query, args...)
	}
	return st.ExecContext(ctx, args...)
}

func (x cached) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := x.stmt(ctx, query)
	switch {
	case err != nil:
		return nil, err
	case st == nil:
		return x.tx.QueryContext(ctx, query, args...)
	}
	return st.QueryContext(ctx, args...)
}

// QueryRowContext cannot return a preparation error itself, so on one it
// falls back to an unprepared query, which reports the same error.
func (x cached) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := x.stmt(ctx, query)
	switch {
	case st != nil:
		return st.QueryRowContext(ctx, args...)
	case x.tx != nil:
		return x.tx.QueryRowContext(ctx, query, args...)
	}
	_ = err
	return x.c.pool.QueryRowContext(ctx, query, args...)
}
