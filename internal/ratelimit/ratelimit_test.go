package ratelimit

import (
	"testing"
	"time"
)

func TestAllow(t *testing.T) {
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	l := New(6, 3, func() time.Time { return now }) // one token every 10 s, bursts of 3
	for i := 0; i < 3; i++ {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("call %d of the burst refused", i+1)
		}
	}
	ok, wait := l.Allow("a")
	if ok || wait != 10*time.Second {
		t.Fatalf("4th call: ok=%v wait=%v, want refused for 10s", ok, wait)
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Fatal("another key was limited")
	}
	now = now.Add(10 * time.Second)
	if ok, _ := l.Allow("a"); !ok {
		t.Fatal("a token did not come back after 10 s")
	}
	if RetryAfter(1500*time.Millisecond) != "2" || RetryAfter(0) != "1" {
		t.Fatal("RetryAfter rounding")
	}
	now = now.Add(time.Hour)
	l.Allow("c")
	if _, ok := l.keys["a"]; ok {
		t.Fatal("full bucket not swept")
	}
}
