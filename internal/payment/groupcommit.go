package payment

import "context"

// GroupCommitter is implemented by stores whose commits are expensive and
// serial: SQLite, whose single writer waits for an fsync per commit. Its
// InGroupTx behaves as InTx (fn may run more than once; the write is durable
// when it returns nil) but may share the transaction, and its fsync, with
// concurrent callers. PostgreSQL does not need it: concurrent transactions
// commit in parallel there and the server already flushes their WAL
// together.
type GroupCommitter interface {
	InGroupTx(ctx context.Context, fn func(Tx) error) error
}

// inSharedTx runs fn in a transaction that may be shared with concurrent
// callers when the store can group commits, and in its own otherwise.
func (s *Service) inSharedTx(ctx context.Context, fn func(Tx) error) error {
	if g, ok := s.store.(GroupCommitter); ok {
		return g.InGroupTx(ctx, fn)
	}
	return s.store.InTx(ctx, fn)
}
