package sqlite

import (
	"context"
	"database/sql/driver"

	"modernc.org/sqlite"
)

// Prepared statements for ad hoc queries. SQLite parses a statement every
// time it is prepared, and database/sql prepares every QueryContext and
// ExecContext given as text. shebao's own queries go through stmtCache,
// but River's SQLite driver sends its queries (long ones: claiming jobs,
// setting their state) as text, and parsing them took more than half of
// the job runner's CPU. These connections keep the statements of their
// ad hoc queries prepared, keyed by text, and reuse them.

// stmtsPerConn bounds the statements a connection keeps: River's driver
// and shebao's ad hoc queries are a few dozen texts.
const stmtsPerConn = 256

// connector opens modernc.org/sqlite connections wrapped in stmtConn.
type connector struct {
	dsn    string
	driver *sqlite.Driver
}

func (c connector) Connect(context.Context) (driver.Conn, error) {
	dc, err := c.driver.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &stmtConn{conn: dc.(sqliteConn), stmts: map[string]*keptStmt{}}, nil
}

func (c connector) Driver() driver.Driver { return c.driver }

// sqliteConn is what database/sql uses of a modernc.org/sqlite connection.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// stmtConn is a connection that keeps its ad hoc queries prepared.
// database/sql uses a connection from one goroutine at a time, so the map
// needs no lock.
type stmtConn struct {
	conn  sqliteConn
	stmts map[string]*keptStmt
}

// keptStmt is a prepared statement; busy while rows read from it are open
// (a second use then runs unprepared rather than reset the first).
type keptStmt struct {
	stmt driver.Stmt
	busy bool
}

// kept returns the statement kept for query, preparing it on first use;
// nil when it is busy. Text holding several statements (a migration
// script) is kept too: the driver runs it statement by statement, parsing
// each time, as it would unprepared.
func (c *stmtConn) kept(ctx context.Context, query string) (*keptStmt, error) {
	if s, ok := c.stmts[query]; ok {
		if s.busy {
			return nil, nil
		}
		return s, nil
	}
	if len(c.stmts) >= stmtsPerConn {
		for q, s := range c.stmts { // drop one idle statement
			if !s.busy {
				_ = s.stmt.Close()
				delete(c.stmts, q)
				break
			}
		}
	}
	st, err := c.conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s := &keptStmt{stmt: st}
	c.stmts[query] = s
	return s, nil
}

func (c *stmtConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	s, err := c.kept(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.conn.ExecContext(ctx, query, args)
	}
	return s.stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (c *stmtConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	s, err := c.kept(ctx, query)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return c.conn.QueryContext(ctx, query, args)
	}
	rows, err := s.stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	s.busy = true
	return &keptRows{Rows: rows, s: s}, nil
}

// keptRows frees its statement for the next use when closed.
type keptRows struct {
	driver.Rows
	s *keptStmt
}

func (r *keptRows) Close() error {
	err := r.Rows.Close()
	r.s.busy = false
	return err
}

func (c *stmtConn) Close() error {
	for q, s := range c.stmts {
		_ = s.stmt.Close()
		delete(c.stmts, q)
	}
	return c.conn.Close()
}

func (c *stmtConn) Prepare(query string) (driver.Stmt, error) { return c.conn.Prepare(query) }
func (c *stmtConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.conn.PrepareContext(ctx, query)
}
func (c *stmtConn) Begin() (driver.Tx, error) {
	return c.conn.BeginTx(context.Background(), driver.TxOptions{})
}
func (c *stmtConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.conn.BeginTx(ctx, opts)
}
func (c *stmtConn) Ping(ctx context.Context) error         { return c.conn.Ping(ctx) }
func (c *stmtConn) ResetSession(ctx context.Context) error { return c.conn.ResetSession(ctx) }
func (c *stmtConn) IsValid() bool                          { return c.conn.IsValid() }

var (
	_ driver.Connector = connector{}
	_ sqliteConn       = (*stmtConn)(nil)
)
