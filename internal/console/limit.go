package console

import (
	"sync"
	"time"
)

// Login rate limit per client address: 20 failures in 15 minutes. The
// account lock (5 failures) protects one account; this slows a guesser
// trying one password against many names.
const (
	loginBurst  = 20
	loginWindow = 15 * time.Minute
)

// limiter counts failures per key in a sliding window. It lives in the
// handler, not in a global, and forgets keys whose window has passed.
type limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	now    func() time.Time
	fails  map[string][]time.Time
}

func newLimiter(max int, window time.Duration, now func() time.Time) *limiter {
	return &limiter{max: max, window: window, now: now, fails: map[string][]time.Time{}}
}

// allow reports whether key has fewer than max failures in the window.
func (l *limiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.recent(key)) < l.max
}

// fail counts a failure for key.
func (l *limiter) fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.fails[key] = append(l.recent(key), l.now())
	if len(l.fails) > 10_000 { // many addresses: drop the ones whose window passed
		for k := range l.fails {
			if len(l.recent(k)) == 0 {
				delete(l.fails, k)
			}
		}
	}
}

// recent drops key's failures older than the window; l.mu is held.
func (l *limiter) recent(key string) []time.Time {
	cut := l.now().Add(-l.window)
	ts := l.fails[key]
	i := 0
	for i < len(ts) && !ts[i].After(cut) {
		i++
	}
	if i == len(ts) {
		delete(l.fails, key)
		return nil
	}
	l.fails[key] = ts[i:]
	return ts[i:]
}
