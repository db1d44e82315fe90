// Package ratelimit bounds how often one client may call a sensitive
// endpoint (sending SMS codes, signing in): a token bucket per key, kept in
// memory. Each server process limits on its own; behind a load balancer the
// effective limit is the per-process limit times the number of processes,
// which is still far below what guessing a code or spamming phones needs.
package ratelimit

import (
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Limiter allows Burst calls at once and Rate calls per second after that,
// per key.
type Limiter struct {
	Rate  float64
	Burst float64
	now   func() time.Time
	mu    sync.Mutex
	keys  map[string]*bucket
	swept time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

// New makes a limiter of perMinute calls a minute with bursts of burst.
func New(perMinute, burst int, now func() time.Time) *Limiter {
	return &Limiter{Rate: float64(perMinute) / 60, Burst: float64(burst), now: now, keys: map[string]*bucket{}}
}

// Allow takes one token for key, or says how long until one is free.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.sweep(now)
	b, ok := l.keys[key]
	if !ok {
		b = &bucket{tokens: l.Burst, at: now}
		l.keys[key] = b
	}
	b.tokens = min(l.Burst, b.tokens+now.Sub(b.at).Seconds()*l.Rate)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.Rate * float64(time.Second))
}

// sweep forgets full buckets now and then, so memory follows active clients.
func (l *Limiter) sweep(now time.Time) {
	if now.Sub(l.swept) < time.Minute {
		return
	}
	l.swept = now
	for k, b := range l.keys {
		if b.tokens+now.Sub(b.at).Seconds()*l.Rate >= l.Burst {
			delete(l.keys, k)
		}
	}
}

// ClientIP is the key for per-client limits: the connection's address.
// Behind a trusted proxy, deployments put the proxy's client address in
// RemoteAddr (e.g. with a PROXY-protocol listener) rather than trust headers.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// RetryAfter formats a wait for the Retry-After header (whole seconds, at least 1).
func RetryAfter(d time.Duration) string {
	return strconv.Itoa(max(1, int(d.Seconds()+0.999)))
}
