package loadtest

import (
	"testing"
	"time"
)

// A timed run's pool must outlast the run, or registering people lands in
// the measured window and is counted as payment work.
func TestPoolSize(t *testing.T) {
	for _, c := range []struct {
		name  string
		cfg   Config
		limit float64
		want  int
	}{
		{"pool set wins", Config{Pool: 7, Count: 50, Citizens: 10, Duration: time.Minute}, 500, 7},
		{"counted run: exactly the count", Config{Count: 12, Citizens: 3}, 500, 12},
		{"short timed run: 25 per citizen", Config{Citizens: 100, Duration: 20 * time.Second}, 100, 2500},
		// 500 orders/s of signatures × 0.5 × 90 s = 22,500.
		{"long timed run: sized from the limit", Config{Citizens: 100, Duration: 90 * time.Second}, 500, 22500},
		{"fractions round up", Config{Citizens: 1, Duration: 3 * time.Second}, 33.4, 51},
		{"no limit measured: 25 per citizen", Config{Citizens: 4, Duration: time.Hour}, 0, 100},
	} {
		if got := poolSize(c.cfg, c.limit); got != c.want {
			t.Errorf("%s: poolSize = %d, want %d", c.name, got, c.want)
		}
	}
}
